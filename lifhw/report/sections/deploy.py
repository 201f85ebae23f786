"""Report section: the digits network of the learning section deployed on the SNN core (rtl/snn_core.v)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ...jsonio import Record, plain
from .. import BudgetRow, ReportContext, Section, table_html

KEY = "deploy"
ORDER = 46
#: Verilator runs the whole held-out split (Icarus, the reference, is ~10x slower per sample).
SIMULATOR = "verilator"
#: Held-out samples streamed through the core (None: all of them).
SAMPLES = None


@dataclass(frozen=True)
class Memory(Record):
    """One memory of the core: words of ``width`` bits."""

    name: str
    words: int
    width: int


@dataclass(frozen=True)
class Deployed(Record):
    """The digits network on the SNN core: the accuracy ladder float → fixed → RTL, the mismatches against the
    integer model, clocks per inference, Yosys area and the simulator's speed."""

    sizes: list[int]
    samples: int
    n_test: int
    mismatches: int
    updates_compared: int
    float_accuracy: float
    fixed_accuracy: float
    rtl_accuracy: float
    cycles_per_inference: float
    clock_hz: float
    inferences_per_second: float
    cells: int
    flip_flops: int
    memory_bits: int
    memories: list[Memory]
    samples_per_second: float


def _config():
    from ...learn import digits

    return digits.DigitsConfig()


def _deploy(config, build_dir) -> Deployed:
    from ...digital import snn
    from ...learn import digits

    learned = digits.run(config)
    split = digits.load(config.seed)
    events = digits.test_events(split, config)[:SAMPLES]
    deployed = snn.deploy(learned["fixed_net"], events, split.y_test[:SAMPLES], build_dir / "deploy", SIMULATOR)
    # the float accuracy is the learning level's; the fixed-point one is scored again on the core's inputs
    return Deployed.from_dict(plain({**deployed, "float_accuracy": learned["float_accuracy"],
                                     "n_test": learned["n_test"]}))


def compute(ctx: ReportContext) -> Deployed:
    config = _config()
    bar = ctx.progress(f"SNN core ({SIMULATOR})", 1)
    result = ctx.cached("deploy", {"config": asdict(config), "simulator": SIMULATOR, "samples": SAMPLES},
                        lambda: _deploy(config, ctx.build_dir), Deployed)
    bar.update()
    return result


def html(d: Deployed) -> str:
    split_note = "the whole held-out split" if d.samples == d.n_test else f"{d.samples} held-out samples"
    ladder = table_html(["model", "held-out accuracy", "what runs"], [
        ["float (JAX)", d.float_accuracy, "the trained network, float32"],
        ["fixed point (lifhw.fixed)", d.fixed_accuracy, "network_run: the integer arithmetic of rtl/README.md"],
        [f"RTL (snn_core, {SIMULATOR})", d.rtl_accuracy, "the Verilog, cocotb regression, counts from the core"],
    ])
    clock_mhz = d.clock_hz / 1e6
    numbers = table_html(["quantity", "value"], [
        ["samples streamed", d.samples],
        ["mismatched output counts + probed neuron updates", d.mismatches],
        ["probed neuron updates compared (spike and membrane)", d.updates_compared],
        ["clock cycles per inference (mean)", d.cycles_per_inference],
        [f"inferences per second at {clock_mhz:g} MHz", d.inferences_per_second],
        ["generic cells outside the memories (Yosys)", d.cells],
        ["flip-flops", d.flip_flops],
        ["memory bits", d.memory_bits],
        [f"simulation speed, {SIMULATOR} (samples/s)", d.samples_per_second],
    ])
    memories = table_html(["memory", "words", "bits per word"], [[m.name, m.words, m.width] for m in d.memories])
    return (f"<p>The {'–'.join(map(str, d.sizes))} digits network of the learning section, deployed with "
            "<code>lifhw deploy</code> on <code>rtl/snn_core.v</code>: layers time-multiplexed over one "
            "<code>lif_datapath</code> per layer, the weights in one read-only memory initialised from "
            "<code>weights.hex</code>, the input spikes as events per step. A cocotb regression streams "
            f"{split_note} through the core ({SIMULATOR}; whole samples from files, nothing per clock in Python) and "
            "compares every output spike count, and every neuron's membrane on one step in eight, with "
            "<code>lifhw.fixed.network_run</code>. Area: Yosys <code>synth</code> without mapping the memories "
            f"(they would be SRAM/ROM macros). Inferences per second at a {clock_mhz:g} MHz clock.</p>"
            + ladder + numbers + memories)


def budget(d: Deployed) -> list[BudgetRow]:
    return [
        BudgetRow("SNN core (RTL): output counts and probed membranes", "lifhw.fixed.network_run", d.mismatches,
                  0, "deploy issue: 0 mismatches over the held-out split"),
        BudgetRow("SNN core (RTL): held-out accuracy", "fixed-point model's accuracy",
                  abs(d.rtl_accuracy - d.fixed_accuracy), 0.0, "deploy issue: rtl_accuracy == fixed_accuracy"),
    ]


def build(ctx: ReportContext) -> Section:
    d = compute(ctx)
    summary = {k: getattr(d, k) for k in ("samples", "mismatches", "float_accuracy", "fixed_accuracy", "rtl_accuracy",
                                          "cycles_per_inference", "inferences_per_second", "clock_hz", "cells",
                                          "flip_flops", "memory_bits", "samples_per_second")}
    design = [["SNN core", f"{'–'.join(map(str, d.sizes))}, {d.cells} cells, {d.flip_flops} flip-flops, "
                           f"{d.memory_bits} memory bits",
               f"{d.cycles_per_inference:.0f} cycles per inference, {d.inferences_per_second:.0f}/s at "
               f"{d.clock_hz / 1e6:g} MHz"]]
    return Section(KEY, "SNN core: the trained network in Verilog", html(d), budget(d), summary, design=design)
