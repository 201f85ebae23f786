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


#: Targets are stored as their low 16 bits, grouped by their high bits into blocks of 65536 neurons.
BLOCK_BITS = 16


@njit(cache=True)
def out_degrees(n_e, n_i, c_e, c_i, state):
    """First pass of :func:`connect`: the CSR pointers, one row per (source, block of targets).

    ``state`` is left unchanged, so :func:`connect` replays the same draws.
    """
    n = n_e + n_i
    n_blocks = ((n - 1) >> BLOCK_BITS) + 1
    local = state.copy()
    count = np.zeros(n * n_blocks + 1, np.int64)
    for tgt in range(n):
        block = tgt >> BLOCK_BITS
        for _ in range(c_e):
            count[_below(local, n_e) * n_blocks + block + 1] += 1
        for _ in range(c_i):
            count[(n_e + _below(local, n_i)) * n_blocks + block + 1] += 1
    return np.cumsum(count)


@njit(cache=True)
def connect(n_e, n_i, c_e, c_i, state):
    """Fixed in-degree connectivity as outgoing lists: ``(ptr, targets)``.

    Every target draws ``c_e`` sources uniformly from [0, n_e) and ``c_i`` from [n_e, n_e + n_i),
    with replacement (multapses and autapses allowed, as NEST's ``fixed_indegree`` by default).
    The draws are made twice, once by :func:`out_degrees` to size each list and once here to fill
    it, so the source of every synapse is never stored.

    Source ``s`` projects to ``(b << 16) + targets[ptr[s·B + b]:ptr[s·B + b + 1]]`` for each block
    ``b`` of the B = ceil(n / 65536) blocks, in ascending order. The spike loop streams
    ``targets``: 16-bit entries are half the memory traffic of 32-bit ones at any network size.
    """
    ptr = out_degrees(n_e, n_i, c_e, c_i, state)
    n = n_e + n_i
    n_blocks = ((n - 1) >> BLOCK_BITS) + 1
    targets = np.empty(ptr[-1], np.uint16)
    fill = ptr[:-1].copy()
    low = (1 << BLOCK_BITS) - 1
    for tgt in range(n):
        block = tgt >> BLOCK_BITS
        for _ in range(c_e):
            entry = _below(state, n_e) * n_blocks + block
            targets[fill[entry]] = tgt & low
            fill[entry] += 1
        for _ in range(c_i):
            entry = (n_e + _below(state, n_i)) * n_blocks + block
            targets[fill[entry]] = tgt & low
            fill[entry] += 1
    return ptr, targets


@njit(cache=True)
def run(v, ring, ptr, targets, n_e, w_e, w_i, decay, theta, v_reset, n_ref, j_ext, cdf32, guide, n_steps, state):
    """Advance the network ``n_steps`` steps; return ``(spike_step, spike_neuron)`` in time order.

    ``ring`` (zeros, shape (n_delay, n), float) is the delay line. Per step and neuron, in this
    order: the input arriving this step is taken from row ``step % n_delay``; a refractory neuron
    discards it and counts down; otherwise ``V <- V·decay + input + j_ext·k`` with ``k`` external
    Poisson spikes, and ``V >= theta`` is a spike: reset, ``n_ref`` refractory steps. Then each
    spike adds its weight (``w_e`` for sources below ``n_e``, else ``w_i``) to its targets
    (``ptr``, ``targets`` as made by :func:`connect`) in the same ring row, which is read again
    ``n_delay`` steps later.

    ``k`` is the inverse CDF of a uniform 32-bit ``u``: the number of entries of ``cdf32`` (the
    CDF scaled to 2^32, ending in a 2^32 sentinel) that are ``<= u``. ``guide[b]`` is that number
    at ``u = b·2^24``, so the search starts there and, for most ``u``, ends at once: a linear
    search from 0 would mispredict a branch at nearly every draw.
    """
    n = v.shape[0]
    n_delay = ring.shape[0]
    n_blocks = (ptr.shape[0] - 1) // n
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
            spike_step[n_spikes] = step
            spike_neuron[n_spikes] = fired[f]
            n_spikes += 1
        # One block of targets at a time (one block up to 65536 neurons); every target is in one
        # block, so each neuron's input is summed in spike order as without blocks.
        for b in range(n_blocks):
            block = row[b << BLOCK_BITS:]
            for f in range(n_fired):
                s = fired[f]
                w = w_e if s < n_e else w_i
                for k in range(ptr[s * n_blocks + b], ptr[s * n_blocks + b + 1]):
                    block[targets[k]] += w
    state[0] = counter
    return spike_step[:n_spikes].copy(), spike_neuron[:n_spikes].copy()
