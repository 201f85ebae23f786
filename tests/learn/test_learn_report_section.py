"""The learning report section on a small network: figures, table, budget, summary and the cache."""

from lifhw import LIFParams
from lifhw.learn import digits, train
from lifhw.report import ReportContext
from lifhw.report.sections import learn as section


def test_learn_section_on_a_small_network(tmp_path, monkeypatch):
    small = digits.DigitsConfig(hidden=(16,), qat_epochs=1, train=train.TrainConfig(epochs=2))
    monkeypatch.setattr(section, "_config", lambda: small)
    monkeypatch.setattr(section, "BITS", (8, 4))
    ctx = ReportContext(params=LIFParams(), build_dir=tmp_path, quiet=True)
    built = section.build(ctx)
    assert built.key == "learn"
    assert built.html.count("data:image/png;base64,") == 3
    assert built.html.count("<tr>") == 1 + 1 + 2  # header, float, two weight widths
    assert [row.level for row in built.budget] == ["learned network, float", "learned network, 8-bit fixed point"]
    assert built.budget[0].error == 1 - built.summary["float_accuracy"]
    assert set(built.summary["fixed_accuracy"]) == {"8", "4"}
    assert 0 < built.summary["spikes_per_inference"]["float"]

    # The second build reads the cache: nothing is trained again and the page is the same.
    def no_training(*args, **kwargs):
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr(section, "_train", no_training)
    assert section.build(ctx).html == built.html
