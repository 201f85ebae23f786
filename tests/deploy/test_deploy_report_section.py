"""The deploy report section on a small network (Icarus, 10 samples): tables, budget, summary and the cache."""

from lifhw import LIFParams
from lifhw.learn import digits, train
from lifhw.report import ReportContext
from lifhw.report.sections import deploy as section


def test_deploy_section_on_a_small_network(tmp_path, monkeypatch):
    small = digits.DigitsConfig(hidden=(16,), qat_epochs=1, train=train.TrainConfig(epochs=2))
    monkeypatch.setattr(section, "_config", lambda: small)
    monkeypatch.setattr(section, "SIMULATOR", "icarus")
    monkeypatch.setattr(section, "SAMPLES", 10)
    ctx = ReportContext(params=LIFParams(), build_dir=tmp_path, quiet=True)
    built = section.build(ctx)
    assert built.key == "deploy" and "64–16–10" in built.html and "10 held-out samples" in built.html
    assert [row.passed for row in built.budget] == [True, True]
    s = built.summary
    assert s["samples"] == 10 and s["mismatches"] == 0 and s["rtl_accuracy"] == s["fixed_accuracy"]
    assert s["inferences_per_second"] == s["clock_hz"] / s["cycles_per_inference"]
    assert (tmp_path / "deploy" / "snn_deployed.v").exists() and (tmp_path / "deploy" / "deploy.json").exists()

    # The second build reads the cache: nothing is trained or simulated again and the page is the same.
    def no_work(*args, **kwargs):
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr(section, "_deploy", no_work)
    assert section.build(ctx).html == built.html
