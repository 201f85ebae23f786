// lif_neuron: one fixed-point leaky integrate-and-fire neuron.
// Updates once per time step: on a clock edge with step = 1 it applies lif_datapath (rtl/README.md) to its
// state; spike is a one-clock pulse registered with that update. rst is synchronous and has priority:
// v = V_RESET, ref = 0, spike = 0.
`timescale 1ns / 1ps
`default_nettype none

module lif_neuron #(
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
    input  wire                       step,   // one time step: update on this clock edge
    input  wire signed [IN_WIDTH-1:0] i_in,   // input drive of this step (LSB of the state per step)
    output reg                        spike,
    output wire signed [WIDTH-1:0]    v       // membrane state relative to V_rest (LSB = 2^-FRAC V)
);
    reg signed [WIDTH-1:0] v_q;
    reg        [REF_W-1:0] ref_q;
    wire signed [WIDTH-1:0] v_d;
    wire        [REF_W-1:0] ref_d;
    wire                    spike_d;

    lif_datapath #(
        .WIDTH(WIDTH), .IN_WIDTH(IN_WIDTH), .LEAK_MODE(LEAK_MODE), .LEAK_SHIFT(LEAK_SHIFT),
        .LEAK_MULT(LEAK_MULT), .LEAK_FRAC(LEAK_FRAC), .LEAK_W(LEAK_W), .THRESH(THRESH), .V_RESET(V_RESET),
        .RESET_MODE(RESET_MODE), .REF_STEPS(REF_STEPS), .REF_W(REF_W)
    ) u_dp (
        .v_q(v_q), .ref_q(ref_q), .i_in(i_in), .v_d(v_d), .ref_d(ref_d), .spike(spike_d)
    );

    always @(posedge clk) begin
        if (rst) begin
            v_q   <= V_RESET[WIDTH-1:0];
            ref_q <= {REF_W{1'b0}};
            spike <= 1'b0;
        end else if (step) begin
            v_q   <= v_d;
            ref_q <= ref_d;
            spike <= spike_d;
        end else begin
            spike <= 1'b0;
        end
    end

    assign v = v_q;
endmodule

`default_nettype wire
