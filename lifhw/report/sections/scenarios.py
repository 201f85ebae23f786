"""Report section: the biological scenarios, each simulated against its own closed-form prediction."""

from __future__ import annotations

import html
import inspect

from ...scenarios import SCENARIOS, ScenarioResult
from .. import BudgetRow, Html, ReportContext, Section, figure_html, table_html

KEY = "scenarios"
ORDER = 60


def _verdict(ok: bool) -> Html:
    return Html('<span class="pass">PASS</span>' if ok else '<span class="fail">FAIL</span>')


def build(ctx: ReportContext) -> Section:
    bar = ctx.progress("scenarios", len(SCENARIOS))
    parts, budget, summary, overview = [], [], {}, []
    for name, scenario in SCENARIOS.items():
        neuron = scenario.neuron()
        data = ctx.cached(f"scenario-{name}", {"scenario": name, "neuron": neuron.as_dict()},
                          lambda s=scenario, n=neuron: s(n).as_dict(series=True),
                          code=(inspect.getmodule(scenario.run),))
        result = ScenarioResult.from_dict(data)
        bar.update()
        errors = result.errors
        worst = max(errors.values())
        rows = [[q, result.predicted[q], result.simulated[q], errors[q], result.tolerance,
                 _verdict(errors[q] <= result.tolerance)] for q in result.predicted]
        rows += [[f"check: {c.replace('_', ' ')}", "", "yes" if ok else "no", "", "", _verdict(ok)]
                 for c, ok in result.checks.items()]
        table = table_html(["quantity (SI)", "predicted", "simulated", "rel. error", "tolerance", "verdict"], rows)
        parts.append(f'<h3 id="scenario-{name}">{html.escape(scenario.title)} <code>{name}</code></h3>'
                     f"<p>{html.escape(scenario.summary)}. Run: <code>lifhw scenario {name} --json</code>.</p>"
                     + figure_html(scenario.figure(result), f"{scenario.title}: {scenario.summary}") + table)
        overview.append([Html(f'<a href="#scenario-{name}">{name}</a>'), ", ".join(result.predicted), worst,
                         result.tolerance, _verdict(result.passed)])
        budget.append(BudgetRow(f"scenario {name}", "its closed-form prediction", worst, result.tolerance,
                                scenario.tolerance_note))
        if result.checks:
            failed = sum(not ok for ok in result.checks.values())
            budget.append(BudgetRow(f"scenario {name} (checks)", ", ".join(result.checks), float(failed), 0.0,
                                    "every yes/no condition of the scenario must hold"))
        summary[name] = {"passed": result.passed, "predicted": result.predicted, "simulated": result.simulated,
                         "errors": errors, "tolerance": result.tolerance, "checks": result.checks}
    intro = ("<p>Each scenario is a function of the reference model (<code>lifhw.scenarios</code>) run at its own "
             "default neuron and parameters (biology, not the report's design): a closed-form prediction, "
             "the simulated value from <code>lifhw.sim</code>, and the tolerance between them.</p>"
             + table_html(["scenario", "quantities", "worst rel. error", "tolerance", "verdict"], overview))
    return Section(KEY, "Biological scenarios", intro + "".join(parts), budget, summary)
