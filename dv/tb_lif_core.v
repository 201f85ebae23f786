// tb_lif_core: self-clocked stimulus player and monitor around lif_core, the fast verification path.
// Icarus spends its time on the design, not on Python: the stimulus is read from files, every update is
// written to a file, and cocotb (or a plain `vvp` run) only waits for `done`.
//   +stim=<file>   input codes, hex two's complement, word s*N + k is neuron k's input in sweep s
//                  (taken modulo STIM_DEPTH, so STIM_DEPTH = N holds one constant input per neuron)
//   +ctrl=<file>   one hex word per sweep: {reset_at[15:0], gap[15:0]}: `gap` idle clocks before the
//                  step pulse; reset_at = k > 0 asserts rst in the cycle that would update neuron k-1
//                  (ctrl is optional: without it every sweep has gap 0 and no reset)
//   +out=<file>    one line "sweep neuron spike v" per update (per spike with +spikes_only)
//   +nsweep=<n>    number of time steps; +vcd=<file> dumps waves; +finish ends the run when done
// The files are read when `start` rises, so a cocotb test can write them first; +autostart starts at once.
`timescale 1ns / 1ps
`default_nettype none

module tb_lif_core #(
    parameter integer N           = 4,
    parameter integer STIM_DEPTH  = 4,
    parameter integer CTRL_DEPTH  = 1,
    parameter integer WIDTH       = 16,
    parameter integer IN_WIDTH    = 16,
    parameter integer LEAK_MULT   = 327,
    parameter integer LEAK_FRAC   = 16,
    parameter integer THRESH      = 20972,
    parameter integer V_RESET     = 0,
    parameter integer RESET_MODE  = 0,
    parameter integer REF_STEPS   = 20
) ();
    reg clk = 1'b0;
    reg rst = 1'b1;
    reg step = 1'b0;
    reg done = 1'b0;
    reg start = 1'b0;
    localparam integer IDX_W = (N > 1) ? $clog2(N) : 1;  // lif_core's index width
    wire [IDX_W-1:0] x_idx;
    wire busy, upd_valid, upd_spike, spike_valid;
    wire [IDX_W-1:0] upd_idx, spike_idx;
    wire signed [WIDTH-1:0] upd_v;

    reg signed [IN_WIDTH-1:0] stim_mem [0:STIM_DEPTH-1];
    reg [31:0] ctrl_mem [0:CTRL_DEPTH-1];
    reg [1023:0] stim_file, ctrl_file, out_file, vcd_file;
    integer fd, nsweep, s, g, cur, spikes_only, has_ctrl;
    reg [31:0] ctrl;

    always #5 clk = ~clk;

    wire signed [IN_WIDTH-1:0] x = stim_mem[(cur * N + x_idx) % STIM_DEPTH];

    lif_core #(
        .N(N), .WIDTH(WIDTH), .IN_WIDTH(IN_WIDTH), .LEAK_MULT(LEAK_MULT), .LEAK_FRAC(LEAK_FRAC), .THRESH(THRESH),
        .V_RESET(V_RESET), .RESET_MODE(RESET_MODE), .REF_STEPS(REF_STEPS)
    ) dut (
        .clk_i(clk), .rst_i(rst), .step_i(step), .x_i(x), .x_idx_o(x_idx), .busy_o(busy),
        .upd_valid_o(upd_valid), .upd_idx_o(upd_idx), .upd_spike_o(upd_spike), .upd_v_o(upd_v),
        .spike_valid_o(spike_valid), .spike_idx_o(spike_idx)
    );

    // Monitor: values before this edge, i.e. the update registered at the previous one, which used the
    // input of sweep cur_q.
    integer cur_q;
    always @(posedge clk) begin
        cur_q <= cur;
        if (upd_valid && (!spikes_only || upd_spike))
            $fwrite(fd, "%0d %0d %0d %0d\n", cur_q, upd_idx, upd_spike, upd_v);
    end

    initial begin
        cur = 0;
        if ($test$plusargs("autostart")) start = 1'b1;
        wait (start === 1'b1);
        spikes_only = $test$plusargs("spikes_only");
        if (!$value$plusargs("stim=%s", stim_file)) begin
            $display("tb_lif_core: +stim=<file> is required");
            $finish;
        end
        if (!$value$plusargs("out=%s", out_file)) begin
            $display("tb_lif_core: +out=<file> is required");
            $finish;
        end
        if (!$value$plusargs("nsweep=%d", nsweep)) nsweep = 1;
        $readmemh(stim_file, stim_mem);
        has_ctrl = $value$plusargs("ctrl=%s", ctrl_file);
        if (has_ctrl) $readmemh(ctrl_file, ctrl_mem);
        if ($value$plusargs("vcd=%s", vcd_file)) begin
            $dumpfile(vcd_file);
            $dumpvars(0, tb_lif_core);
        end
        fd = $fopen(out_file, "w");
        // Stimulus changes on the falling edge; the design samples on the rising edge.
        @(negedge clk);
        @(negedge clk);
        rst = 1'b0;
        for (s = 0; s < nsweep; s = s + 1) begin
            ctrl = has_ctrl ? ctrl_mem[s] : 32'd0;
            while (busy) @(negedge clk);
            for (g = 0; g < ctrl[15:0]; g = g + 1) @(negedge clk);
            cur = s;
            step = 1'b1;
            @(negedge clk);
            step = 1'b0;
            if (ctrl[31:16] != 16'd0) begin
                while (x_idx != ctrl[31:16] - 1) @(negedge clk);
                rst = 1'b1;
                @(negedge clk);
                rst = 1'b0;
            end
        end
        while (busy) @(negedge clk);
        @(negedge clk);
        $fclose(fd);
        done = 1'b1;
        if ($test$plusargs("finish")) $finish;
    end
endmodule

`default_nettype wire
