// tb_snn_core: self-clocked stimulus player and monitor around snn_core, whole samples from files.
// Python writes the files, the simulator runs every sample without a call back into Python, and the monitor
// writes what the core reports (lifhw.digital.snn reads and scoreboards them).
//   +events=<file>  hex words: the input event indices of each step in turn, each step ended by a word with
//                   bit 31 set (samples after one another, +steps steps each)
//   +ctrl=<file>    one hex word per step: bit 31 probe (write this step's neuron updates), bits 30:16
//                   reset_at (> 0: assert rst_i reset_at clocks after the step pulse), bits 15:0 idle clocks
//                   before the step pulse (without +ctrl: no probe, no reset, no gap)
//   +counts=<file>  one line per sample: "sample count_0 ... count_(n_L - 1) cycles", cycles from the sample's
//                   reset to its last count read
//   +updates=<file> one line per update of a probed step: "sample step layer neuron spike v"
//   +samples=<n> +steps=<t>; +vcd=<file> dumps waves; +finish ends the run when done
// A sample is: rst_i for one clock (init sweep), then per step its events on in_valid_i/in_idx_i as soon as
// in_ready_o allows (they load while the previous step runs), the step_i pulse as soon as busy_o is low (steps
// back to back unless ctrl asks for a gap), and after the last step the counts read through cnt_addr_i/cnt_o.
// The files are read when `start` rises, so a cocotb test can write them first; +autostart starts at once.
`timescale 1ns / 1ps
`default_nettype none

module tb_snn_core #(
    parameter integer L = 2,
    parameter [32*(L+1)-1:0] SIZES = {32'd3, 32'd5, 32'd4},
    parameter integer WIDTH = 16,
    parameter integer WEIGHT_W = 8,
    parameter [32*L-1:0] ACC_W      = {32'd11, 32'd11},
    parameter [32*L-1:0] LEAK_MULT  = {32'd3277, 32'd3277},
    parameter [32*L-1:0] LEAK_FRAC  = {32'd16, 32'd16},
    parameter [32*L-1:0] THRESH     = {32'd200, 32'd300},
    parameter [32*L-1:0] V_RESET    = {32'd0, 32'hffffff9c},
    parameter [32*L-1:0] RESET_MODE = {32'd1, 32'd0},
    parameter [32*L-1:0] REF_STEPS  = {32'd0, 32'd2},
    parameter integer MAX_STEPS = 255,
    parameter WEIGHT_FILE = "weights.hex",
    parameter integer BIAS = 0,
    parameter BIAS_FILE = "bias.hex",
    parameter integer EV_WORDS = 1,     // words in +events
    parameter integer CTRL_WORDS = 1    // words in +ctrl
) ();
    // snn_core's derived port widths of the ports driven or read here (the monitor reads the others by name).
    localparam integer N_IN = SIZES[31:0];
    localparam integer N_OUT = SIZES[32*L +: 32];
    localparam integer IN_IDX_W = (N_IN > 1) ? $clog2(N_IN) : 1;
    localparam integer OUT_IDX_W = (N_OUT > 1) ? $clog2(N_OUT) : 1;
    localparam integer CNT_W = $clog2(MAX_STEPS + 1);

    reg clk = 1'b0;
    reg rst = 1'b1;
    reg step = 1'b0;
    reg in_valid = 1'b0;
    reg [IN_IDX_W-1:0] in_idx = {IN_IDX_W{1'b0}};
    reg [OUT_IDX_W-1:0] cnt_addr = {OUT_IDX_W{1'b0}};
    reg start = 1'b0;
    reg done = 1'b0;
    wire in_ready, busy;
    wire [CNT_W-1:0] cnt;

    reg [31:0] ev_mem [0:EV_WORDS-1];
    reg [31:0] ctrl_mem [0:CTRL_WORDS-1];
    reg [1023:0] ev_file, ctrl_file, counts_file, updates_file, vcd_file;
    integer fc, fu, nsamples, nsteps, s, t, k, p, g, t0;
    reg has_ctrl = 1'b0, has_updates = 1'b0;
    reg [31:0] ctrl;

    always #5 clk = ~clk;

    snn_core #(
        .L(L), .SIZES(SIZES), .WIDTH(WIDTH), .WEIGHT_W(WEIGHT_W), .ACC_W(ACC_W), .LEAK_MULT(LEAK_MULT),
        .LEAK_FRAC(LEAK_FRAC), .THRESH(THRESH), .V_RESET(V_RESET), .RESET_MODE(RESET_MODE), .REF_STEPS(REF_STEPS),
        .MAX_STEPS(MAX_STEPS), .WEIGHT_FILE(WEIGHT_FILE), .BIAS(BIAS), .BIAS_FILE(BIAS_FILE)
    ) dut (
        .clk_i(clk), .rst_i(rst), .in_valid_i(in_valid), .in_idx_i(in_idx), .in_ready_o(in_ready), .step_i(step),
        .busy_o(busy), .upd_valid_o(), .upd_layer_o(), .upd_idx_o(), .upd_spike_o(), .upd_v_o(),
        .cnt_addr_i(cnt_addr), .cnt_o(cnt)
    );

    integer cycle = 0;
    always @(posedge clk) cycle <= cycle + 1;

    // Monitor: the tags of the step whose updates the core reports now (set at its pulse, seen one clock later).
    integer tag_s = 0, tag_t = 0, tag_s_q = 0, tag_t_q = 0;
    reg tag_probe = 1'b0, tag_probe_q = 1'b0;
    always @(posedge clk) begin
        tag_s_q <= tag_s;
        tag_t_q <= tag_t;
        tag_probe_q <= tag_probe;
        if (has_updates && tag_probe_q && dut.upd_valid_o)
            $fwrite(fu, "%0d %0d %0d %0d %0d %0d\n", tag_s_q, tag_t_q, dut.upd_layer_o, dut.upd_idx_o,
                    dut.upd_spike_o, dut.upd_v_o);
    end

    initial begin
        if ($test$plusargs("autostart")) start = 1'b1;
        wait (start === 1'b1);
        if (!$value$plusargs("events=%s", ev_file) || !$value$plusargs("counts=%s", counts_file)) begin
            $display("tb_snn_core: +events=<file> and +counts=<file> are required");
            $finish;
        end
        if (!$value$plusargs("samples=%d", nsamples)) nsamples = 1;
        if (!$value$plusargs("steps=%d", nsteps)) nsteps = 1;
        $readmemh(ev_file, ev_mem);
        has_ctrl = ($value$plusargs("ctrl=%s", ctrl_file) != 0);
        if (has_ctrl) $readmemh(ctrl_file, ctrl_mem);
        if ($value$plusargs("vcd=%s", vcd_file)) begin
            $dumpfile(vcd_file);
            $dumpvars(0, tb_snn_core);
        end
        fc = $fopen(counts_file, "w");
        if ($value$plusargs("updates=%s", updates_file)) begin
            fu = $fopen(updates_file, "w");
            has_updates = 1'b1;
        end
        // Stimulus changes on the falling edge; the design samples on the rising edge.
        @(negedge clk);
        p = 0;
        for (s = 0; s < nsamples; s = s + 1) begin
            rst = 1'b1;
            t0 = cycle;
            @(negedge clk);
            rst = 1'b0;
            for (t = 0; t < nsteps; t = t + 1) begin
                g = s * nsteps + t;
                ctrl = has_ctrl ? ctrl_mem[g] : 32'd0;
                while (!ev_mem[p][31]) begin
                    if (!in_ready) begin
                        wait (in_ready);
                        @(negedge clk);
                    end
                    in_valid = 1'b1;
                    in_idx = ev_mem[p][IN_IDX_W-1:0];
                    @(negedge clk);
                    in_valid = 1'b0;
                    p = p + 1;
                end
                p = p + 1;  // the end-of-step word
                if (busy) begin  // waiting for busy to fall, not polling every clock, keeps Icarus quick
                    wait (!busy);
                    @(negedge clk);
                end
                for (k = 0; k < ctrl[15:0]; k = k + 1) @(negedge clk);
                tag_s = s;
                tag_t = t;
                tag_probe = ctrl[31];
                step = 1'b1;
                @(negedge clk);
                step = 1'b0;
                if (ctrl[30:16] != 15'd0) begin
                    for (k = 1; k < ctrl[30:16]; k = k + 1) @(negedge clk);
                    rst = 1'b1;
                    @(negedge clk);
                    rst = 1'b0;
                end
            end
            if (busy) begin
                wait (!busy);
                @(negedge clk);
            end
            // Counts: the address of neuron k in one clock, its count on cnt_o in the next.
            $fwrite(fc, "%0d", s);
            cnt_addr = {OUT_IDX_W{1'b0}};
            @(negedge clk);
            for (k = 0; k < N_OUT; k = k + 1) begin
                $fwrite(fc, " %0d", cnt);
                cnt_addr = cnt_addr + 1'b1;
                @(negedge clk);
            end
            $fwrite(fc, " %0d\n", cycle - t0);
        end
        @(negedge clk);
        $fclose(fc);
        if (has_updates) $fclose(fu);
        done = 1'b1;
        if ($test$plusargs("finish")) $finish;
    end
endmodule

`default_nettype wire
