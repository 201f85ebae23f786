// trim_sar: successive-approximation search of one neuron's trim code for a target inter-spike interval.
//
// A larger code must make the neuron slower (the leak-bias trim: more leak, a longer ISI). start_i (a one-clock
// pulse) latches target_i (clocks) and tries the MSB; for each bit, from the MSB down, the trial code is applied
// (code_o, with a one-clock code_we_o pulse), SETTLE spikes are let pass (the interval in which the code changed
// is a mixture of two codes), and the next interval is measured in clocks between two rise_i pulses (isi_o). The
// bit is kept when the measured ISI is shorter than the target (the neuron is still too fast), cleared otherwise.
// After the last bit the code is the largest one measured faster than the target, c, and the last trial that
// failed was c + 1 (both were measured, see rtl/README.md); the FSM ends on whichever of the two has its ISI
// nearer the target (c on a tie; never c + 1 if its interval timed out), writes it and raises done_o. When no trial
// was faster than the target, c = 0 was never measured and the search ends on 0. So it measures BITS intervals
// and applies at most BITS + 1 codes.
//
// Intervals are read off the time base ts_i (the low ISI_W + 1 bits of a free-running count of clock edges): an
// interval is the difference of ts_i at its two rise_i pulses, modulo 2^(ISI_W + 1), so the search needs no clock
// while it waits for a spike (no wait is longer than 2^ISI_W - 1 clocks, so the difference never wraps). A neuron that stays
// silent cannot hang the search: a wait (for a settle spike or the end of an interval) that reaches 2^ISI_W - 1
// clocks counts as an interval that long (slower than any target that fits), and the search goes on. start_i
// during a search restarts it; rst_i (synchronous) stops it with code 0 and done_o low.
//
// clk_req_o is high only in a clock where something happens (start_i, a spike, the clock after a code change, a
// wait reaching its limit); otherwise every flop holds and a clock gate may stop the clock. While a search waits,
// wake_o is high and wake_in_o is the number of clock edges until its wait times out: the clock must run at that
// edge (dv/tb_cosim_tile.v wakes for it).
`timescale 1ns / 1ps
`default_nettype none

module trim_sar #(
    parameter integer BITS   = 5,    // trim code bits, 1..16
    parameter integer ISI_W  = 18,   // bits of the interval counter (2^18 clocks = 262 ms at 1 MHz)
    parameter integer SETTLE = 1,    // spikes let pass after each code change, >= 1
    // Widths of bit_q and iter_o; derived, leave them unset.
    parameter integer BIT_W  = (BITS > 1) ? $clog2(BITS) : 1,
    parameter integer ITER_W = $clog2(BITS + 1)
) (
    input  wire              clk_i,
    input  wire              rst_i,
    input  wire              start_i,
    input  wire [ISI_W-1:0]  target_i,   // target interval in clocks
    input  wire              rise_i,     // this neuron's spike, synchronised (spike_sync)
    input  wire [ISI_W:0]    ts_i,       // time base: clock edges since power-up, modulo 2^(ISI_W + 1)
    output wire [BITS-1:0]   code_o,
    output wire              code_we_o,  // code_o changed in this clock
    output wire              busy_o,
    output wire              done_o,
    output wire [ISI_W-1:0]  isi_o,      // the last interval measured
    output wire [ITER_W-1:0] iter_o,     // intervals measured in this search
    output wire              clk_req_o,
    output wire              wake_o,     // a wait is running; it times out wake_in_o clock edges from now
    output wire [ISI_W:0]    wake_in_o
);
    generate
        if (BITS < 1 || BITS > 16) begin : g_check_bits
            trim_sar_BITS_must_be_1_to_16 u_stop ();
        end
        if (ISI_W < 2 || ISI_W > 32) begin : g_check_isi_w
            trim_sar_ISI_W_must_be_2_to_32 u_stop ();
        end
        if (SETTLE < 1 || SETTLE > 255) begin : g_check_settle
            trim_sar_SETTLE_must_be_1_to_255 u_stop ();
        end
        if (BIT_W != ((BITS > 1) ? $clog2(BITS) : 1) || ITER_W != $clog2(BITS + 1)) begin : g_check_derived
            trim_sar_BIT_W_and_ITER_W_must_not_be_set u_stop ();
        end
    endgenerate

    localparam [1:0] S_IDLE = 2'd0, S_SETTLE = 2'd1, S_MEASURE = 2'd2;
    localparam [ISI_W-1:0] ISI_MAX = {ISI_W{1'b1}};
    localparam [BITS-1:0]  ONE = {{(BITS - 1){1'b0}}, 1'b1};

    reg [1:0]        state_q, state_d;
    reg [BITS-1:0]   code_q, code_d;
    reg              we_q, we_d;
    reg [BIT_W-1:0]  bit_q, bit_d;
    reg [ISI_W:0]    start_q, start_d;   // time base at the start of the current wait
    reg [7:0]        seen_q, seen_d;
    reg [ISI_W-1:0]  target_q, target_d;
    reg [ISI_W-1:0]  isi_q, isi_d;
    reg [ISI_W-1:0]  pass_isi_q, pass_isi_d;   // ISI of the last trial that was kept (the code c)
    reg [ISI_W-1:0]  fail_isi_q, fail_isi_d;   // ISI of the last trial that failed (c + 1)
    reg [BITS-1:0]   fail_code_q, fail_code_d;
    reg              have_pass_q, have_pass_d;
    reg              have_fail_q, have_fail_d;
    reg              done_q, done_d;
    reg [ITER_W-1:0] iter_q, iter_d;

    wire [ISI_W:0]   elapsed = ts_i - start_q;
    wire             timeout = (elapsed >= {1'b0, ISI_MAX});
    reg              measured;   // an interval ended (or timed out) in this clock; its length is isi_d
    reg [BITS-1:0]   kept;       // the code with the bit under trial kept or cleared
    reg [ISI_W:0]    d_pass;     // distances to the target of the two final candidates (one bit of headroom)
    reg [ISI_W:0]    d_fail;

    always @* begin
        state_d     = state_q;
        code_d      = code_q;
        we_d        = 1'b0;
        bit_d       = bit_q;
        start_d     = start_q;
        seen_d      = seen_q;
        target_d    = target_q;
        isi_d       = isi_q;
        pass_isi_d  = pass_isi_q;
        fail_isi_d  = fail_isi_q;
        fail_code_d = fail_code_q;
        have_pass_d = have_pass_q;
        have_fail_d = have_fail_q;
        done_d      = done_q;
        iter_d      = iter_q;
        measured    = 1'b0;
        kept        = code_q;
        d_pass      = {(ISI_W + 1){1'b0}};
        d_fail      = {(ISI_W + 1){1'b0}};

        case (state_q)
            S_SETTLE: begin
                if (timeout) begin
                    isi_d    = ISI_MAX;
                    measured = 1'b1;
                end else if (rise_i) begin
                    if (seen_q + 1'b1 == SETTLE[7:0]) begin
                        start_d = ts_i;
                        state_d = S_MEASURE;
                    end
                    seen_d = seen_q + 1'b1;
                end
            end
            S_MEASURE: begin
                if (timeout) begin
                    isi_d    = ISI_MAX;
                    measured = 1'b1;
                end else if (rise_i) begin
                    isi_d    = elapsed[ISI_W-1:0];
                    measured = 1'b1;
                end
            end
            default: ;
        endcase

        if (measured) begin
            iter_d = iter_q + 1'b1;
            if (isi_d < target_q) begin
                pass_isi_d  = isi_d;
                have_pass_d = 1'b1;
            end else begin
                fail_isi_d  = isi_d;
                fail_code_d = code_q;
                have_fail_d = 1'b1;
                kept        = code_q & ~(ONE << bit_q);
            end
            if (bit_q == {BIT_W{1'b0}}) begin
                // Last bit decided: end on the nearer of c (kept) and c + 1 (the last failure).
                d_pass = {1'b0, target_q} - {1'b0, pass_isi_d};
                d_fail = {1'b0, fail_isi_d} - {1'b0, target_q};
                code_d = (have_pass_d && have_fail_d && fail_isi_d != ISI_MAX && d_fail < d_pass) ?
                         fail_code_d : kept;
                state_d = S_IDLE;
                done_d  = 1'b1;
            end else begin
                bit_d   = bit_q - 1'b1;
                code_d  = kept | (ONE << (bit_q - 1'b1));
                seen_d  = 8'd0;
                start_d = ts_i;
                state_d = S_SETTLE;
            end
            we_d = (code_d != code_q);
        end

        if (start_i) begin
            state_d     = S_SETTLE;
            code_d      = ONE << (BITS - 1);
            we_d        = 1'b1;
            bit_d       = BITS[BIT_W-1:0] - 1'b1;
            start_d     = ts_i;
            seen_d      = 8'd0;
            target_d    = target_i;
            have_pass_d = 1'b0;
            have_fail_d = 1'b0;
            done_d      = 1'b0;
            iter_d      = {ITER_W{1'b0}};
        end
    end

    always @(posedge clk_i) begin
        if (rst_i) begin
            state_q     <= S_IDLE;
            code_q      <= {BITS{1'b0}};
            we_q        <= 1'b0;
            bit_q       <= {BIT_W{1'b0}};
            start_q     <= {(ISI_W + 1){1'b0}};
            seen_q      <= 8'd0;
            target_q    <= {ISI_W{1'b0}};
            isi_q       <= {ISI_W{1'b0}};
            pass_isi_q  <= {ISI_W{1'b0}};
            fail_isi_q  <= {ISI_W{1'b0}};
            fail_code_q <= {BITS{1'b0}};
            have_pass_q <= 1'b0;
            have_fail_q <= 1'b0;
            done_q      <= 1'b0;
            iter_q      <= {ITER_W{1'b0}};
        end else begin
            state_q     <= state_d;
            code_q      <= code_d;
            we_q        <= we_d;
            bit_q       <= bit_d;
            start_q     <= start_d;
            seen_q      <= seen_d;
            target_q    <= target_d;
            isi_q       <= isi_d;
            pass_isi_q  <= pass_isi_d;
            fail_isi_q  <= fail_isi_d;
            fail_code_q <= fail_code_d;
            have_pass_q <= have_pass_d;
            have_fail_q <= have_fail_d;
            done_q      <= done_d;
            iter_q      <= iter_d;
        end
    end

    assign code_o    = code_q;
    assign code_we_o = we_q;
    assign busy_o    = (state_q != S_IDLE);
    assign done_o    = done_q;
    assign isi_o     = isi_q;
    assign iter_o    = iter_q;
    assign clk_req_o = start_i || we_q || (busy_o && (rise_i || timeout));
    assign wake_o    = busy_o;
    assign wake_in_o = {1'b0, ISI_MAX} - elapsed;
endmodule

`default_nettype wire
