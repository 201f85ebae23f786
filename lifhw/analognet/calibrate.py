"""The circuit's numbers the network model needs, measured once by ngspice and stored by the deck's content.

:func:`calibrate` renders the circuit's default neuron (:class:`lifhw.spice.deck.AnalogNeuron`), measures its
membrane node's DC I-V with :func:`lifhw.spice.characterize.characterize_dc` (the one place κ and I_b,eff are
measured) and keeps κ, I_b,eff at the rendered bias, the leak's zero, C_eff and the threshold swing.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ParameterError
from ..files import BUILD
from ..spice.characterize import characterize_dc
from ..spice.deck import AnalogNeuron
from ..spice.executor import Executor
from ..spice.pool import SpicePool
from ..spice.store import ResultStore
from .mapping import CIRCUITS, Calibration

#: Where calibrations are stored (content-addressed by the deck).
STORE_DIR = BUILD / "analognet" / "calibration"


def calibrate(circuit: str, executor: Executor | None = None, store_root: Path | str = STORE_DIR,
              run_dir: Path | str | None = None) -> Calibration:
    """The :class:`Calibration` of ``circuit``'s default neuron (computed once, then read from the store)."""
    if circuit not in CIRCUITS:
        raise ParameterError("circuit", circuit, f"must be one of {', '.join(CIRCUITS)} (a transistor neuron with a "
                             "timer)")
    neuron = AnalogNeuron(circuit)
    deck = neuron.deck(Path(run_dir) if run_dir is not None else Path(store_root) / "decks")
    store = ResultStore(store_root, {"kind": "analognet-calibration", "deck": deck.digest})
    found = store.get("calibration", Calibration)
    if found is not None:
        return found
    with SpicePool(deck, executor=executor) as pool:
        char = characterize_dc(pool, neuron.params, neuron.design, neuron.circuit.dc_below_th)
    p, d = neuron.params, neuron.design
    cal = Calibration(circuit=circuit, temp=d.temp, vdd=d.vdd, v_rest=p.v_rest, theta_v=round(p.v_th - p.v_rest, 9),
                      c_eff=char.c_eff, kappa=char.kappa, i_b=d.i_b, i_b_eff=char.i_b_eff,
                      v_zero=char.rest_point - p.v_rest)
    store.put("calibration", cal)
    return cal
