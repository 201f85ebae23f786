"""``lifhw report`` stopped between its sections: exit 130, one line naming what finished and where its cached
results are; the same command then reuses them (computes and writes no cache entry again)."""

from __future__ import annotations

import signal


def test_ctrl_c_between_sections_keeps_the_cache_and_the_rerun_reuses_it(foreground, tmp_path):
    args = ["report", "--only", "reference", "--out", tmp_path / "out", "--build-dir", tmp_path / "build", "--quiet"]
    run = foreground(*args, hold="between-sections")
    run.wait_for("holding at between-sections")
    run.signal(signal.SIGINT)
    done = run.finish()
    cache = tmp_path / "build" / "cache"
    assert done.returncode == 130 and done.stdout == "", done.stderr
    assert done.stderr.splitlines()[1:] == [f"lifhw: interrupted: 1 of 1 sections finished; their cached results are "
                                            f"in {cache}, and the same command reuses them"], done.stderr
    assert not (tmp_path / "out" / "index.html").exists() and run.group_is_gone()
    kept = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert kept
    again = foreground(*args).finish()
    assert again.returncode == 0, again.stderr
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == kept
    assert (tmp_path / "out" / "index.html").exists()
