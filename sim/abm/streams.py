"""Per-run random streams that do not depend on batching.

Each run (grid point ``g``, replicate ``s``) gets a 64-bit key from
``numpy.random.SeedSequence(root_seed, spawn_key=(g,)).generate_state(n_replicates)[s]``
(the first words of ``generate_state`` do not depend on how many are asked for, so a
run's key does not depend on the number of replicates either). Its uniforms are a
counter-based hash of ``(key, step, agent, draw)`` (the SplitMix64 finaliser), so a run
draws the same numbers whether it is simulated alone, in a batch of any size, in any
order or in any process.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def run_keys(root_seed: int, points: np.ndarray, n_replicates: int) -> np.ndarray:
    """Keys of every (point, replicate) run, shape (len(points) * n_replicates,), uint64.

    Runs are ordered point-major: run ``p * n_replicates + s`` is replicate ``s`` of
    ``points[p]`` (global grid-point indices).
    """
    keys = [np.random.SeedSequence(root_seed, spawn_key=(int(g),)).generate_state(n_replicates, np.uint64)
            for g in np.asarray(points)]
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def uniforms(keys: np.ndarray, step: int, agent: int, n_draws: int) -> np.ndarray:
    """Uniform [0, 1) draws for every run, shape (n_draws, n_runs), float64.

    ``step`` < 2**40, ``agent`` < 2**16, ``n_draws`` <= 256.
    """
    counter = (np.uint64(step) << np.uint64(24)) | (np.uint64(agent) << np.uint64(8))
    draws = counter + np.arange(n_draws, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = _mix(keys[None, :] ^ _mix((draws[:, None] + np.uint64(1)) * _GOLDEN))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
