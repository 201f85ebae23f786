// aer_encoder: address-event representation of N neurons' spikes, each with the clock it was detected in.
//
// rise_i[k] (a one-clock pulse from spike_sync) sets neuron k's pending flag and latches ts_i (the time base) as
// the event's timestamp, so an event keeps the clock it was detected in however long it waits. A round-robin
// arbiter (rr_arbiter) moves one pending event per clock into a FIFO (sync_fifo) of {address, timestamp} words
// whenever the FIFO is not full: simultaneous spikes of any number of neurons leave in consecutive clocks with
// the same timestamp, and none is lost while the FIFO has room. The reader takes the oldest event from
// ev_addr_o/ev_ts_o while ev_valid_o is high and pops it with ev_pop_i.
//
// An event is lost only when neuron k spikes again while its previous event is still pending, which needs the
// FIFO to have been full for that neuron's whole inter-spike interval. The older event is kept, the newer one
// dropped, and the loss is never silent: overflow_o goes high and stays high, and lost_o counts the dropped
// events (saturating at 2^LOST_W - 1), until rst_i or clr_i. clr_i in the same clock as a loss leaves both
// cleared and the loss uncounted.
//
// clk_req_o is high while the next clock edge can change the encoder's state (an event pending, arriving, being
// popped, or a clear); with it low every flop holds and a clock gate may stop the clock. The FIFO's words stay
// readable on ev_addr_o/ev_ts_o while the clock is stopped.
`timescale 1ns / 1ps
`default_nettype none

module aer_encoder #(
    parameter integer N      = 4,    // neurons, >= 1
    parameter integer TS_W   = 32,   // timestamp bits (the time base wraps; the reader unwraps it)
    parameter integer DEPTH  = 16,   // FIFO words, a power of 2 >= 2
    parameter integer LOST_W = 16,   // bits of the lost-event counter
    // Width of ev_addr_o; derived, leave it unset.
    parameter integer IDX_W  = (N > 1) ? $clog2(N) : 1
) (
    input  wire              clk_i,
    input  wire              rst_i,
    input  wire [N-1:0]      rise_i,     // spike detected this clock (from spike_sync)
    input  wire [TS_W-1:0]   ts_i,       // time base: clocks since reset
    output wire              ev_valid_o,
    output wire [IDX_W-1:0]  ev_addr_o,
    output wire [TS_W-1:0]   ev_ts_o,
    input  wire              ev_pop_i,
    input  wire              clr_i,      // clear overflow_o and lost_o
    output wire              overflow_o,
    output wire [LOST_W-1:0] lost_o,
    output wire              clk_req_o
);
    generate
        if (N < 1 || IDX_W != ((N > 1) ? $clog2(N) : 1)) begin : g_check_n
            aer_encoder_N_must_be_at_least_1_and_IDX_W_unset u_stop ();
        end
        if (TS_W < 1 || TS_W > 64) begin : g_check_ts_w
            aer_encoder_TS_W_must_be_1_to_64 u_stop ();
        end
        if (LOST_W < 1 || LOST_W > 32) begin : g_check_lost_w
            aer_encoder_LOST_W_must_be_1_to_32 u_stop ();
        end
    endgenerate

    localparam integer WORD_W = IDX_W + TS_W;
    localparam [LOST_W-1:0] LOST_MAX = {LOST_W{1'b1}};

    reg  [N-1:0]      pend_q;
    reg  [TS_W-1:0]   pts_q [0:N-1];
    reg               overflow_q;
    reg  [LOST_W-1:0] lost_q;

    wire              gnt_valid;
    wire [IDX_W-1:0]  gnt_idx;
    wire              full;
    wire              empty;
    wire              take = gnt_valid && !full;

    rr_arbiter #(.N(N)) u_arb (
        .clk_i(clk_i), .rst_i(rst_i), .req_i(pend_q), .take_i(take),
        .gnt_valid_o(gnt_valid), .gnt_idx_o(gnt_idx)
    );

    sync_fifo #(.WIDTH(WORD_W), .DEPTH(DEPTH)) u_fifo (
        .clk_i(clk_i), .rst_i(rst_i), .push_i(take), .data_i({gnt_idx, pts_q[gnt_idx]}),
        .pop_i(ev_pop_i), .data_o({ev_addr_o, ev_ts_o}), .empty_o(empty), .full_o(full)
    );

    // A neuron's event is overrun when it spikes while still pending and not leaving in this clock.
    reg [N-1:0]        granted;
    reg [N-1:0]        overrun;
    reg [LOST_W:0]     lost_sum;   // one bit more than the counter: the saturation test below sees the carry
    integer            k;

    always @* begin
        lost_sum = {1'b0, lost_q};
        for (k = 0; k < N; k = k + 1) begin
            granted[k] = take && (gnt_idx == k[IDX_W-1:0]);
            overrun[k] = rise_i[k] && pend_q[k] && !granted[k];
            lost_sum   = lost_sum + {{LOST_W{1'b0}}, overrun[k]};
        end
    end

    always @(posedge clk_i) begin
        if (rst_i) begin
            pend_q <= {N{1'b0}};
        end else begin
            for (k = 0; k < N; k = k + 1) begin
                if (rise_i[k] && !overrun[k]) begin
                    pend_q[k] <= 1'b1;
                    pts_q[k]  <= ts_i;
                end else if (granted[k]) begin
                    pend_q[k] <= 1'b0;
                end
            end
        end
    end

    always @(posedge clk_i) begin
        if (rst_i || clr_i) begin
            overflow_q <= 1'b0;
            lost_q     <= {LOST_W{1'b0}};
        end else if (|overrun) begin
            overflow_q <= 1'b1;
            lost_q     <= lost_sum[LOST_W] ? LOST_MAX : lost_sum[LOST_W-1:0];
        end
    end

    assign ev_valid_o = !empty;
    assign overflow_o = overflow_q;
    assign lost_o     = lost_q;
    assign clk_req_o  = |pend_q || |rise_i || (ev_pop_i && !empty) || clr_i;
endmodule

`default_nettype wire
