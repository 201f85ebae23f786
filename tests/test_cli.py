import json
import subprocess
import sys

import numpy as np
import pytest

from lifhw import LIFParams, theory


def run(*args):
    return subprocess.run([sys.executable, "-m", "lifhw", *args], capture_output=True, text=True, timeout=120)


def test_fi_json_matches_closed_form():
    out = run("fi", "--c-m", "200p", "--r-m", "100M", "--v-rest", "-70m", "--v-th", "-50m", "--v-reset", "-70m",
              "--t-ref", "2m", "--i", "0.1n:1n:10", "--method", "exact", "--dt", "0.1m", "--t-sim", "2", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["method"] == "exact"
    assert data["params"] == LIFParams().as_dict()
    assert data["current"] == pytest.approx(np.linspace(1e-10, 1e-9, 10))
    assert data["rate"] == pytest.approx(theory.firing_rate(LIFParams(), data["current"]), rel=1e-6)


def test_fi_comma_list_g_l_and_human_table():
    out = run("fi", "--g-l", "10n", "--i", "300p,600p")
    assert out.returncode == 0, out.stderr
    assert "rate" in out.stdout and "current" in out.stdout
    data = json.loads(run("fi", "--g-l", "10n", "--i", "300p,600p", "--json").stdout)
    assert data["rate"] == pytest.approx(theory.firing_rate(LIFParams(), [300e-12, 600e-12]).tolist())


@pytest.mark.parametrize("level", ["theory", "sim", "spice", "rtl"])
def test_fi_of_every_level_prints_the_same_json_for_the_same_neuron(level, tmp_path):
    currents = [0.1e-9, 0.3e-9, 0.6e-9]
    out = subprocess.run([sys.executable, "-m", "lifhw", "fi", "--level", level, "--i", "0.1n,0.3n,0.6n", "--json"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["level"] == level and data["params"] == LIFParams().as_dict()
    assert data["current"] == pytest.approx(currents, rel=1e-12)
    closed = theory.firing_rate(LIFParams(), currents)
    assert data["theory_rate"] == pytest.approx(closed.tolist(), rel=1e-12)
    rate = np.array(data["rate"])
    assert rate[0] == 0.0 and np.all(rate[1:] > 0)  # 0.1 nA is half the rheobase
    # Every level within 1 % of the closed form here (lif_ideal's and the RTL's acceptance), and inside the band it
    # printed as its own budget.
    np.testing.assert_allclose(rate[1:], closed[1:], rtol=0.01)
    high = [np.inf if h is None else h for h in data["budget_high"]]
    assert np.all((rate >= data["budget_low"]) & (rate <= high)) and data["within_budget"] is True
    assert data["method"] == ("exact" if level == "sim" else level)
    if level in ("sim", "rtl"):
        assert data["dt"] == 1e-4 and data["t_sim"] == 2.0


def test_rheobase_and_stability():
    data = json.loads(run("rheobase", "--r-m", "200Meg", "--json").stdout)
    assert data["rheobase"] == pytest.approx(100e-12)
    data = json.loads(run("stability", "--tau", "20m", "--h", "25m", "--json").stdout)
    assert data["amplification"] == pytest.approx(0.25) and data["stable"] is True
    data = json.loads(run("stability", "--tau", "20m", "--h", "45m", "--json").stdout)
    assert data["amplification"] == pytest.approx(1.25) and data["stable"] is False


@pytest.mark.parametrize("args, name", [
    (("fi", "--c-m", "-200p"), "c_m"),
    (("fi", "--r-m", "lots"), "r_m"),
    (("fi", "--v-th", "-80m"), "v_th"),
    (("fi", "--method", "exact", "--dt", "0"), "dt"),
    (("fi", "--method", "exact", "--dt", "-1m"), "dt"),
    (("fi", "--method", "euler", "--dt", "45m"), "dt"),
    (("fi", "--i", "1n:2n"), "i"),
    (("fi", "--level", "rtl", "--method", "exact"), "method"),
    (("fi", "--level", "sim", "--circuit", "ota"), "circuit"),
    (("fi", "--level", "spice", "--circuit", "ota", "--v-rest", "-70m"), "v_rest"),  # the OTA cannot build it
    (("fi", "--level", "spice", "--t-sim", "1e5"), "t_sim"),  # refused by its steps before ngspice runs
    (("stability", "--h", "abc"), "h"),
    (("fi", "--no-such-flag"), "--no-such-flag"),
])
def test_bad_input_exits_2_with_one_line_naming_the_parameter(args, name):
    out = run(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert name in lines[0] and "Traceback" not in out.stderr
    assert out.stdout == ""


def test_a_reader_that_goes_away_ends_the_command_quietly():
    # `lifhw fi ... --json | head -c 10`: the JSON (~800 kB) outgrows the pipe, then the reader closes it.
    proc = subprocess.Popen([sys.executable, "-m", "lifhw", "fi", "--i", "0:1n:20000", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(10) == b'{"level": '
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and err == "", err


def test_a_limit_flag_raises_the_limit_it_names():
    out = run("fi", "--i", "0:1n:200000", "--json")
    assert out.returncode == 2 and "--max-points" in out.stderr
    out = run("fi", "--i", "0:1n:200000", "--max-points", "200000", "--json")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)["rate"]) == 200000


def test_warnings_of_a_rejected_input_do_not_reach_stderr(monkeypatch, capsys):
    import warnings

    from lifhw import cli
    from lifhw.cli import core
    from lifhw.errors import ParameterError

    def warns_then_refuses(args):
        warnings.warn("overflow encountered in scalar divide", RuntimeWarning, stacklevel=1)
        raise ParameterError("c_m", args.c_m, "refused after a numpy warning")

    monkeypatch.setattr(core, "_rheobase", warns_then_refuses)
    assert cli.main(["rheobase", "--c-m", "1p"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == ["lifhw: error: c_m = 1e-12: refused after a numpy warning"]



#: Ctrl-C arriving while numpy loads, made certain: a finder that raises KeyboardInterrupt where the signal handler
#: would (at the import of numpy, the first heavy library), then the console script's entry point.
INTERRUPTED_WHILE_LOADING = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            raise KeyboardInterrupt

sys.meta_path.insert(0, CtrlC())
from lifhw.__main__ import run
sys.exit(run())
"""


def test_ctrl_c_while_the_libraries_load_is_one_line_and_exit_130():
    out = subprocess.run([sys.executable, "-c", INTERRUPTED_WHILE_LOADING, "fi", "--i", "1n"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 130
    assert out.stderr == "lifhw: interrupted: nothing was kept\n"
