// sync_fifo: a first-in first-out queue of DEPTH words of WIDTH bits, one clock, first-word fall-through.
// data_o is the oldest word whenever empty_o is low; pop_i removes it at the clock edge. push_i writes data_i at
// the clock edge unless the queue is full (full_o): the caller must not push into a full queue (a push while
// full_o is ignored, and the caller's overflow accounting decides what that means). A push and a pop in the
// same clock both happen. rst_i (synchronous) empties the queue.
`timescale 1ns / 1ps
`default_nettype none

module sync_fifo #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 16    // a power of 2, >= 2
) (
    input  wire             clk_i,
    input  wire             rst_i,
    input  wire             push_i,
    input  wire [WIDTH-1:0] data_i,
    input  wire             pop_i,
    output wire [WIDTH-1:0] data_o,
    output wire             empty_o,
    output wire             full_o
);
    generate
        if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) begin : g_check_depth
            sync_fifo_DEPTH_must_be_a_power_of_2_at_least_2 u_stop ();
        end
        if (WIDTH < 1) begin : g_check_width
            sync_fifo_WIDTH_must_be_at_least_1 u_stop ();
        end
    endgenerate

    localparam integer PTR_W = $clog2(DEPTH);   // index of a word; one more bit tells full from empty

    reg [WIDTH-1:0] mem_q [0:DEPTH-1];
    reg [PTR_W:0]   wr_q;
    reg [PTR_W:0]   rd_q;

    wire [PTR_W:0] used = wr_q - rd_q;
    wire do_push = push_i && !full_o;
    wire do_pop  = pop_i && !empty_o;

    always @(posedge clk_i) begin
        if (rst_i) begin
            wr_q <= {(PTR_W + 1){1'b0}};
            rd_q <= {(PTR_W + 1){1'b0}};
        end else begin
            if (do_push) wr_q <= wr_q + 1'b1;
            if (do_pop)  rd_q <= rd_q + 1'b1;
        end
    end

    always @(posedge clk_i) begin
        if (do_push) mem_q[wr_q[PTR_W-1:0]] <= data_i;
    end

    assign data_o  = mem_q[rd_q[PTR_W-1:0]];
    assign empty_o = (used == {(PTR_W + 1){1'b0}});
    assign full_o  = used[PTR_W];
endmodule

`default_nettype wire
