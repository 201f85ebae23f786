"""No import runs up the layers: the foundation imports nothing above it, the levels neither the report nor the
CLI, the report not the CLI. Read from every module's import statements (lazy imports inside functions count)."""

from __future__ import annotations

import pkgutil

import lifhw
from lifhw.report import cache

#: Top-level names of lifhw by layer, lowest first. A module may import its own layer and those below.
LAYERS = [
    {"lifhw", "files", "errors", "limits", "units", "params", "pdk", "fi", "progress", "jsonio"},
    {"theory", "analog", "fixed", "ota_theory"},
    None,  # the levels and what is built on them: every other package or module
    {"report"},
    {"cli", "__main__"},
]


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else module
    for k, names in enumerate(LAYERS):
        if names is not None and top in names:
            return k
    return LAYERS.index(None)


def _modules() -> list[str]:
    return ["lifhw"] + [m.name for m in pkgutil.walk_packages(lifhw.__path__, "lifhw.")]


def test_no_import_runs_up_the_layers():
    upward = []
    for module in _modules():
        for imported in cache._direct_imports(module):
            # A module's own parent packages are imported with it; they are not a dependency it chose.
            if not module.startswith(imported + ".") and _layer(imported) > _layer(module):
                upward.append(f"{module} (layer {_layer(module)}) imports {imported} (layer {_layer(imported)})")
    assert not upward, "\n".join(upward)


def test_the_layers_cover_real_modules():
    tops = {m.split(".")[1] for m in _modules() if "." in m}
    named = set().union(*(names for names in LAYERS if names is not None)) - {"lifhw"}
    assert named <= tops | {"__main__"}, named - tops
