"""Ctrl-C and SIGTERM stop ``lifhw spice fi`` in every phase of its run, with one line saying what was kept and
where, exit 128 + the signal, no worker left behind; and a rerun with the partial file runs only what is missing
and ends with what an uninterrupted run gives.

Each run is held at its phase (``LIFHW_HOLD``, :func:`lifhw.progress.reached`) until the test signals it, so the
signal lands where the test says whatever the load; the same tests run beside a busy process on every core.
"""

from __future__ import annotations

import json
import signal

import pytest

IDEAL = ["spice", "fi", "--circuit", "ideal", "--c-m", "200p", "--r-m", "100Meg", "--v-rest", "-70m", "--v-th", "-50m",
         "--v-reset", "-70m", "--i", "300p:600p:4", "--workers", "2", "--json"]
#: What each phase has kept when it is stopped: nothing before a point finished, the points after.
KEPT = {"start-up": "nothing was kept", "pool-start": "nothing was kept", "between-points": "1 of 4 points finished",
        "shutdown": "every point finished"}
POINT = "spice fi: point"


def _interrupted(foreground, tmp_path, phase: str, signum: int):
    partial = tmp_path / "partial.json"
    run = foreground(*IDEAL, "--partial", partial, hold=phase)
    run.wait_for(f"holding at {phase}")
    run.signal(signum)
    done = run.finish()
    lines = [line for line in done.stderr.splitlines() if not line.startswith((POINT, "lifhw: holding"))]
    assert done.returncode == 128 + signum, done.stderr
    assert len(lines) == 1 and lines[0].startswith(f"lifhw: interrupted: {KEPT[phase]}"), done.stderr
    assert done.stdout == "" and run.group_is_gone()
    return partial, lines[0]


@pytest.mark.parametrize("phase, loaded", [(phase, False) for phase in KEPT]
                         + [("pool-start", True), ("between-points", True)])  # (a hog costs the suite's time)
def test_ctrl_c_stops_every_phase_in_one_line(foreground, tmp_path, phase, loaded, request):
    if loaded:
        request.getfixturevalue("cpu_hog")
    partial, line = _interrupted(foreground, tmp_path, phase, signal.SIGINT)
    if phase in ("between-points", "shutdown"):
        assert f"saved to {partial}; the same command with --partial {partial}" in line
        saved = json.loads(partial.read_text())
        finished = [e is None for e in saved["errors"]]
        assert sum(finished) == (1 if phase == "between-points" else 4)
        assert all(r > 0 for r, f in zip(saved["rate"], finished, strict=True) if f)
    else:
        assert not partial.exists()


def test_sigterm_stops_like_ctrl_c_with_its_own_exit_code(foreground, tmp_path):
    _interrupted(foreground, tmp_path, "between-points", signal.SIGTERM)


def test_the_rerun_runs_only_the_missing_points_and_equals_an_uninterrupted_run(foreground, tmp_path):
    partial, _ = _interrupted(foreground, tmp_path, "between-points", signal.SIGINT)
    kept = json.loads(partial.read_text())
    again = foreground(*IDEAL, "--partial", partial).finish()
    assert again.returncode == 0, again.stderr
    ran = [line for line in again.stderr.splitlines() if line.startswith(POINT)]
    assert len(ran) == kept["errors"].count("not run: interrupted") == 3
    whole = foreground(*IDEAL).finish()
    assert whole.returncode == 0, whole.stderr
    assert json.loads(again.stdout) == json.loads(whole.stdout)


def test_a_partial_file_that_is_not_one_is_named_and_every_point_runs(foreground, tmp_path):
    partial = tmp_path / "partial.json"
    partial.write_text('{"circuit": "ideal", "current": [3e-10]}')
    done = foreground(*IDEAL, "--partial", partial).finish()
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("lifhw: warning")]
    assert len(warnings) == 1 and f"--partial {partial}" in warnings[0] and "no field 'params'" in warnings[0]
    assert sum(line.startswith(POINT) for line in done.stderr.splitlines()) == 4
