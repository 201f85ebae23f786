// tile_periph: the digital periphery of a mixed-signal tile of N analog neurons (rtl/README.md, "Tile periphery").
//
// spk_i are the neurons' asynchronous spike outputs. They pass spike_sync (two-flop synchroniser, rising-edge
// pulse); the pulses feed the AER encoder (events {neuron, timestamp} in a FIFO the host pops, overflow never
// silent) and one trim_sar per neuron (successive-approximation search of the neuron's leak-trim code for a
// target inter-spike interval). tile_regs holds every neuron's DAC codes (in_code_o, trim_code_o go to the
// transistor DACs) and the controls.
//
// ts_i is the time base: a free-running count of the clock's rising edges (a counter the chip keeps outside the
// tile, so that the tile's own clock can be gated). The synchroniser takes a spike at the first edge after its
// crossing and the encoder latches ts_i two edges later: an event stamped ts crossed in the clock period that
// ends at the edge where ts_i read ts - 2. clk_req_o is high while the next clock edge can change the
// periphery's state; with it low (no spike edge in the synchroniser, no event pending, no register access, every
// trim search waiting) every flop holds, so a clock gate may stop clk_i and the tile costs no clock power until a
// spike, the host or a search's time-out wakes it: wake_o/wake_in_o say in how many clock edges the first waiting
// search times out, an edge the clock must make (dv/tb_cosim_tile.v gates its clock this way).
`timescale 1ns / 1ps
`default_nettype none

module tile_periph #(
    parameter integer N         = 4,    // neurons, >= 1
    parameter integer IN_BITS   = 6,    // input DAC code bits
    parameter integer TRIM_BITS = 5,    // trim DAC code bits (1..16)
    parameter integer TS_W      = 32,   // time base and AER timestamp bits (> ISI_W)
    parameter integer DEPTH     = 16,   // AER FIFO words (a power of 2)
    parameter integer ISI_W     = 18,   // trim search interval counter bits (2..24)
    parameter integer SETTLE    = 1,    // spikes the trim search lets pass after each code change
    parameter integer LOST_W    = 16,   // lost-event counter bits
    // Widths of addr_i and ev_addr_o; derived, leave them unset.
    parameter integer ADDR_W    = $clog2(3 * N + 3),
    parameter integer IDX_W     = (N > 1) ? $clog2(N) : 1
) (
    input  wire                   clk_i,
    input  wire                   rst_i,
    input  wire [N-1:0]           spk_i,
    input  wire [TS_W-1:0]        ts_i,
    input  wire                   we_i,
    input  wire [ADDR_W-1:0]      addr_i,
    input  wire [31:0]            wdata_i,
    output wire [31:0]            rdata_o,
    output wire [N*IN_BITS-1:0]   in_code_o,
    output wire [N*TRIM_BITS-1:0] trim_code_o,
    output wire                   ev_valid_o,
    output wire [IDX_W-1:0]       ev_addr_o,
    output wire [TS_W-1:0]        ev_ts_o,
    input  wire                   ev_pop_i,
    output wire                   clk_req_o,
    output wire                   wake_o,
    output reg  [ISI_W:0]         wake_in_o
);
    generate
        if (TS_W <= ISI_W) begin : g_check_ts_w
            tile_periph_TS_W_must_be_more_than_ISI_W u_stop ();
        end
    endgenerate

    wire [N-1:0]           rise;
    wire [N-1:0]           trim_we;
    wire [N*TRIM_BITS-1:0] trim_code;
    wire [N-1:0]           trim_busy;
    wire [N-1:0]           trim_done;
    wire [N*ISI_W-1:0]     trim_isi;
    wire [N*ITER_W-1:0]    trim_iter;
    wire [ISI_W-1:0]       target;
    wire                   trim_start;
    wire                   ovf_clr;
    wire                   overflow;
    wire [LOST_W-1:0]      lost;
    wire [N-1:0]           sar_req;
    wire [N-1:0]           sar_wake;
    wire [N*(ISI_W+1)-1:0] sar_wake_in;
    wire                   sync_req;
    wire                   aer_req;
    wire                   regs_req;

    localparam integer ITER_W = $clog2(TRIM_BITS + 1);   // trim_sar's iter_o

    spike_sync #(.N(N)) u_sync (.clk_i(clk_i), .rst_i(rst_i), .spk_i(spk_i), .rise_o(rise),
                                .clk_req_o(sync_req));

    aer_encoder #(.N(N), .TS_W(TS_W), .DEPTH(DEPTH), .LOST_W(LOST_W)) u_aer (
        .clk_i(clk_i), .rst_i(rst_i), .rise_i(rise), .ts_i(ts_i),
        .ev_valid_o(ev_valid_o), .ev_addr_o(ev_addr_o), .ev_ts_o(ev_ts_o), .ev_pop_i(ev_pop_i),
        .clr_i(ovf_clr), .overflow_o(overflow), .lost_o(lost), .clk_req_o(aer_req)
    );

    genvar g;
    generate
        for (g = 0; g < N; g = g + 1) begin : g_trim
            trim_sar #(.BITS(TRIM_BITS), .ISI_W(ISI_W), .SETTLE(SETTLE)) u_sar (
                .clk_i(clk_i), .rst_i(rst_i), .start_i(trim_start), .target_i(target), .rise_i(rise[g]),
                .ts_i(ts_i[ISI_W:0]),
                .code_o(trim_code[g*TRIM_BITS +: TRIM_BITS]), .code_we_o(trim_we[g]),
                .busy_o(trim_busy[g]), .done_o(trim_done[g]), .isi_o(trim_isi[g*ISI_W +: ISI_W]),
                .iter_o(trim_iter[g*ITER_W +: ITER_W]), .clk_req_o(sar_req[g]),
                .wake_o(sar_wake[g]), .wake_in_o(sar_wake_in[g*(ISI_W+1) +: ISI_W+1])
            );
        end
    endgenerate

    tile_regs #(.N(N), .IN_BITS(IN_BITS), .TRIM_BITS(TRIM_BITS), .ISI_W(ISI_W), .ITER_W(ITER_W), .LOST_W(LOST_W)) u_regs (
        .clk_i(clk_i), .rst_i(rst_i), .we_i(we_i), .addr_i(addr_i), .wdata_i(wdata_i), .rdata_o(rdata_o),
        .in_code_o(in_code_o), .trim_code_o(trim_code_o), .target_o(target), .trim_start_o(trim_start),
        .ovf_clr_o(ovf_clr), .trim_we_i(trim_we), .trim_wdata_i(trim_code), .trim_busy_i(trim_busy),
        .trim_done_i(trim_done), .trim_isi_i(trim_isi), .trim_iter_i(trim_iter), .overflow_i(overflow), .lost_i(lost), .clk_req_o(regs_req)
    );

    // rst_i must see a clock edge to take effect
    assign clk_req_o = rst_i || sync_req || aer_req || |sar_req || regs_req;

    // The earliest time-out of the waiting searches.
    integer k;
    always @* begin
        wake_in_o = {(ISI_W + 1){1'b1}};
        for (k = 0; k < N; k = k + 1) begin
            if (sar_wake[k] && sar_wake_in[k*(ISI_W+1) +: ISI_W+1] < wake_in_o) begin
                wake_in_o = sar_wake_in[k*(ISI_W+1) +: ISI_W+1];
            end
        end
    end
    assign wake_o = |sar_wake;
endmodule

`default_nettype wire
