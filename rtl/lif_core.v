// lif_core: N LIF neurons time-multiplexed over one lif_datapath, their state in a memory (as ODIN does).
//
// A pulse on step_i (while !busy_o) starts one time step: a sweep that updates neuron 0, 1, ..., N-1, one per
// clock. In the cycle that updates neuron k, x_idx_o = k and the neuron's input for this step must be on x_i
// (read combinationally, like a synchronous input memory addressed by x_idx_o). The registered outputs
// report every update one clock later: upd_valid_o, upd_idx_o, upd_spike_o, upd_v_o (new state) and, for
// spikes, spike_valid_o/spike_idx_o. rst_i is synchronous; it aborts a sweep and starts an init sweep that
// writes V_RESET / ref = 0 to every neuron, one per clock (busy_o meanwhile); step_i is ignored while busy_o.
// The parameters are N and lif_datapath's.
`timescale 1ns / 1ps
`default_nettype none

module lif_core #(
    parameter integer N          = 4,      // neurons, >= 1
    parameter integer WIDTH      = 16,
    parameter integer IN_WIDTH   = 16,
    parameter integer LEAK_MULT  = 327,
    parameter integer LEAK_FRAC  = 16,
    parameter integer THRESH     = 20972,
    parameter integer V_RESET    = 0,
    parameter integer RESET_MODE = 0,
    parameter integer REF_STEPS  = 20,
    // Width of the neuron-index ports; derived, leave it unset.
    parameter integer IDX_W      = (N > 1) ? $clog2(N) : 1
) (
    input  wire                       clk_i,
    input  wire                       rst_i,
    input  wire                       step_i,
    input  wire signed [IN_WIDTH-1:0] x_i,            // input of neuron x_idx_o for this step
    output wire        [IDX_W-1:0]    x_idx_o,        // the neuron updated in this clock
    output wire                       busy_o,
    output wire                       upd_valid_o,
    output wire        [IDX_W-1:0]    upd_idx_o,
    output wire                       upd_spike_o,
    output wire signed [WIDTH-1:0]    upd_v_o,
    output wire                       spike_valid_o,
    output wire        [IDX_W-1:0]    spike_idx_o
);
    generate
        if (N < 1 || IDX_W < 1 || ((N - 1) >> IDX_W) != 0) begin : g_check_idx_w
            lif_core_IDX_W_too_narrow_for_N u_stop ();
        end
    endgenerate

    localparam integer REF_W = (REF_STEPS > 0) ? $clog2(REF_STEPS + 1) : 1;  // bits of 0..REF_STEPS
    localparam [IDX_W-1:0] LAST = N[IDX_W-1:0] - 1'b1;  // exact: N - 1 fits IDX_W bits (checked above)

    // State of every neuron, one write per clock.
    reg signed [WIDTH-1:0] v_q   [0:N-1];
    reg        [REF_W-1:0] ref_q [0:N-1];

    reg [IDX_W-1:0] idx_q;
    reg             run_q;   // an update sweep is in progress
    reg             init_q;  // an init sweep (after rst_i) is in progress

    reg             upd_valid_q;
    reg [IDX_W-1:0] upd_idx_q;
    reg             upd_spike_q;
    reg signed [WIDTH-1:0] upd_v_q;

    wire signed [WIDTH-1:0] v_d;
    wire        [REF_W-1:0] ref_d;
    wire                    spike_d;

    lif_datapath #(
        .WIDTH(WIDTH), .IN_WIDTH(IN_WIDTH), .LEAK_MULT(LEAK_MULT), .LEAK_FRAC(LEAK_FRAC), .THRESH(THRESH),
        .V_RESET(V_RESET), .RESET_MODE(RESET_MODE), .REF_STEPS(REF_STEPS), .REF_W(REF_W)
    ) u_dp (
        .v_i(v_q[idx_q]), .ref_i(ref_q[idx_q]), .x_i(x_i), .v_o(v_d), .ref_o(ref_d), .spike_o(spike_d)
    );

    // Sequencer: which neuron is addressed and which sweep is running.
    always @(posedge clk_i) begin
        if (rst_i) begin
            idx_q  <= {IDX_W{1'b0}};
            run_q  <= 1'b0;
            init_q <= 1'b1;
        end else if (run_q || init_q) begin
            idx_q <= (idx_q == LAST) ? {IDX_W{1'b0}} : idx_q + 1'b1;
            if (idx_q == LAST) begin
                run_q  <= 1'b0;
                init_q <= 1'b0;
            end
        end else if (step_i) begin
            run_q <= 1'b1;
        end
    end

    // State memory: one write per clock, the neuron being updated or initialised.
    always @(posedge clk_i) begin
        if (!rst_i && init_q) begin
            v_q[idx_q]   <= V_RESET[WIDTH-1:0];
            ref_q[idx_q] <= {REF_W{1'b0}};
        end else if (!rst_i && run_q) begin
            v_q[idx_q]   <= v_d;
            ref_q[idx_q] <= ref_d;
        end
    end

    // Monitor outputs: every update, one clock after it is computed.
    always @(posedge clk_i) begin
        if (rst_i) begin
            upd_valid_q <= 1'b0;
            upd_spike_q <= 1'b0;
        end else begin
            upd_valid_q <= run_q;
            upd_spike_q <= run_q && spike_d;
        end
        upd_idx_q <= idx_q;
        upd_v_q   <= v_d;
    end

    assign x_idx_o       = idx_q;
    assign busy_o        = run_q || init_q;
    assign upd_valid_o   = upd_valid_q;
    assign upd_idx_o     = upd_idx_q;
    assign upd_spike_o   = upd_spike_q;
    assign upd_v_o       = upd_v_q;
    assign spike_valid_o = upd_spike_q;
    assign spike_idx_o   = upd_idx_q;
endmodule

`default_nettype wire
