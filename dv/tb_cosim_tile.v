// tb_cosim_tile: the co-simulation top of a mixed-signal tile: tile_periph with its clock and time base.
//
// The clock has period 2*CLK_HALF_NS ns and rising edge n at n*2*CLK_HALF_NS + CLK_HALF_NS (n = 0, 1, ...); the
// time base ts_i reads n at edge n (a free-running edge counter). With GATED = 1 the edges are only made while
// tile_periph asks for them (clk_req_o) and at the edge a waiting trim search times out (wake_ts): at rest the
// simulator has nothing to do until a spike, the host or a time-out wakes the tile, and the next edge is then the
// free-running clock's next one, with the time base it would have counted. Since every flop of tile_periph holds
// while clk_req_o is low, GATED = 1 and GATED = 0 (free-running) give the same events, codes and searches
// (tested); GATED = 1 only saves the simulator the idle edges.
//
// Everything else is a port for the cocotb side: spk_i are the analog neurons' spike outputs (the bridge drives
// them at their crossing times), the register port and the AER FIFO are the host's, in_code_o and trim_code_o go
// to the transistor DACs, and clk_req_o tells the bridge when the digital is at rest (it cannot change a code
// before a spike edge or a host access wakes it). Not synthesizable.
`timescale 1ns / 1ps
`default_nettype none

module tb_cosim_tile #(
    parameter integer N           = 4,
    parameter integer IN_BITS     = 6,
    parameter integer TRIM_BITS   = 5,
    parameter integer TS_W        = 32,
    parameter integer DEPTH       = 16,
    parameter integer ISI_W       = 18,
    parameter integer SETTLE      = 1,
    parameter integer LOST_W      = 16,
    parameter integer CLK_HALF_NS = 500,   // 1 MHz
    parameter integer GATED       = 1,
    // Widths of the ports; derived, leave them unset.
    parameter integer ADDR_W      = $clog2(3 * N + 3),
    parameter integer IDX_W       = (N > 1) ? $clog2(N) : 1
) (
    input  wire                   rst_i,
    input  wire [N-1:0]           spk_i,
    input  wire                   we_i,
    input  wire [ADDR_W-1:0]      addr_i,
    input  wire [31:0]            wdata_i,
    output wire [31:0]            rdata_o,
    output wire [N*IN_BITS-1:0]   in_code_o,
    output wire [N*TRIM_BITS-1:0] trim_code_o,
    output wire                   ev_valid_o,
    output wire [IDX_W-1:0]       ev_addr_o,
    output wire [TS_W-1:0]        ev_ts_o,
    input  wire                   ev_pop_i,
    output wire                   clk_o,
    output wire [TS_W-1:0]        ts_o,
    output wire                   clk_req_o,  // tile_periph's: low while the digital cannot change anything
    output wire                   wake_o,     // ... before the edge wake_ts_o (a search's time-out), if high
    output wire [TS_W-1:0]        wake_ts_o
);
    localparam real HALF   = CLK_HALF_NS;
    localparam real PERIOD = 2.0 * CLK_HALF_NS;

    reg            clk = 1'b0;
    reg [TS_W-1:0] ts  = {TS_W{1'b0}};
    wire           clk_req;
    wire           wake;
    wire [ISI_W:0] wake_in;
    // the edge of the first search time-out: the last edge made (ts) plus the edges still to wait
    wire [TS_W-1:0] wake_ts = ts + {{(TS_W - ISI_W - 1){1'b0}}, wake_in};
    real           edge_n;   // index of the next rising edge, never behind the free-running clock's

    initial begin
        edge_n = 0.0;
        forever begin
            if (GATED != 0) begin
                if (!clk_req) begin : sleep
                    // until the periphery asks for its clock or a search's time-out edge comes, whichever first
                    fork
                        begin
                            wait (clk_req);
                            disable sleep;
                        end
                        begin
                            if (wake && wake_ts * PERIOD + HALF > $realtime) begin
                                #(wake_ts * PERIOD + HALF - $realtime);
                                disable sleep;
                            end else begin
                                @(posedge clk_req);   // no time-out pending: only the first branch can end the sleep
                            end
                        end
                    join
                end
                if ($ceil(($realtime - HALF) / PERIOD) > edge_n) edge_n = $ceil(($realtime - HALF) / PERIOD);
            end
            #(edge_n * PERIOD + HALF - $realtime);
            ts  = $rtoi(edge_n);
            clk = 1'b1;
            #(HALF) clk = 1'b0;
            edge_n = edge_n + 1.0;
        end
    end

    assign clk_o = clk;
    assign ts_o      = ts;
    assign clk_req_o = clk_req;
    assign wake_o    = wake;
    assign wake_ts_o = wake_ts;

    tile_periph #(
        .N(N), .IN_BITS(IN_BITS), .TRIM_BITS(TRIM_BITS), .TS_W(TS_W), .DEPTH(DEPTH), .ISI_W(ISI_W),
        .SETTLE(SETTLE), .LOST_W(LOST_W)
    ) u_tile (
        .clk_i(clk), .rst_i(rst_i), .spk_i(spk_i), .ts_i(ts), .we_i(we_i), .addr_i(addr_i), .wdata_i(wdata_i),
        .rdata_o(rdata_o), .in_code_o(in_code_o), .trim_code_o(trim_code_o), .ev_valid_o(ev_valid_o),
        .ev_addr_o(ev_addr_o), .ev_ts_o(ev_ts_o), .ev_pop_i(ev_pop_i), .clk_req_o(clk_req),
        .wake_o(wake), .wake_in_o(wake_in)
    );
endmodule

`default_nettype wire
