"""Learning: the digits acceptance run's training time, and what jit buys, as ratios measured in this run.

1. ``lifhw learn digits`` defaults (seed 0): wall time of the whole training (float epochs, quantization-aware
   epochs, compilation included), float and 8-bit accuracy — the issue asks for ≤ 3 minutes on 2 cores.
2. One training step (forward over T steps, BPTT, Adam) of a 64-sample batch: ``jax.jit``-compiled against the
   same step executed op by op (``jax.disable_jit``), on the same weights and batch.
3. The integer model ``lifhw.fixed.network_run`` on the held-out events: vectorized over samples against
   one sample at a time (neuron-updates per second).
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp

from lifhw import fixed
from lifhw.learn import digits, model, train

BUDGET_S = 180.0


def _time(fn, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        jax.block_until_ready(fn())
    return (time.perf_counter() - start) / repeat


def main() -> None:
    config = digits.DigitsConfig()
    result = digits.run(config)
    seconds = result["train_seconds"]
    print(f"digits acceptance run (hidden {config.hidden}, T = {config.train.steps}, {config.train.epochs} float + "
          f"{config.qat_epochs} quantization-aware epochs, seed {config.seed})")
    print(f"  training: {seconds:.1f} s ({'within' if seconds <= BUDGET_S else 'OVER'} the {BUDGET_S:.0f} s budget), "
          f"float accuracy {result['float_accuracy']:.4f}, 8-bit fixed {result['fixed_accuracy']:.4f}")

    split = digits.load(0)
    sizes = [64, *config.hidden, 10]
    specs = tuple(model.float_spec(config.neuron()) for _ in sizes[1:])
    weights = train.init_weights(jax.random.PRNGKey(0), sizes)
    optimizer = train.optimizer_for(config.train, 22)
    params = (weights, None)
    state = optimizer.init(params)
    step = train.make_train_step(specs, config.train, optimizer)
    x = jnp.asarray(split.x_train[:64], jnp.float32)
    y = jnp.asarray(split.y_train[:64], jnp.int32)
    key = jax.random.PRNGKey(1)
    jitted = jax.jit(step)
    start = time.perf_counter()
    jax.block_until_ready(jitted(params, state, x, y, key))
    compile_s = time.perf_counter() - start
    t_jit = _time(lambda: jitted(params, state, x, y, key), 20)
    with jax.disable_jit():
        t_eager = _time(lambda: step(params, state, x, y, key), 2)
    print(f"one training step, batch 64, T = {config.train.steps}: jit {t_jit * 1e3:.2f} ms "
          f"(compiled once in {compile_s:.1f} s), op by op {t_eager * 1e3:.0f} ms; ratio {t_eager / t_jit:.0f}x")

    net = result["fixed_net"]
    events = digits.test_events(split, config)
    updates = events.shape[0] * events.shape[1] * sum(layer.n_out for layer in net.layers)
    start = time.perf_counter()
    fixed.network_run(net, events)
    t_batch = time.perf_counter() - start
    sample = 20
    start = time.perf_counter()
    for i in range(sample):
        fixed.network_run(net, events[i])
    t_single = (time.perf_counter() - start) / sample * events.shape[0]
    print(f"integer model on {events.shape[0]} held-out samples: batched {updates / t_batch:.3g} neuron-updates/s, "
          f"one sample at a time {updates / t_single:.3g}/s (measured on {sample}); ratio {t_single / t_batch:.1f}x")


if __name__ == "__main__":
    main()
