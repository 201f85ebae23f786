// lif_datapath: one LIF update (one time step of one neuron), combinational.
// The arithmetic is specified in rtl/README.md and, bit for bit, by lifhw/fixed.py:step().
//   ref_q != 0 : hold v, ref_d = ref_q - 1, no spike
//   else       : sum = v - floor(v * LEAK_MULT / 2^LEAK_FRAC) + i_in   (exact, no wrap)
//                sat = clamp(sum, -2^(WIDTH-1), 2^(WIDTH-1) - 1)
//                sat >= THRESH -> spike, v_d = V_RESET (RESET_MODE 0) or sat - THRESH (1), ref_d = REF_STEPS
`timescale 1ns / 1ps
`default_nettype none

module lif_datapath #(
    parameter integer WIDTH      = 16,  // state width (signed)
    parameter integer IN_WIDTH   = 16,  // input width (signed), <= WIDTH
    parameter integer LEAK_MODE  = 0,   // 0: leak = v >>> LEAK_SHIFT; 1: leak = (v * LEAK_MULT) >>> LEAK_FRAC
    parameter integer LEAK_SHIFT = 8,
    parameter integer LEAK_MULT  = 327,
    parameter integer LEAK_FRAC  = 16,
    parameter integer LEAK_W     = 9,   // bits of LEAK_MULT (unsigned)
    parameter integer THRESH     = 20972,
    parameter integer V_RESET    = 0,
    parameter integer RESET_MODE = 0,   // 0: to V_RESET; 1: subtract THRESH
    parameter integer REF_STEPS  = 20,
    parameter integer REF_W      = 5
) (
    input  wire signed [WIDTH-1:0]    v_q,
    input  wire        [REF_W-1:0]    ref_q,
    input  wire signed [IN_WIDTH-1:0] i_in,
    output wire signed [WIDTH-1:0]    v_d,
    output wire        [REF_W-1:0]    ref_d,
    output wire                       spike
);
    localparam integer SW = WIDTH + 1;  // v - leak fits WIDTH bits; + i_in needs one more
    localparam signed [SW-1:0] V_MAX = {2'b00, {(WIDTH - 1){1'b1}}};
    localparam signed [SW-1:0] V_MIN = {2'b11, {(WIDTH - 1){1'b0}}};
    localparam signed [SW-1:0] THR = THRESH[SW-1:0];
    localparam signed [WIDTH-1:0] VRST = V_RESET[WIDTH-1:0];
    localparam [REF_W-1:0] REF_LOAD = REF_STEPS[REF_W-1:0];

    // leak = floor(v * (1 - beta)); |leak| <= |v| so v - leak stays within WIDTH bits.
    wire signed [WIDTH-1:0] leak;
    generate
        if (LEAK_MODE == 0) begin : g_shift
            assign leak = v_q >>> LEAK_SHIFT;
        end else begin : g_mult
            localparam [LEAK_W-1:0] MULT = LEAK_MULT[LEAK_W-1:0];
            wire signed [WIDTH+LEAK_W:0] prod = v_q * $signed({1'b0, MULT});
            wire signed [WIDTH+LEAK_W:0] prod_sh = prod >>> LEAK_FRAC;
            assign leak = prod_sh[WIDTH-1:0];
            // The bits above WIDTH only repeat the sign (|leak| <= |v|).
            wire unused_ok = &{1'b0, prod_sh[WIDTH+LEAK_W:WIDTH]};
        end
    endgenerate

    wire signed [WIDTH-1:0] decayed = v_q - leak;
    wire signed [SW-1:0] sum = {decayed[WIDTH-1], decayed} + {{(SW - IN_WIDTH){i_in[IN_WIDTH-1]}}, i_in};
    wire signed [SW-1:0] sat = (sum > V_MAX) ? V_MAX : (sum < V_MIN) ? V_MIN : sum;
    wire refractory = |ref_q;
    wire fire = !refractory && (sat >= THR);
    wire signed [SW-1:0] residue = sat - THR;
    wire signed [WIDTH-1:0] v_after = (RESET_MODE == 0) ? VRST : residue[WIDTH-1:0];
    // sat >= THR > 0, so sat - THR is in [0, V_MAX]: its top bit is always 0.
    wire unused_residue_msb = residue[SW-1];

    assign spike = fire;
    assign v_d = refractory ? v_q : fire ? v_after : sat[WIDTH-1:0];
    assign ref_d = refractory ? ref_q - 1'b1 : fire ? REF_LOAD : {REF_W{1'b0}};
endmodule

`default_nettype wire
