// lif_neuron: one fixed-point leaky integrate-and-fire neuron.
// Updates once per time step: on a clock edge with step_i = 1 it applies lif_datapath (rtl/README.md) to its
// state; spike_o is a one-clock pulse registered with that update. rst_i is synchronous and has priority:
// v = V_RESET, ref = 0, spike = 0. The parameters are lif_datapath's.
`timescale 1ns / 1ps
`default_nettype none

module lif_neuron #(
    parameter integer WIDTH      = 16,
    parameter integer IN_WIDTH   = 16,
    parameter integer LEAK_MULT  = 327,
    parameter integer LEAK_FRAC  = 16,
    parameter integer THRESH     = 20972,
    parameter integer V_RESET    = 0,
    parameter integer RESET_MODE = 0,
    parameter integer REF_STEPS  = 20
) (
    input  wire                       clk_i,
    input  wire                       rst_i,
    input  wire                       step_i,   // one time step: update on this clock edge
    input  wire signed [IN_WIDTH-1:0] x_i,      // input of this step (state LSB per step)
    output wire                       spike_o,
    output wire signed [WIDTH-1:0]    v_o       // membrane state relative to V_rest (LSB = 2^-frac V)
);
    localparam integer REF_W = (REF_STEPS > 0) ? $clog2(REF_STEPS + 1) : 1;  // bits of 0..REF_STEPS

    reg signed [WIDTH-1:0] v_q;
    reg        [REF_W-1:0] ref_q;
    reg                    spike_q;
    wire signed [WIDTH-1:0] v_d;
    wire        [REF_W-1:0] ref_d;
    wire                    spike_d;

    lif_datapath #(
        .WIDTH(WIDTH), .IN_WIDTH(IN_WIDTH), .LEAK_MULT(LEAK_MULT), .LEAK_FRAC(LEAK_FRAC), .THRESH(THRESH),
        .V_RESET(V_RESET), .RESET_MODE(RESET_MODE), .REF_STEPS(REF_STEPS), .REF_W(REF_W)
    ) u_dp (
        .v_i(v_q), .ref_i(ref_q), .x_i(x_i), .v_o(v_d), .ref_o(ref_d), .spike_o(spike_d)
    );

    always @(posedge clk_i) begin
        if (rst_i) begin
            v_q     <= V_RESET[WIDTH-1:0];
            ref_q   <= {REF_W{1'b0}};
            spike_q <= 1'b0;
        end else if (step_i) begin
            v_q     <= v_d;
            ref_q   <= ref_d;
            spike_q <= spike_d;
        end else begin
            spike_q <= 1'b0;
        end
    end

    assign spike_o = spike_q;
    assign v_o     = v_q;
endmodule

`default_nettype wire
