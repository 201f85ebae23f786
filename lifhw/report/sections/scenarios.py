"""Report section: the biological scenarios, each simulated against its own closed-form prediction."""

from __future__ import annotations

import html as html_lib
import inspect

from ...scenarios import SCENARIOS, ScenarioResult
from .. import BudgetRow, Html, ReportContext, Section, figure_html, table_html

KEY = "scenarios"
ORDER = 60


class Figured(ScenarioResult):
    """A scenario's result as the report caches it: with the arrays its figure draws (``series``)."""

    def as_dict(self, series: bool = True) -> dict:
        return super().as_dict(series)


def _verdict(ok: bool) -> Html:
    return Html('<span class="pass">PASS</span>' if ok else '<span class="fail">FAIL</span>')


def compute(ctx: ReportContext) -> dict[str, ScenarioResult]:
    """Every registered scenario at its own default neuron, each cached on the code of its own module."""
    bar = ctx.progress("scenarios", len(SCENARIOS))
    results = {}
    for name, scenario in SCENARIOS.items():
        neuron = scenario.neuron()
        results[name] = ctx.cached(f"scenario-{name}", {"scenario": name, "neuron": neuron.as_dict()},
                                   lambda s=scenario, n=neuron: Figured(**vars(s(n))), Figured,
                                   code=(inspect.getmodule(scenario.run),))
        bar.update()
    return results


def figures(results: dict[str, ScenarioResult]) -> dict:
    """Each scenario's own figure, by name."""
    return {name: SCENARIOS[name].figure(result) for name, result in results.items()}


def html(results: dict[str, ScenarioResult], figs: dict) -> str:
    parts, overview = [], []
    for name, result in results.items():
        scenario, errors = SCENARIOS[name], result.errors
        rows = [[q, result.predicted[q], result.simulated[q], errors[q], result.tolerance,
                 _verdict(errors[q] <= result.tolerance)] for q in result.predicted]
        rows += [[f"check: {c.replace('_', ' ')}", "", "yes" if ok else "no", "", "", _verdict(ok)]
                 for c, ok in result.checks.items()]
        table = table_html(["quantity (SI)", "predicted", "simulated", "rel. error", "tolerance", "verdict"], rows)
        parts.append(f'<h3 id="scenario-{name}">{html_lib.escape(scenario.title)} <code>{name}</code></h3>'
                     f"<p>{html_lib.escape(scenario.summary)}. Run: <code>lifhw scenario {name} --json</code>.</p>"
                     + figure_html(figs[name], f"{scenario.title}: {scenario.summary}") + table)
        overview.append([Html(f'<a href="#scenario-{name}">{name}</a>'), ", ".join(result.predicted),
                         max(errors.values()), result.tolerance, _verdict(result.passed)])
    intro = ("<p>Each scenario is a function of the reference model (<code>lifhw.scenarios</code>) run at its own "
             "default neuron and parameters (biology, not the report's design): a closed-form prediction, "
             "the simulated value from <code>lifhw.sim</code>, and the tolerance between them.</p>"
             + table_html(["scenario", "quantities", "worst rel. error", "tolerance", "verdict"], overview))
    return intro + "".join(parts)


def budget(results: dict[str, ScenarioResult]) -> list[BudgetRow]:
    rows = []
    for name, result in results.items():
        rows.append(BudgetRow(f"scenario {name}", "its closed-form prediction", max(result.errors.values()),
                              result.tolerance, SCENARIOS[name].tolerance_note))
        if result.checks:
            failed = sum(not ok for ok in result.checks.values())
            rows.append(BudgetRow(f"scenario {name} (checks)", ", ".join(result.checks), float(failed), 0.0,
                                  "every yes/no condition of the scenario must hold"))
    return rows


def build(ctx: ReportContext) -> Section:
    results = compute(ctx)
    summary = {name: {"passed": r.passed, "predicted": r.predicted, "simulated": r.simulated, "errors": r.errors,
                      "tolerance": r.tolerance, "checks": r.checks} for name, r in results.items()}
    return Section(KEY, "Biological scenarios", html(results, figures(results)), budget(results), summary)
