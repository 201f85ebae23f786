// tile_regs: the register file of a mixed-signal tile: per-neuron DAC codes, the trim search's target and
// controls, and the status a host reads. One write port (we_i, addr_i, wdata_i: written at the clock edge) and a
// combinational read port (rdata_o shows the register at addr_i). Address map (rtl/README.md, "Tile periphery"):
//
//   0 .. N-1      IN_CODE[k]    R/W  neuron k's input-current DAC code (IN_BITS)
//   N .. 2N-1     TRIM_CODE[k]  R/W  neuron k's leak-trim DAC code (TRIM_BITS); the trim search writes it too
//   2N            CTRL          W: bit 0 starts the trim search of every neuron, bit 1 clears the AER overflow
//                                  flag and lost count (both one-clock pulses, nothing is stored)
//                               R: bit 0 a search is running, bit 1 every neuron's search is done, bit 2 AER overflow
//   2N + 1        TARGET        R/W  target inter-spike interval of the trim search, in clocks (ISI_W)
//   2N + 2        LOST          R    AER events lost (LOST_W, saturating)
//   2N + 3 + k    TRIM_STAT[k]  R    neuron k's trim search: bits [ISI_W-1:0] the last interval it measured
//                                    (clocks), bits [31:24] the intervals measured in this search
//
// Bits of wdata_i above a register's width are ignored; an address beyond the map writes nothing and reads 0.
// When the host and a trim search write the same TRIM_CODE in one clock, the host's value is kept.
// rst_i (synchronous) clears every register. clk_req_o is high while the next clock edge can change a register
// (a write, a trim search's write, a control pulse to end).
`timescale 1ns / 1ps
`default_nettype none

module tile_regs #(
    parameter integer N         = 4,    // neurons, >= 1
    parameter integer IN_BITS   = 6,    // input DAC code bits, 1..24
    parameter integer TRIM_BITS = 5,    // trim DAC code bits, 1..24
    parameter integer ISI_W     = 18,   // TARGET and interval bits, 1..24
    parameter integer ITER_W    = 3,    // bits of a search's interval count, 1..8
    parameter integer LOST_W    = 16,   // LOST bits, 1..32
    // Width of addr_i (bits of 0..3N+2); derived, leave it unset.
    parameter integer ADDR_W    = $clog2(3 * N + 3)
) (
    input  wire                   clk_i,
    input  wire                   rst_i,
    input  wire                   we_i,
    input  wire [ADDR_W-1:0]      addr_i,
    input  wire [31:0]            wdata_i,
    output reg  [31:0]            rdata_o,
    output wire [N*IN_BITS-1:0]   in_code_o,     // neuron k's code in bits [k*IN_BITS +: IN_BITS]
    output wire [N*TRIM_BITS-1:0] trim_code_o,
    output wire [ISI_W-1:0]       target_o,
    output wire                   trim_start_o,  // one-clock pulse
    output wire                   ovf_clr_o,     // one-clock pulse
    input  wire [N-1:0]           trim_we_i,     // the trim search of neuron k writes trim_wdata_i's field k
    input  wire [N*TRIM_BITS-1:0] trim_wdata_i,
    input  wire [N-1:0]           trim_busy_i,
    input  wire [N-1:0]           trim_done_i,
    input  wire [N*ISI_W-1:0]     trim_isi_i,    // neuron k's last interval in bits [k*ISI_W +: ISI_W]
    input  wire [N*ITER_W-1:0]    trim_iter_i,
    input  wire                   overflow_i,
    input  wire [LOST_W-1:0]      lost_i,
    output wire                   clk_req_o
);
    generate
        if (N < 1 || ADDR_W != $clog2(3 * N + 3)) begin : g_check_n
            tile_regs_N_must_be_at_least_1_and_ADDR_W_unset u_stop ();
        end
        if (IN_BITS < 1 || IN_BITS > 24 || TRIM_BITS < 1 || TRIM_BITS > 24) begin : g_check_bits
            tile_regs_IN_BITS_and_TRIM_BITS_must_be_1_to_24 u_stop ();
        end
        if (ISI_W < 1 || ISI_W > 24 || ITER_W < 1 || ITER_W > 8 || LOST_W < 1 || LOST_W > 32) begin : g_check_widths
            tile_regs_ISI_W_1_to_24_ITER_W_1_to_8_LOST_W_1_to_32 u_stop ();
        end
    endgenerate

    localparam integer A_CTRL   = 2 * N;
    localparam integer A_TARGET = 2 * N + 1;
    localparam integer A_LOST   = 2 * N + 2;
    localparam integer A_STAT   = 2 * N + 3;

    wire [31:0] addr = {{(32 - ADDR_W){1'b0}}, addr_i};   // compared with the integer addresses above
    // The widest field a write takes (<= 24 bits); the bits of wdata_i above it are ignored.
    localparam integer W_MAX0 = (IN_BITS > TRIM_BITS) ? IN_BITS : TRIM_BITS;
    localparam integer W_MAX1 = (W_MAX0 > ISI_W) ? W_MAX0 : ISI_W;
    localparam integer W_MAX  = (W_MAX1 > 2) ? W_MAX1 : 2;
    wire unused_wdata = &{1'b0, wdata_i[31:W_MAX]};

    reg [IN_BITS-1:0]   in_q   [0:N-1];
    reg [TRIM_BITS-1:0] trim_q [0:N-1];
    reg [ISI_W-1:0]     target_q;
    reg                 start_q;
    reg                 clr_q;
    integer             k;

    always @(posedge clk_i) begin
        if (rst_i) begin
            for (k = 0; k < N; k = k + 1) begin
                in_q[k]   <= {IN_BITS{1'b0}};
                trim_q[k] <= {TRIM_BITS{1'b0}};
            end
            target_q <= {ISI_W{1'b0}};
            start_q  <= 1'b0;
            clr_q    <= 1'b0;
        end else begin
            for (k = 0; k < N; k = k + 1) begin
                if (we_i && addr == k) begin
                    in_q[k] <= wdata_i[IN_BITS-1:0];
                end
                if (we_i && addr == N + k) begin
                    trim_q[k] <= wdata_i[TRIM_BITS-1:0];
                end else if (trim_we_i[k]) begin
                    trim_q[k] <= trim_wdata_i[k*TRIM_BITS +: TRIM_BITS];
                end
            end
            if (we_i && addr == A_TARGET) begin
                target_q <= wdata_i[ISI_W-1:0];
            end
            start_q <= we_i && addr == A_CTRL && wdata_i[0];
            clr_q   <= we_i && addr == A_CTRL && wdata_i[1];
        end
    end

    always @* begin
        rdata_o = 32'd0;
        for (k = 0; k < N; k = k + 1) begin
            if (addr == k)     rdata_o[IN_BITS-1:0]   = in_q[k];
            if (addr == N + k) rdata_o[TRIM_BITS-1:0] = trim_q[k];
            if (addr == A_STAT + k) begin
                rdata_o[ISI_W-1:0]          = trim_isi_i[k*ISI_W +: ISI_W];
                rdata_o[24 + ITER_W - 1:24] = trim_iter_i[k*ITER_W +: ITER_W];
            end
        end
        if (addr == A_CTRL)   rdata_o[2:0]        = {overflow_i, &trim_done_i, |trim_busy_i};
        if (addr == A_TARGET) rdata_o[ISI_W-1:0]  = target_q;
        if (addr == A_LOST)   rdata_o[LOST_W-1:0] = lost_i;
    end

    genvar g;
    generate
        for (g = 0; g < N; g = g + 1) begin : g_out
            assign in_code_o[g*IN_BITS +: IN_BITS]       = in_q[g];
            assign trim_code_o[g*TRIM_BITS +: TRIM_BITS] = trim_q[g];
        end
    endgenerate

    assign target_o     = target_q;
    assign trim_start_o = start_q;
    assign ovf_clr_o    = clr_q;
    assign clk_req_o    = we_i || |trim_we_i || start_q || clr_q;
endmodule

`default_nettype wire
