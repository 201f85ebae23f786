"""Report section: energy per spike and area of an array of lif_lowpower neurons on one bias block of transistors,
every supply counted (issue 23)."""

from __future__ import annotations

from ...spice import area as ar
from ...spice import array
from ...spice.array import ArrayRun
from .. import BudgetRow, ReportContext, Section, table_html
from .analog import PUBLISHED

KEY = "array"
ORDER = 35
CIRCUIT, NEURONS, RATE = "lowpower", 64, 30.0
#: Array sizes of the tables: N = 1 and NEURONS are simulated, the others computed from them (see html).
SIZES = (1, 16, 64, 256)
#: Acceptance (issue 23): the rate with the real block within 5 % of the neuron with ideal sources at tt 27 °C.
RATE_BOUND = 0.05


def compute(ctx: ReportContext) -> ArrayRun:
    from ...spice.executor import LocalExecutor

    def run() -> ArrayRun:
        with LocalExecutor(1, timeout=3600.0) as executor:
            return array.run_array(CIRCUIT, NEURONS, executor, ctx.build_dir / "spice" / "array", rate=RATE)

    bar = ctx.progress("SPICE array on a bias block of transistors", 1)
    result = ctx.cached("array", {"circuit": CIRCUIT, "neurons": NEURONS, "rate": RATE}, run, ArrayRun)
    bar.update(1)
    return result


def energy_rows(r: ArrayRun) -> list[list]:
    """(N, how, rate, own, block/N, total, input I·V_mem, input from the rail) per array size, J and Hz."""
    assert r.single is not None
    rows = []
    for n in SIZES:
        if n == 1:
            e, how = r.single, "simulated: one neuron on the block"
        elif n == r.neurons:
            e, how = r.energy, f"simulated: {r.method}"
        else:
            e, how = r.energy, f"computed: own supply of the N = {r.neurons} run + block power / (N·rate)"
        block = e.sources["vdda"] if e is r.single or n == r.neurons else e.block_power / (n * e.rate)
        rows.append([n, how, e.rate, e.sources["vdd"], block, e.sources["vdd"] + block, e.input_energy["i_v_mem"],
                     e.input_energy["rail"]])
    return rows


def html(r: ArrayRun) -> str:
    pj = 1e12
    energy = table_html(["N", "how", "rate (Hz)", "own vdd (pJ)", "block vdda / N (pJ)", "total (pJ)",
                         "input I·V_mem (pJ)", "input from 1.8 V (pJ)"],
                        [[n, how, rate, *(x * pj for x in rest)] for n, how, rate, *rest in energy_rows(r)])
    areas = [ar.array_area(CIRCUIT, n) for n in SIZES]
    area = table_html(["N", "per neuron, devices under the MIM (µm²)", "side by side (µm²)", "array (mm²)"],
                      [[a.neurons, a.per_neuron[0] * 1e12, a.per_neuron[1] * 1e12, a.array[1] * 1e6]
                       for a in areas])
    a = areas[0]
    published = table_html(["neuron", "process", "V_dd", "C_m", "energy per spike", "rate", "source"],
                           [[f"lif_lowpower, N = {r.neurons}, this block (simulated)", "sky130 130 nm", "1.8 V",
                             "2.6 pF MIM", f"{r.energy.energy_per_spike * pj:.3g} pJ", f"{r.energy.rate:.3g} Hz",
                             "this report: own supply + the whole bias block / N, inputs apart"],
                            *[list(row) for row in PUBLISHED]])
    return (
        f"<p>{r.neurons} lif_lowpower neurons share one bias block built of sky130 transistors "
        f"(<code>circuits/bias_lowpower.cir</code>): a self-biased pA current reference, a mirror leg per bias "
        "current, a diode ladder for V_rest and V_th, and sink followers for V_reset and the comparators' tail "
        "node. The only ideal elements left are the supplies and the inputs (<code>lifhw spice array</code>; a test "
        "parses the deck and fails on any other). Energy per spike is each supply's −V·∫I dt over one window of "
        f"one transient, over the spikes it paid for, at {r.corner} {r.temp:g} °C and the input the neuron's "
        f"device-aware theory gives {RATE:g} Hz for ({r.i_in * 1e12:.4g} pA). N = {r.neurons} is the lumped "
        "method: one neuron simulated, the other N − 1 as the mean charge one neuron sends into the block per "
        "spike (measured on the N = 1 deck) times its rate.</p>"
        + energy
        + f"<p>The block draws {r.energy.block_power * 1e9:.3g} nW whatever N is: one neuron alone pays it all "
          f"(N = 1), {r.neurons} pay 1/{r.neurons} each. Rate with the block {r.energy.rate:.4g} Hz against "
          f"{r.ideal_rate:.4g} Hz from the neuron's device-aware theory with ideal sources.</p>"
        + "<h3>Area</h3>"
        + f"<p>Neuron: {a.neuron.transistors} transistors and {a.neuron.mim_capacitance * 1e12:.3g} pF of MIM; "
          f"block: {a.block.transistors} transistors (≈ {a.block_area * 1e12:.0f} µm², most of it the reference's "
          "long-channel stacks: a pA reference costs area, not power). Model (<code>lifhw.spice.area</code>): MIM "
          "from the models' area and perimeter densities with the plate's enclosure, each transistor's drawn "
          "footprint times a layout factor of 2 (stated, not a layout); \"under the MIM\" puts the devices below "
          "the capacitor, \"side by side\" beside it: the two bound a layout.</p>"
        + area
        + "<h3>Against published neurons</h3>"
        + published
        + "<p>Not in these numbers: layout parasitics, well and junction leakage, supply resistance shared by N "
          "neurons' reset currents, mismatch between the neurons, bursts of simultaneous resets (the lumped load is "
          "the mean), corners other than this one (circuits/README.md).</p>"
    )


def budget(r: ArrayRun) -> list[BudgetRow]:
    return [BudgetRow("lif_lowpower on the bias block of transistors (N = 1)", "ideal sources, device-aware theory",
                      abs(r.single.rate / r.ideal_rate - 1) if r.single else float("nan"), RATE_BOUND,
                      "issue 23 acceptance")]


def summary(r: ArrayRun) -> dict:
    return {"neurons": r.neurons, "method": r.method, "energy_per_spike": r.energy.energy_per_spike,
            "sources": r.energy.sources, "input_energy": r.energy.input_energy, "rate": r.energy.rate,
            "block_power": r.energy.block_power, "single_neuron_energy_per_spike":
                r.single.energy_per_spike if r.single else None,
            "area_per_neuron": ar.array_area(CIRCUIT, r.neurons).per_neuron}


def build(ctx: ReportContext) -> Section:
    result = compute(ctx)
    return Section(KEY, "Array: energy and area as silicon pays them", html(result), budget(result),
                   summary(result))
