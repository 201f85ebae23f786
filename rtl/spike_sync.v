// spike_sync: N asynchronous spike lines (the analog neurons' spk outputs) brought into the clock domain.
// Each line passes a two-flop synchroniser (meta_q, sync_q); a third flop (prev_q) detects its rising edge, so
// rise_o[k] is a one-clock pulse in the clock after the second flop has taken the new level. A spike that rises
// between two clock edges e0 < t <= e1 is taken by meta_q at e1 (or at e2 if it was metastable there) and
// rise_o[k] is high from e2 to e3: the event's clock is the first edge after the crossing plus a fixed latency of
// one clock (rtl/README.md, "Tile periphery"). A pulse must stay high for more than one clock period to be seen;
// the transistor neurons' spk pulses last 5-6 us (circuits/README.md), five 1 MHz clocks.
// rst_i is synchronous and clears all three stages: a line that is high when the reset ends gives an edge.
// clk_req_o is high while the next clock edge would change a stage (an input differs from the stage that takes it):
// with it low the block is at rest and a clock gate may stop its clock.
`timescale 1ns / 1ps
`default_nettype none

module spike_sync #(
    parameter integer N = 1   // spike lines, >= 1
) (
    input  wire         clk_i,
    input  wire         rst_i,
    input  wire [N-1:0] spk_i,
    output wire [N-1:0] rise_o,
    output wire         clk_req_o
);
    generate
        if (N < 1) begin : g_check_n
            spike_sync_N_must_be_at_least_1 u_stop ();
        end
    endgenerate

    reg [N-1:0] meta_q;
    reg [N-1:0] sync_q;
    reg [N-1:0] prev_q;

    always @(posedge clk_i) begin
        if (rst_i) begin
            meta_q <= {N{1'b0}};
            sync_q <= {N{1'b0}};
            prev_q <= {N{1'b0}};
        end else begin
            meta_q <= spk_i;
            sync_q <= meta_q;
            prev_q <= sync_q;
        end
    end

    assign rise_o    = sync_q & ~prev_q;
    assign clk_req_o = |{spk_i ^ meta_q, meta_q ^ sync_q, sync_q ^ prev_q};
endmodule

`default_nettype wire
