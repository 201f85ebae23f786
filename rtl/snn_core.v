// snn_core: L fully connected layers of LIF neurons, the arithmetic of lifhw.fixed.network_run (rtl/README.md,
// "Network" and "SNN core").
//
// One time step (a step_i pulse while !busy_o):
//   SCAN  the input events of the step (collected in a bitmap by in_valid_i/in_idx_i) become an ascending list;
//   then for each layer l = 0..L-1, for each of its neurons i = 0..n_l - 1:
//   ACC   acc = 0; for every event j of the layer's input list, in list order (ascending):
//         acc = clamp(acc + W_l[i, j], -2^(ACC_W_l - 1), 2^(ACC_W_l - 1) - 1)
//   UPD   with a bias bank (BIAS = 1): acc = clamp(acc + b_l[i], ...), the bias the last term of the sum;
//         layer l's lif_datapath updates the neuron with x = acc; a spike is appended to the list that layer l + 1
//         reads in this same step (or, in the last layer, counted).
// The weights are one read-only memory (all layers, row-major, layer 0 first) initialised from WEIGHT_FILE; the
// neuron state, the two event lists, the output counts and the bias bank (one word per neuron, read-only, from
// BIAS_FILE) are memories with registered reads.
//
// Per-layer parameters are packed: field l (bits 32l+31:32l, two's complement) of ACC_W, LEAK_MULT, LEAK_FRAC,
// THRESH, V_RESET, RESET_MODE, REF_STEPS is layer l's, counted from 0 here and in upd_layer_o (layer l + 1 in
// rtl/README.md); field k of SIZES is n_k, the neurons of layer k - 1 (n_0: the inputs). Each layer has its own
// lif_datapath, which checks its parameters; a value out of range here stops elaboration by instantiating a
// module whose name says what is wrong (Verilog-2005 has no elaboration-time $error).
`timescale 1ns / 1ps
`default_nettype none

module snn_core #(
    parameter integer L = 2,                                          // layers, >= 1
    parameter [32*(L+1)-1:0] SIZES = {32'd3, 32'd5, 32'd4},           // n_0 (inputs) .. n_L, each 1..65535
    parameter integer WIDTH = 16,                                     // state width of every layer
    parameter integer WEIGHT_W = 8,                                   // weight memory width (signed), 2..WIDTH
    parameter [32*L-1:0] ACC_W      = {32'd11, 32'd11},               // accumulator = lif_datapath IN_WIDTH
    parameter [32*L-1:0] LEAK_MULT  = {32'd3277, 32'd3277},
    parameter [32*L-1:0] LEAK_FRAC  = {32'd16, 32'd16},
    parameter [32*L-1:0] THRESH     = {32'd200, 32'd300},
    parameter [32*L-1:0] V_RESET    = {32'd0, 32'hffffff9c},          // layer 0: -100, layer 1: 0
    parameter [32*L-1:0] RESET_MODE = {32'd1, 32'd0},
    parameter [32*L-1:0] REF_STEPS  = {32'd0, 32'd2},
    parameter integer MAX_STEPS = 255,                                // steps per sample the counts must hold
    parameter WEIGHT_FILE = "weights.hex",                            // $readmemh image of the weight memory
    parameter integer BIAS = 0,                                       // 1: a per-neuron bias bank
    parameter BIAS_FILE = "bias.hex",                                 // its $readmemh image (BIAS = 1)
    // Port widths; derived, leave them unset.
    parameter integer IN_IDX_W  = bits_for(field(SIZES, 0) - 1),      // an input index
    parameter integer IDX_W     = bits_for(max_size(SIZES, 0, L) - 1),  // a neuron index within any layer
    parameter integer LAY_W     = bits_for(L - 1),                    // a layer index
    parameter integer OUT_IDX_W = bits_for(field(SIZES, L) - 1),      // an output neuron index
    parameter integer CNT_W     = bits_for(MAX_STEPS)                 // an output count
) (
    input  wire                    clk_i,
    input  wire                    rst_i,        // synchronous: abort, clear pending events, init sweep
    // Input events of the next step: input in_idx_i spiked (indices >= n_0 are ignored).
    input  wire                    in_valid_i,
    input  wire [IN_IDX_W-1:0]     in_idx_i,
    output wire                    in_ready_o,   // low while a step scans its events
    input  wire                    step_i,       // run one time step (ignored while busy_o)
    output wire                    busy_o,
    // Monitor: every neuron update, one clock after it is computed.
    output wire                    upd_valid_o,
    output wire [LAY_W-1:0]        upd_layer_o,
    output wire [IDX_W-1:0]        upd_idx_o,
    output wire                    upd_spike_o,
    output wire signed [WIDTH-1:0] upd_v_o,
    // Output spike counts since the last reset: cnt_o is neuron cnt_addr_i's, one clock after the address,
    // when busy_o was low in that clock.
    input  wire [OUT_IDX_W-1:0]    cnt_addr_i,
    output wire [CNT_W-1:0]        cnt_o
);
    // --- elaboration-time helpers --------------------------------------------------------------------------
    // Bits of an unsigned value (at least 1), i.e. the width that holds 0..v.
    function integer bits_for(input integer v);
        begin
            bits_for = (v > 0) ? $clog2(v + 1) : 1;
        end
    endfunction

    function integer field(input [32*(L+1)-1:0] packed_values, input integer k);
        begin
            field = packed_values[32*k +: 32];
        end
    endfunction

    function integer max_size(input [32*(L+1)-1:0] sizes, input integer first, input integer last);
        integer k;
        begin
            max_size = 0;
            for (k = first; k <= last; k = k + 1)
                if (sizes[32*k +: 32] > max_size) max_size = sizes[32*k +: 32];
        end
    endfunction

    function integer sum_sizes(input [32*(L+1)-1:0] sizes, input product);  // product: sum n_k*n_(k-1)
        integer k;
        begin
            sum_sizes = 0;
            for (k = 1; k <= L; k = k + 1)
                sum_sizes = sum_sizes + sizes[32*k +: 32] * (product ? sizes[32*(k-1) +: 32] : 1);
        end
    endfunction

    function integer max_field(input [32*L-1:0] values, input ref_bits);  // max of a field, or of its bits
        integer k, v;
        begin
            max_field = 1;
            for (k = 0; k < L; k = k + 1) begin
                v = ref_bits ? bits_for(values[32*k +: 32]) : values[32*k +: 32];
                if (v > max_field) max_field = v;
            end
        end
    endfunction

    function integer sizes_ok(input [32*(L+1)-1:0] sizes);
        integer k;
        begin
            sizes_ok = 1;
            for (k = 0; k <= L; k = k + 1)
                if (sizes[32*k +: 32] < 1 || sizes[32*k +: 32] > 65535) sizes_ok = 0;
        end
    endfunction

    localparam integer N_IN     = field(SIZES, 0);
    localparam integer N_OUT    = field(SIZES, L);
    localparam integer NTOT     = sum_sizes(SIZES, 1'b0);         // neurons of all layers: the state memory
    localparam integer W_DEPTH  = sum_sizes(SIZES, 1'b1);         // weights of all layers
    localparam integer EV_DEPTH = max_size(SIZES, 0, L - 1);   // longest event list: the widest layer input
    localparam integer ST_AW    = bits_for(NTOT - 1);
    localparam integer W_AW     = bits_for(W_DEPTH - 1);
    localparam integer ROW_W    = W_AW + 1;                    // a row base, up to W_DEPTH
    localparam integer EV_AW    = bits_for(EV_DEPTH - 1);      // a slot in one event list (= an event's index)
    localparam integer EVC_W    = bits_for(EV_DEPTH);          // a count of events, 0..EV_DEPTH
    localparam integer REF_W    = max_field(REF_STEPS, 1'b1);     // refractory counter of every layer
    localparam integer ACC_MAX  = max_field(ACC_W, 1'b0);         // accumulator register width
    localparam integer SUM_W    = ((ACC_MAX > WEIGHT_W) ? ACC_MAX : WEIGHT_W) + 1;  // acc + w, exact
    localparam integer SW       = REF_W + WIDTH;               // a state word {ref, v}

    generate
        if (L < 1) begin : g_check_l
            snn_core_L_must_be_at_least_1 u_stop ();
        end
        if (sizes_ok(SIZES) == 0) begin : g_check_sizes
            snn_core_SIZES_must_be_1_to_65535 u_stop ();
        end
        if (W_DEPTH > (1 << 30)) begin : g_check_depth
            snn_core_weights_must_be_at_most_2_pow_30 u_stop ();
        end
        if (WEIGHT_W < 2 || WEIGHT_W > WIDTH) begin : g_check_weight_w
            snn_core_WEIGHT_W_must_be_2_to_WIDTH u_stop ();
        end
        if (BIAS != 0 && BIAS != 1) begin : g_check_bias
            snn_core_BIAS_must_be_0_or_1 u_stop ();
        end
        if (MAX_STEPS < 1) begin : g_check_max_steps
            snn_core_MAX_STEPS_must_be_at_least_1 u_stop ();
        end
        if (IN_IDX_W < bits_for(N_IN - 1) || IDX_W < bits_for(max_size(SIZES, 0, L) - 1)
                || LAY_W < bits_for(L - 1) || OUT_IDX_W < bits_for(N_OUT - 1) || CNT_W < bits_for(MAX_STEPS))
        begin : g_check_port_widths
            snn_core_port_width_too_narrow_for_SIZES_L_or_MAX_STEPS u_stop ();
        end
    endgenerate

    // --- sequencer -------------------------------------------------------------------------------------------
    localparam [2:0] S_IDLE = 3'd0, S_INIT = 3'd1, S_SCAN = 3'd2, S_ACC = 3'd3, S_UPD = 3'd4;
    localparam [LAY_W-1:0] LAST_LAY = L[LAY_W-1:0] - 1'b1;
    localparam [CNT_W-1:0] CNT_TOP = {CNT_W{1'b1}};
    localparam [IDX_W-1:0] LAST_IN = N_IN[IDX_W-1:0] - 1'b1;

    reg [2:0]             state_q;
    reg [LAY_W-1:0]       lay_q;      // layer being initialised or updated
    reg [IDX_W-1:0]       i_q;        // neuron within the layer (input index while scanning)
    reg [ST_AW-1:0]       a_q;        // state memory address of neuron (lay_q, i_q)
    reg [ROW_W-1:0]       row_q;      // weight memory address of W[lay_q][i_q, 0]
    reg                   half_q;     // event list read by this layer; the other one is written
    reg [EVC_W-1:0]       ev_n_q;     // events in the list being read
    reg [EVC_W-1:0]       k_q;        // next event to read
    reg [EVC_W-1:0]       wcnt_q;     // events in the list being written
    reg                   rd1_q;      // an event read was issued last clock: ev_rd_q holds it
    reg                   rd2_q;      // a weight read was issued last clock: w_rd_q holds it
    reg signed [ACC_MAX-1:0] acc_q;
    reg [N_IN-1:0]        in_bits_q;  // input events of the next step

    // Per-layer constants, packed, selected by lay_q.
    wire [IDX_W*L-1:0]   last_idx_all;
    wire [ROW_W*L-1:0]   n_in_all;
    wire [SUM_W*L-1:0]   acc_hi_all;
    wire [SUM_W*L-1:0]   acc_lo_all;
    wire [WIDTH*L-1:0]   vrst_all;
    wire [WIDTH*L-1:0]   dp_v_all;
    wire [REF_W*L-1:0]   dp_ref_all;
    wire [L-1:0]         dp_spike_all;

    wire [IDX_W-1:0] last_idx = last_idx_all[IDX_W*lay_q +: IDX_W];
    wire [ROW_W-1:0] n_in_cur = n_in_all[ROW_W*lay_q +: ROW_W];
    wire signed [SUM_W-1:0] acc_hi = acc_hi_all[SUM_W*lay_q +: SUM_W];
    wire signed [SUM_W-1:0] acc_lo = acc_lo_all[SUM_W*lay_q +: SUM_W];
    wire signed [WIDTH-1:0] dp_v = dp_v_all[WIDTH*lay_q +: WIDTH];
    wire [REF_W-1:0] dp_ref = dp_ref_all[REF_W*lay_q +: REF_W];
    wire dp_spike = dp_spike_all[lay_q];

    wire last_in_layer = (i_q == last_idx);
    wire last_layer = (lay_q == LAST_LAY);

    // --- memories (registered reads) --------------------------------------------------------------------------
    reg signed [WEIGHT_W-1:0] w_mem [0:W_DEPTH-1];
    reg [EV_AW-1:0]           ev_mem [0:2*(1 << EV_AW)-1];  // two lists of (1 << EV_AW) slots
    reg [SW-1:0]              st_mem [0:NTOT-1];
    reg [CNT_W-1:0]           cnt_mem [0:N_OUT-1];
    reg signed [WEIGHT_W-1:0] w_rd_q;
    reg [EV_AW-1:0]           ev_rd_q;
    reg [SW-1:0]              st_rd_q;
    reg [CNT_W-1:0]           cnt_rd_q;

    initial $readmemh(WEIGHT_FILE, w_mem);

    // ACC: one event read, one weight read and one accumulation per clock, two clocks of latency.
    wire issue_ev = (state_q == S_ACC) && (k_q != ev_n_q);
    wire acc_done = (state_q == S_ACC) && !issue_ev && !rd1_q;
    wire [ROW_W-1:0] w_addr = row_q + {{(ROW_W - EV_AW){1'b0}}, ev_rd_q};
    // The bias bank: b_l[i] at the neuron's state address, read while it accumulates, added by the same saturating
    // adder in the update clock (with BIAS = 0 the adder only ever adds weights and the datapaths take acc_q).
    wire signed [WEIGHT_W-1:0] bias_rd;
    generate
        if (BIAS == 1) begin : g_bias
            reg signed [WEIGHT_W-1:0] b_mem [0:NTOT-1];
            reg signed [WEIGHT_W-1:0] b_rd_q;
            initial $readmemh(BIAS_FILE, b_mem);
            always @(posedge clk_i) if (state_q == S_ACC) b_rd_q <= b_mem[a_q];
            assign bias_rd = b_rd_q;
        end else begin : g_no_bias
            assign bias_rd = {WEIGHT_W{1'b0}};
        end
    endgenerate
    wire add_bias = (BIAS == 1) && (state_q == S_UPD);
    wire signed [WEIGHT_W-1:0] addend = add_bias ? bias_rd : w_rd_q;
    wire signed [SUM_W-1:0] acc_sum = {{(SUM_W - ACC_MAX){acc_q[ACC_MAX-1]}}, acc_q}
                                    + {{(SUM_W - WEIGHT_W){addend[WEIGHT_W-1]}}, addend};
    wire signed [SUM_W-1:0] acc_sat = (acc_sum > acc_hi) ? acc_hi : (acc_sum < acc_lo) ? acc_lo : acc_sum;
    // The datapaths see the accumulator only in the update clock: while it accumulates, their inputs hold still
    // (operand isolation: no switching in logic whose result is not used, and a quicker event-driven simulation).
    wire signed [ACC_MAX-1:0] dp_x = (state_q != S_UPD) ? {ACC_MAX{1'b0}} : add_bias ? acc_sat[ACC_MAX-1:0] : acc_q;

    // SCAN: the input bit i_q, appended to the written list when set.
    wire scan_bit = in_bits_q[i_q[IN_IDX_W-1:0]];
    // UPD or SCAN append an event: the index i_q (< EV_DEPTH in every layer but the last, which appends nothing).
    wire ev_we = ((state_q == S_SCAN) && scan_bit) || ((state_q == S_UPD) && !last_layer && dp_spike);
    wire [EVC_W-1:0] wcnt_next = wcnt_q + {{(EVC_W - 1){1'b0}}, ev_we};

    always @(posedge clk_i) begin
        if (issue_ev) ev_rd_q <= ev_mem[{half_q, k_q[EV_AW-1:0]}];
        if (ev_we) ev_mem[{~half_q, wcnt_q[EV_AW-1:0]}] <= i_q[EV_AW-1:0];
        if (rd1_q) w_rd_q <= w_mem[w_addr[W_AW-1:0]];
    end

    // State: read during ACC (held at UPD), written at UPD or INIT.
    wire st_we = (state_q == S_UPD) || (state_q == S_INIT);
    wire [SW-1:0] st_wdata = (state_q == S_INIT) ? {{REF_W{1'b0}}, vrst_all[WIDTH*lay_q +: WIDTH]} : {dp_ref, dp_v};
    always @(posedge clk_i) begin
        if (state_q == S_ACC) st_rd_q <= st_mem[a_q];
        if (st_we) st_mem[a_q] <= st_wdata;
    end
    wire signed [WIDTH-1:0] st_v = st_rd_q[WIDTH-1:0];
    wire [REF_W-1:0] st_ref = st_rd_q[SW-1:WIDTH];

    // Counts: the host reads while idle; a step reads neuron i_q of the last layer during ACC and writes at UPD.
    wire [OUT_IDX_W-1:0] cnt_raddr = (state_q == S_IDLE) ? cnt_addr_i : i_q[OUT_IDX_W-1:0];
    wire cnt_we = last_layer && ((state_q == S_INIT) || ((state_q == S_UPD) && dp_spike));
    wire [CNT_W-1:0] cnt_wdata = (state_q == S_INIT) ? {CNT_W{1'b0}}
                               : (cnt_rd_q == CNT_TOP) ? cnt_rd_q : cnt_rd_q + 1'b1;  // saturating
    always @(posedge clk_i) begin
        cnt_rd_q <= cnt_mem[cnt_raddr];
        if (cnt_we) cnt_mem[i_q[OUT_IDX_W-1:0]] <= cnt_wdata;
    end

    // --- one lif_datapath per layer, and the per-layer constants -------------------------------------------
    genvar l;
    generate
        for (l = 0; l < L; l = l + 1) begin : g_layer
            localparam integer ACC_L = ACC_W[32*l +: 32];
            localparam [IDX_W-1:0] LAST_L = SIZES[32*(l+1) +: IDX_W] - 1'b1;  // exact: n_(l+1) - 1 fits IDX_W
            localparam [ROW_W-1:0] N_IN_L = SIZES[32*l +: ROW_W];           // exact: n_l <= W_DEPTH
            // Bounds of an ACC_L-bit signed accumulator, sign-extended to SUM_W bits (ACC_L < SUM_W).
            localparam [SUM_W-1:0] HI_L = {{(SUM_W - ACC_L + 1){1'b0}}, {(ACC_L - 1){1'b1}}};
            localparam [SUM_W-1:0] LO_L = {{(SUM_W - ACC_L + 1){1'b1}}, {(ACC_L - 1){1'b0}}};
            wire signed [WIDTH-1:0] v_o;
            wire        [REF_W-1:0] ref_o;
            wire                    spike_o;
            lif_datapath #(
                .WIDTH(WIDTH), .IN_WIDTH(ACC_L), .LEAK_MULT(LEAK_MULT[32*l +: 32]),
                .LEAK_FRAC(LEAK_FRAC[32*l +: 32]), .THRESH(THRESH[32*l +: 32]),
                .V_RESET($signed(V_RESET[32*l +: 32])), .RESET_MODE(RESET_MODE[32*l +: 32]),
                .REF_STEPS(REF_STEPS[32*l +: 32]), .REF_W(REF_W)
            ) u_dp (
                .v_i(st_v), .ref_i(st_ref), .x_i(dp_x[ACC_L-1:0]), .v_o(v_o), .ref_o(ref_o), .spike_o(spike_o)
            );
            assign dp_v_all[WIDTH*l +: WIDTH] = v_o;
            assign dp_ref_all[REF_W*l +: REF_W] = ref_o;
            assign dp_spike_all[l] = spike_o;
            assign last_idx_all[IDX_W*l +: IDX_W] = LAST_L;
            assign n_in_all[ROW_W*l +: ROW_W] = N_IN_L;
            assign acc_hi_all[SUM_W*l +: SUM_W] = HI_L;
            assign acc_lo_all[SUM_W*l +: SUM_W] = LO_L;
            assign vrst_all[WIDTH*l +: WIDTH] = V_RESET[32*l +: WIDTH];  // exact: lif_datapath checks the range
        end
    endgenerate

    // --- control ----------------------------------------------------------------------------------------------
    always @(posedge clk_i) begin
        if (rst_i) begin
            state_q   <= S_INIT;
            lay_q     <= {LAY_W{1'b0}};
            i_q       <= {IDX_W{1'b0}};
            a_q       <= {ST_AW{1'b0}};
            row_q     <= {ROW_W{1'b0}};
            half_q    <= 1'b0;
            ev_n_q    <= {EVC_W{1'b0}};
            k_q       <= {EVC_W{1'b0}};
            wcnt_q    <= {EVC_W{1'b0}};
            rd1_q     <= 1'b0;
            rd2_q     <= 1'b0;
            acc_q     <= {ACC_MAX{1'b0}};
            in_bits_q <= {N_IN{1'b0}};
        end else begin
            if (in_valid_i && state_q != S_SCAN) in_bits_q[in_idx_i] <= 1'b1;
            case (state_q)
                S_IDLE: if (step_i) state_q <= S_SCAN;
                S_SCAN: begin
                    in_bits_q[i_q[IN_IDX_W-1:0]] <= 1'b0;
                    wcnt_q <= wcnt_next;
                    i_q <= i_q + 1'b1;
                    if (i_q == LAST_IN) begin  // the list is complete: layer 0 reads it
                        state_q <= S_ACC;
                        i_q     <= {IDX_W{1'b0}};
                        half_q  <= ~half_q;
                        ev_n_q  <= wcnt_next;
                        wcnt_q  <= {EVC_W{1'b0}};
                    end
                end
                S_ACC: begin
                    k_q   <= k_q + {{(EVC_W - 1){1'b0}}, issue_ev};
                    rd1_q <= issue_ev;
                    rd2_q <= rd1_q;
                    if (rd2_q) acc_q <= acc_sat[ACC_MAX-1:0];
                    if (acc_done) state_q <= S_UPD;
                end
                S_INIT, S_UPD: begin  // the next neuron; after the last one of a layer, the next layer
                    wcnt_q <= wcnt_next;
                    k_q    <= {EVC_W{1'b0}};
                    acc_q  <= {ACC_MAX{1'b0}};
                    a_q    <= a_q + 1'b1;
                    row_q  <= row_q + n_in_cur;
                    i_q    <= i_q + 1'b1;
                    if (state_q == S_UPD) state_q <= S_ACC;
                    if (last_in_layer) begin
                        i_q    <= {IDX_W{1'b0}};
                        lay_q  <= lay_q + 1'b1;
                        half_q <= ~half_q;
                        ev_n_q <= wcnt_next;
                        wcnt_q <= {EVC_W{1'b0}};
                        if (last_layer) begin
                            state_q <= S_IDLE;
                            lay_q   <= {LAY_W{1'b0}};
                            a_q     <= {ST_AW{1'b0}};
                            row_q   <= {ROW_W{1'b0}};
                        end
                    end
                end
                default: state_q <= S_IDLE;
            endcase
        end
    end

    // --- monitor ------------------------------------------------------------------------------------------------
    reg                    upd_valid_q;
    reg [LAY_W-1:0]        upd_layer_q;
    reg [IDX_W-1:0]        upd_idx_q;
    reg                    upd_spike_q;
    reg signed [WIDTH-1:0] upd_v_q;
    always @(posedge clk_i) begin
        upd_valid_q <= !rst_i && (state_q == S_UPD);
        upd_spike_q <= !rst_i && (state_q == S_UPD) && dp_spike;
        upd_layer_q <= lay_q;
        upd_idx_q   <= i_q;
        upd_v_q     <= dp_v;
    end

    // The sum's bits above the accumulator only repeat its sign after the clamp.
    wire unused_ok = &{1'b0, acc_sat[SUM_W-1:ACC_MAX], w_addr[ROW_W-1:W_AW]};

    assign in_ready_o  = (state_q != S_SCAN);
    assign busy_o      = (state_q != S_IDLE);
    assign upd_valid_o = upd_valid_q;
    assign upd_layer_o = upd_layer_q;
    assign upd_idx_o   = upd_idx_q;
    assign upd_spike_o = upd_spike_q;
    assign upd_v_o     = upd_v_q;
    assign cnt_o       = cnt_rd_q;
endmodule

`default_nettype wire
