// rr_arbiter: round-robin choice of one of N requests per clock.
// gnt_valid_o is high when any req_i bit is set, and gnt_idx_o is the first requester at or after the priority
// pointer (wrapping). When the caller takes the grant (take_i with gnt_valid_o), the pointer moves to the
// requester after the one granted, so every requester is granted within N takes of asking: none can starve.
// Combinational grant, registered pointer; rst_i (synchronous) points at requester 0.
`timescale 1ns / 1ps
`default_nettype none

module rr_arbiter #(
    parameter integer N     = 4,   // requesters, >= 1
    // Width of gnt_idx_o; derived, leave it unset.
    parameter integer IDX_W = (N > 1) ? $clog2(N) : 1
) (
    input  wire             clk_i,
    input  wire             rst_i,
    input  wire [N-1:0]     req_i,
    input  wire             take_i,
    output reg              gnt_valid_o,
    output reg  [IDX_W-1:0] gnt_idx_o
);
    generate
        if (N < 1 || IDX_W != ((N > 1) ? $clog2(N) : 1)) begin : g_check_idx_w
            rr_arbiter_N_must_be_at_least_1_and_IDX_W_unset u_stop ();
        end
    endgenerate

    localparam [IDX_W-1:0] LAST = N[IDX_W-1:0] - 1'b1;   // exact: N - 1 fits IDX_W bits

    reg [IDX_W-1:0] ptr_q;
    reg [IDX_W-1:0] cand;
    integer i;

    always @* begin
        gnt_valid_o = 1'b0;
        gnt_idx_o   = {IDX_W{1'b0}};
        cand        = ptr_q;
        for (i = 0; i < N; i = i + 1) begin
            if (!gnt_valid_o && req_i[cand]) begin
                gnt_valid_o = 1'b1;
                gnt_idx_o   = cand;
            end
            cand = (cand == LAST) ? {IDX_W{1'b0}} : cand + 1'b1;
        end
    end

    always @(posedge clk_i) begin
        if (rst_i) begin
            ptr_q <= {IDX_W{1'b0}};
        end else if (take_i && gnt_valid_o) begin
            ptr_q <= (gnt_idx_o == LAST) ? {IDX_W{1'b0}} : gnt_idx_o + 1'b1;
        end
    end
endmodule

`default_nettype wire
