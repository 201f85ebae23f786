// lif_core: N LIF neurons time-multiplexed over one lif_datapath, their state in a memory (as ODIN does).
//
// A pulse on `step` (while !busy) starts one time step: a sweep that updates neuron 0, 1, ..., N-1, one per
// clock. In the cycle that updates neuron k, in_idx = k and the neuron's input for this step must be on i_in
// (read combinationally, like a synchronous input memory addressed by in_idx). The registered outputs
// report every update one clock later: upd_valid, upd_idx, upd_spike, upd_v (new state) and, for spikes,
// spike_valid/spike_idx. rst is synchronous; it aborts a sweep and starts an init sweep that writes
// V_RESET / ref = 0 to every neuron, one per clock (busy meanwhile); step is ignored while busy.
`timescale 1ns / 1ps
`default_nettype none

module lif_core #(
    parameter integer N          = 4,
    parameter integer IDX_W      = 2,   // >= clog2(N)
    parameter integer WIDTH      = 16,
    parameter integer IN_WIDTH   = 16,
    parameter integer LEAK_MODE  = 0,
    parameter integer LEAK_SHIFT = 8,
    parameter integer LEAK_MULT  = 327,
    parameter integer LEAK_FRAC  = 16,
    parameter integer LEAK_W     = 9,
    parameter integer THRESH     = 20972,
    parameter integer V_RESET    = 0,
    parameter integer RESET_MODE = 0,
    parameter integer REF_STEPS  = 20,
    parameter integer REF_W      = 5
) (
    input  wire                       clk,
    input  wire                       rst,
    input  wire                       step,
    input  wire signed [IN_WIDTH-1:0] i_in,
    output wire        [IDX_W-1:0]    in_idx,
    output wire                       busy,
    output reg                        upd_valid,
    output reg         [IDX_W-1:0]    upd_idx,
    output reg                        upd_spike,
    output reg  signed [WIDTH-1:0]    upd_v,
    output wire                       spike_valid,
    output wire        [IDX_W-1:0]    spike_idx
);
    localparam [IDX_W-1:0] LAST = N[IDX_W-1:0] - 1'b1;

    reg signed [WIDTH-1:0] v_mem   [0:N-1];
    reg        [REF_W-1:0] ref_mem [0:N-1];

    reg [IDX_W-1:0] idx_q;
    reg             run_q;   // an update sweep is in progress
    reg             init_q;  // an init sweep (after rst) is in progress

    wire signed [WIDTH-1:0] v_d;
    wire        [REF_W-1:0] ref_d;
    wire                    spike_d;

    lif_datapath #(
        .WIDTH(WIDTH), .IN_WIDTH(IN_WIDTH), .LEAK_MODE(LEAK_MODE), .LEAK_SHIFT(LEAK_SHIFT),
        .LEAK_MULT(LEAK_MULT), .LEAK_FRAC(LEAK_FRAC), .LEAK_W(LEAK_W), .THRESH(THRESH), .V_RESET(V_RESET),
        .RESET_MODE(RESET_MODE), .REF_STEPS(REF_STEPS), .REF_W(REF_W)
    ) u_dp (
        .v_q(v_mem[idx_q]), .ref_q(ref_mem[idx_q]), .i_in(i_in), .v_d(v_d), .ref_d(ref_d), .spike(spike_d)
    );

    // Sequencer: which neuron is addressed and which sweep is running.
    always @(posedge clk) begin
        if (rst) begin
            idx_q  <= {IDX_W{1'b0}};
            run_q  <= 1'b0;
            init_q <= 1'b1;
        end else if (run_q || init_q) begin
            idx_q <= (idx_q == LAST) ? {IDX_W{1'b0}} : idx_q + 1'b1;
            if (idx_q == LAST) begin
                run_q  <= 1'b0;
                init_q <= 1'b0;
            end
        end else if (step) begin
            run_q <= 1'b1;
        end
    end

    // State memory: one write per clock, the neuron being updated or initialised.
    always @(posedge clk) begin
        if (!rst && init_q) begin
            v_mem[idx_q]   <= V_RESET[WIDTH-1:0];
            ref_mem[idx_q] <= {REF_W{1'b0}};
        end else if (!rst && run_q) begin
            v_mem[idx_q]   <= v_d;
            ref_mem[idx_q] <= ref_d;
        end
    end

    // Monitor outputs: every update, one clock after it is computed.
    always @(posedge clk) begin
        if (rst) begin
            upd_valid <= 1'b0;
            upd_spike <= 1'b0;
        end else begin
            upd_valid <= run_q;
            upd_spike <= run_q && spike_d;
        end
        upd_idx <= idx_q;
        upd_v   <= v_d;
    end

    assign in_idx      = idx_q;
    assign busy        = run_q || init_q;
    assign spike_valid = upd_spike;
    assign spike_idx   = upd_idx;
endmodule

`default_nettype wire
