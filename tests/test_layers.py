"""Which part of lifhw may import which: an allow-list per package, read from every module's import statements
(lazy imports inside functions count), and no import cycle between modules.

The allow-list is the architecture (docs/ARCHITECTURE.md, *Layers*): the foundation imports only the foundation
below it, the device models the foundation, each level the foundation and the models it is built on, the report
the levels, the CLI everything. A new package adds its row here, saying what it is built on.
"""

from __future__ import annotations

import pkgutil

import lifhw
from lifhw.report import cache

#: The foundation: numbers, units, errors, files and the result type every level returns.
FOUNDATION = {"errors", "files", "limits", "units", "params", "pdk", "fi", "progress", "stats", "jsonio", "readers",
              "vcd"}
#: Device and arithmetic models: closed forms, analog device physics, the fixed-point arithmetic.
MODELS = {"theory", "analog", "ota_theory", "fixed"}

#: For every top-level module or package of lifhw: the other top-level names it may import.
ALLOWED: dict[str, set[str]] = {
    # the foundation, each naming exactly what it stands on, so that it has no cycle either
    "errors": set(),
    "files": set(),
    "progress": set(),
    "stats": set(),
    "fi": {"params"},
    "jsonio": {"errors", "files"},
    "readers": {"errors", "jsonio", "limits"},
    "vcd": {"errors"},
    "limits": {"errors"},
    "units": {"errors", "limits"},
    "params": {"errors", "units"},
    "pdk": {"errors", "units"},
    # the models
    "analog": {"errors", "units", "pdk"},
    "theory": {"errors", "fi", "params", "units"},
    "ota_theory": {"analog", "errors", "fi", "params", "pdk", "units"},
    "fixed": FOUNDATION,
    # the levels and what is built on one of them
    "sim": FOUNDATION | {"theory"},
    "spice": FOUNDATION | {"analog", "theory", "ota_theory"},
    "digital": FOUNDATION | {"theory", "fixed"},
    "learn": FOUNDATION | {"fixed"},
    "network": FOUNDATION | {"theory"},
    "scenarios": FOUNDATION | {"analog", "theory", "sim"},
    "sizing": FOUNDATION | MODELS | {"spice"},
    # a trained network on transistor neurons: the integer network, SPICE and the sizing's mismatch model
    "analognet": FOUNDATION | MODELS | {"spice", "sizing"},
    # the mixed-signal tile: transistor neurons (spice) with the Verilog periphery (digital) in one run
    "cosim": FOUNDATION | MODELS | {"spice", "digital"},
    # the comparison report and the command line on top
    "report": FOUNDATION | MODELS | {"sim", "spice", "digital", "learn", "network", "scenarios", "sizing",
               "analognet", "cosim"},
    "cli": FOUNDATION | MODELS | {"sim", "spice", "digital", "learn", "network", "scenarios", "sizing", "report",
            "analognet", "cosim"},
    "__main__": {"cli"},
    "lifhw": FOUNDATION,
}


def _top(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def _modules() -> list[str]:
    return ["lifhw"] + [m.name for m in pkgutil.walk_packages(lifhw.__path__, "lifhw.")]


def _imports(module: str) -> list[str]:
    # A module's own parent packages are imported with it; they are not a dependency it chose.
    return [i for i in cache._direct_imports(module) if not module.startswith(i + ".")]


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for succ in graph.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _forbidden(edges: list[tuple[str, str]]) -> list[str]:
    """The (module, imported module) pairs that cross packages outside :data:`ALLOWED`, as messages."""
    out = []
    for module, imported in edges:
        source, target = _top(module), _top(imported)
        if source != target and target not in ALLOWED[source]:
            out.append(f"{module} imports {imported}: {source} may import {sorted(ALLOWED[source])}")
    return out


def test_every_package_imports_only_what_it_is_allowed():
    forbidden = _forbidden([(m, i) for m in _modules() for i in _imports(m)])
    assert not forbidden, "\n".join(forbidden)


def test_no_module_import_cycle():
    modules = _modules()
    graph = {m: [i for i in _imports(m) if i in modules] for m in modules}
    assert not _cycles(graph), _cycles(graph)


def test_the_allow_list_has_no_cycle_and_names_every_package():
    assert not _cycles({source: sorted(targets - {source}) for source, targets in ALLOWED.items()})
    tops = {_top(m) for m in _modules()} | {"__main__"}
    assert tops == set(ALLOWED), f"unlisted: {tops - set(ALLOWED)}, gone: {set(ALLOWED) - tops}"


def test_the_checks_catch_a_forbidden_import_and_a_cycle():
    # The detectors themselves: spice importing digital, digital importing learn and the foundation importing a
    # level are refused; a two-module cycle is found, a chain is not.
    edges = [("lifhw.spice.sweep", "lifhw.digital.study"), ("lifhw.digital.snn", "lifhw.learn.model"),
             ("lifhw.units", "lifhw.sim"), ("lifhw.sizing.design", "lifhw.spice.deck")]
    assert len(_forbidden(edges)) == 3
    assert _cycles({"a": ["b"], "b": ["a"], "c": ["a"]}) == [["a", "b"]]
    assert _cycles({"a": ["b"], "b": ["c"], "c": []}) == []
