// lif_datapath: one LIF update (one time step of one neuron), combinational.
// The arithmetic is specified in rtl/README.md and, bit for bit, by lifhw/fixed.py:step().
//   ref_i != 0 : hold v, ref_o = ref_i - 1, no spike
//   else       : sum = v - floor(v * LEAK_MULT / 2^LEAK_FRAC) + x   (exact, no wrap)
//                      - (RESET_MODE 2 and v >= THRESH ? THRESH : 0)  (the delayed subtraction of the last spike)
//                sat = clamp(sum, -2^(WIDTH-1), 2^(WIDTH-1) - 1)
//                sat >= THRESH -> spike, v_o = V_RESET (RESET_MODE 0), sat - THRESH (1) or sat (2),
//                                 ref_o = REF_STEPS
// LEAK_MULT = 1 is the shift leak v >>> LEAK_FRAC: a product with the constant 1 is wiring, no multiplier.
//
// A parameter outside its range stops elaboration (Icarus, Verilator, Yosys) by instantiating a module that
// does not exist and whose name says what is wrong: Verilog-2005 has no elaboration-time $error.
`timescale 1ns / 1ps
`default_nettype none

module lif_datapath #(
    parameter integer WIDTH      = 16,     // state width (signed), 2..32
    parameter integer IN_WIDTH   = 16,     // input width (signed), 2..WIDTH
    parameter integer LEAK_MULT  = 327,    // leak = v * LEAK_MULT / 2^LEAK_FRAC; 1..2^LEAK_FRAC - 1
    parameter integer LEAK_FRAC  = 16,
    parameter integer THRESH     = 20972,  // 1..2^(WIDTH-1) - 1
    parameter integer V_RESET    = 0,      // -2^(WIDTH-1)..THRESH - 1
    parameter integer RESET_MODE = 0,      // 0: to V_RESET; 1: subtract THRESH; 2: subtract it one update later
    parameter integer REF_STEPS  = 20,     // refractory steps after a spike, >= 0
    // Width of the refractory counter ports; derived, a parent passes its own derived value.
    parameter integer REF_W      = (REF_STEPS > 0) ? $clog2(REF_STEPS + 1) : 1
) (
    input  wire signed [WIDTH-1:0]    v_i,    // state before the step
    input  wire        [REF_W-1:0]    ref_i,  // refractory steps left before the step
    input  wire signed [IN_WIDTH-1:0] x_i,    // input of this step (state LSB)
    output wire signed [WIDTH-1:0]    v_o,    // state after the step
    output wire        [REF_W-1:0]    ref_o,
    output wire                       spike_o
);
    generate
        if (WIDTH < 2 || WIDTH > 32) begin : g_check_width
            lif_datapath_WIDTH_must_be_2_to_32 u_stop ();
        end
        if (IN_WIDTH < 2 || IN_WIDTH > WIDTH) begin : g_check_in_width
            lif_datapath_IN_WIDTH_must_be_2_to_WIDTH u_stop ();
        end
        if (LEAK_MULT < 1 || LEAK_FRAC < 1 || (LEAK_MULT >> LEAK_FRAC) != 0) begin : g_check_leak
            lif_datapath_LEAK_MULT_must_be_1_to_2_pow_LEAK_FRAC_minus_1 u_stop ();
        end
        if (THRESH < 1 || (THRESH >> (WIDTH - 1)) != 0) begin : g_check_thresh
            lif_datapath_THRESH_must_be_1_to_2_pow_WIDTH_minus_1_minus_1 u_stop ();
        end
        if (V_RESET >= THRESH || (V_RESET >>> (WIDTH - 1)) < -1) begin : g_check_v_reset
            lif_datapath_V_RESET_must_be_minus_2_pow_WIDTH_minus_1_to_THRESH_minus_1 u_stop ();
        end
        if (RESET_MODE < 0 || RESET_MODE > 2) begin : g_check_reset_mode
            lif_datapath_RESET_MODE_must_be_0_1_or_2 u_stop ();
        end
        if (REF_STEPS < 0 || REF_W < 1 || (REF_STEPS >> REF_W) != 0) begin : g_check_ref_w
            lif_datapath_REF_W_too_narrow_for_REF_STEPS u_stop ();
        end
    endgenerate

    localparam integer SW = WIDTH + 1;  // v - leak fits WIDTH bits; + x needs one more
    localparam signed [SW-1:0] V_MAX = {2'b00, {(WIDTH - 1){1'b1}}};
    localparam signed [SW-1:0] V_MIN = {2'b11, {(WIDTH - 1){1'b0}}};
    // The checks above make these slices exact (THRESH > 0 fits WIDTH - 1 bits).
    localparam signed [SW-1:0] THR = {2'b00, THRESH[WIDTH-2:0]};
    localparam signed [WIDTH-1:0] VRST = V_RESET[WIDTH-1:0];
    localparam [REF_W-1:0] REF_LOAD = REF_STEPS[REF_W-1:0];

    // leak = floor(v * (1 - beta)); |leak| <= |v| so v - leak stays within WIDTH bits.
    localparam integer LEAK_W = $clog2(LEAK_MULT + 1);  // bits of LEAK_MULT (unsigned)
    localparam [LEAK_W-1:0] MULT = LEAK_MULT[LEAK_W-1:0];
    wire signed [WIDTH+LEAK_W:0] prod = v_i * $signed({1'b0, MULT});
    wire signed [WIDTH+LEAK_W:0] prod_sh = prod >>> LEAK_FRAC;
    wire signed [WIDTH-1:0] leak = prod_sh[WIDTH-1:0];
    // The bits above WIDTH only repeat the sign (|leak| <= |v|).
    wire unused_ok = &{1'b0, prod_sh[WIDTH+LEAK_W:WIDTH]};

    // RESET_MODE 2 keeps the membrane of a spike (v_o = sat) and subtracts THRESH here, in the next update that
    // integrates: v >= THRESH > 0 there, so v - leak >= 0 and v - leak - THRESH stays within WIDTH bits.
    wire signed [SW-1:0] v_sw = {v_i[WIDTH-1], v_i};
    wire delayed_sub = (RESET_MODE == 2) && (v_sw >= THR);
    wire signed [WIDTH-1:0] decayed = v_i - leak - (delayed_sub ? THR[WIDTH-1:0] : {WIDTH{1'b0}});
    wire signed [SW-1:0] sum = {decayed[WIDTH-1], decayed} + {{(SW - IN_WIDTH){x_i[IN_WIDTH-1]}}, x_i};
    wire signed [SW-1:0] sat = (sum > V_MAX) ? V_MAX : (sum < V_MIN) ? V_MIN : sum;
    wire refractory = |ref_i;
    wire fire = !refractory && (sat >= THR);
    wire signed [SW-1:0] residue = sat - THR;
    wire signed [WIDTH-1:0] v_after = (RESET_MODE == 0) ? VRST : (RESET_MODE == 1) ? residue[WIDTH-1:0]
                                    : sat[WIDTH-1:0];
    // sat >= THR > 0, so sat - THR is in [0, V_MAX]: its top bit is always 0.
    wire unused_residue_msb = residue[SW-1];

    assign spike_o = fire;
    assign v_o = refractory ? v_i : fire ? v_after : sat[WIDTH-1:0];
    assign ref_o = refractory ? ref_i - 1'b1 : fire ? REF_LOAD : {REF_W{1'b0}};
endmodule

`default_nettype wire
