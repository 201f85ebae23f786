"""Compiled inner loops of the event-driven network simulation (numba, cached on disk).

The random numbers come from SplitMix64 (Steele, Lea & Flood 2014; passes BigCrush), a 64-bit
counter hashed by three xor-shift-multiply rounds: it is a few instructions, so drawing one
Poisson count per neuron per step does not dominate the run, and its whole state is one integer,
so a seed fixes every spike.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_MASK32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, inline="always")
def _mix(counter):
    """SplitMix64 output function: 64 random bits from the counter value."""
    z = counter
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def _next(state):
    """Advance ``state`` (a 1-element uint64 array) and return 64 random bits."""
    state[0] += _GOLDEN
    return _mix(state[0])


@njit(cache=True, inline="always")
def _below(state, n):
    """Uniform integer in [0, n) without modulo bias (Lemire 2019, multiply and reject)."""
    n64 = np.uint64(n)
    m = (_next(state) >> np.uint64(32)) * n64
    low = m & _MASK32
    if low < n64:
        reject = (np.uint64(1) << np.uint64(32)) % n64
        while low < reject:
            m = (_next(state) >> np.uint64(32)) * n64
            low = m & _MASK32
    return np.int64(m >> np.uint64(32))


@njit(cache=True)
def uniform(state, n):
    """``n`` uniform doubles in [0, 1) (53 random bits each)."""
    out = np.empty(n)
    for k in range(n):
        out[k] = np.float64(_next(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return out


@njit(cache=True)
def out_degrees(n_e, n_i, c_e, c_i, state):
    """First pass of :func:`connect_into`: ``ptr`` (CSR row pointers by source) from the same draws.

    ``state`` is left unchanged, so the second pass replays the draws.
    """
    n = n_e + n_i
    local = state.copy()
    count = np.zeros(n + 1, np.int64)
    for _ in range(n):
        for _ in range(c_e):
            count[_below(local, n_e) + 1] += 1
        for _ in range(c_i):
            count[n_e + _below(local, n_i) + 1] += 1
    return np.cumsum(count)


@njit(cache=True)
def connect_into(n_e, n_i, c_e, c_i, state, ptr, targets):
    """Fixed in-degree connectivity as outgoing lists (CSR by source), written into ``targets``.

    Every target draws ``c_e`` sources uniformly from [0, n_e) and ``c_i`` from [n_e, n_e + n_i),
    with replacement (multapses and autapses allowed, as NEST's ``fixed_indegree`` by default).
    The draws are made twice, once by :func:`out_degrees` to size each source's list and once
    here to fill it, so the source list of all synapses is never stored. Source ``s`` projects to
    ``targets[ptr[s]:ptr[s + 1]]``, in ascending order. ``targets`` may be uint16 when there are
    at most 65536 neurons: the spike loop streams it, and half the bytes is a quarter less time.
    """
    fill = ptr[:-1].copy()
    for tgt in range(n_e + n_i):
        for _ in range(c_e):
            s = _below(state, n_e)
            targets[fill[s]] = tgt
            fill[s] += 1
        for _ in range(c_i):
            s = n_e + _below(state, n_i)
            targets[fill[s]] = tgt
            fill[s] += 1


@njit(cache=True)
def run(v, ring, ptr, targets, n_e, w_e, w_i, decay, theta, v_reset, n_ref, j_ext, cdf32, guide, n_steps, state):
    """Advance the network ``n_steps`` steps; return ``(spike_step, spike_neuron)`` in time order.

    ``ring`` (zeros, shape (n_delay, n), float) is the delay line. Per step and neuron, in this
    order: the input arriving this step is taken from row ``step % n_delay``; a refractory neuron
    discards it and counts down; otherwise ``V <- V·decay + input + j_ext·k`` with ``k`` external
    Poisson spikes, and ``V >= theta`` is a spike: reset, ``n_ref`` refractory steps. Then each
    spike adds its weight (``w_e`` for sources below ``n_e``, else ``w_i``) to its targets in the
    same ring row, which is read again ``n_delay`` steps later.

    ``k`` is the inverse CDF of a uniform 32-bit ``u``: the number of entries of ``cdf32`` (the
    CDF scaled to 2^32, ending in a 2^32 sentinel) that are ``<= u``. ``guide[b]`` is that number
    at ``u = b·2^24``, so the search starts there and, for most ``u``, ends at once: a linear
    search from 0 would mispredict a branch at nearly every draw.
    """
    n = v.shape[0]
    n_delay = ring.shape[0]
    refractory = np.zeros(n, np.int32)
    # This step's spikes go to a fixed buffer first: growing the output arrays inside the neuron
    # loop would make numba reload and reference-count them at every neuron (about 10x slower).
    fired = np.empty(n, np.int32)
    capacity = max(1024, n)
    spike_step = np.empty(capacity, np.int32)
    spike_neuron = np.empty(capacity, np.int32)
    n_spikes = 0
    # The counter lives in a register for the hot loop (an array element would be reloaded and
    # stored at every draw) and is written back at the end.
    counter = state[0]
    for step in range(n_steps):
        row = ring[step % n_delay]
        n_fired = 0
        for i in range(n):
            arriving = row[i]
            row[i] = 0.0
            if refractory[i] > 0:
                refractory[i] -= 1
                continue
            counter += _GOLDEN
            u = _mix(counter) >> np.uint64(32)
            k = guide[u >> np.uint64(24)]
            while u >= cdf32[k]:
                k += 1
            vi = v[i] * decay + arriving + j_ext * k
            if vi >= theta:
                vi = v_reset
                refractory[i] = n_ref
                fired[n_fired] = i
                n_fired += 1
            v[i] = vi
        if n_spikes + n_fired > capacity:
            capacity = max(2 * capacity, n_spikes + n_fired)
            grown = np.empty(capacity, np.int32)
            grown[:n_spikes] = spike_step[:n_spikes]
            spike_step = grown
            grown = np.empty(capacity, np.int32)
            grown[:n_spikes] = spike_neuron[:n_spikes]
            spike_neuron = grown
        for f in range(n_fired):
            s = fired[f]
            spike_step[n_spikes] = step
            spike_neuron[n_spikes] = s
            n_spikes += 1
            w = w_e if s < n_e else w_i
            for k in range(ptr[s], ptr[s + 1]):
                row[targets[k]] += w
    state[0] = counter
    return spike_step[:n_spikes].copy(), spike_neuron[:n_spikes].copy()
