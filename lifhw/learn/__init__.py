"""Surrogate-gradient training of discrete-time LIF networks in the RTL's own arithmetic (JAX, optax), and NIR.

* :mod:`.surrogate` — the Heaviside spike with fast-sigmoid / arctan surrogate derivatives (``jax.custom_jvp``)
* :mod:`.model`     — the LIF layer update (float, and quantization-aware in the RTL's integers), BPTT by
  ``lax.scan``; :class:`~.model.FloatNetwork`
* :mod:`.train`     — the count loss, Adam, evaluation
* :mod:`.encode`    — seeded rate and latency input events (numpy; the RTL gets the same)
* :mod:`.convert`   — float network → :class:`lifhw.fixed.FixedNetwork`
* :mod:`.digits`    — the scikit-learn digits task end to end (``lifhw learn digits``)
* :mod:`.nirgraph`  — NIR export and import (``lifhw nir``)

Import cost: JAX loads with this package, so the CLI imports it only inside its handlers.
"""
