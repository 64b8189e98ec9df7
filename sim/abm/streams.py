"""Per-run random streams that do not depend on batching.

Each run (grid point ``g``, replicate ``s``) gets a 64-bit key from
``numpy.random.SeedSequence(root_seed, spawn_key=(g,)).generate_state(n_replicates)[s]``
(the first words of ``generate_state`` do not depend on how many are asked for, so a
run's key does not depend on the number of replicates either). Its uniforms are a
counter-based hash of ``(key, step, agent, draw)`` (the SplitMix64 finaliser), so a run
draws the same numbers whether it is simulated alone, in a batch of any size, in any
order or in any process.

For speed, the keys of one-word grid points are computed by a vectorised copy of
``SeedSequence``'s hash (the same words), and the draws of several agents at one step
in one pass (:func:`agents_uniforms`); the values are those of the definitions above.
"""

from __future__ import annotations

import numpy as np

_GOLDEN, _M1_INT, _M2_INT = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_M1, _M2 = np.uint64(_M1_INT), np.uint64(_M2_INT)
_MASK = (1 << 64) - 1


def run_keys(root_seed: int, points: np.ndarray, n_replicates: int) -> np.ndarray:
    """Keys of every (point, replicate) run, shape (len(points) * n_replicates,), uint64.

    Runs are ordered point-major: run ``p * n_replicates + s`` is replicate ``s`` of
    ``points[p]`` (global grid-point indices). Points below 2**32 (one entropy word) are
    hashed together by :func:`_seed_sequence_states` (the same words as numpy's
    ``SeedSequence``); others one ``SeedSequence`` at a time.
    """
    points = np.asarray(points)
    if len(points) == 0:
        return np.zeros(0, dtype=np.uint64)
    seed_words = _words(root_seed) if isinstance(root_seed, (int, np.integer)) and root_seed >= 0 else None
    if seed_words is not None and len(seed_words) <= _POOL and points.min() >= 0 and points.max() < 2**32:
        return _seed_sequence_states(seed_words, points.astype(np.uint32), n_replicates).reshape(-1)
    keys = [np.random.SeedSequence(root_seed, spawn_key=(int(g),)).generate_state(n_replicates, np.uint64)
            for g in points]
    return np.concatenate(keys)


# numpy's SeedSequence (numpy/random/bit_generator.pyx), vectorised over one-word spawn keys
_POOL = 4
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_M32 = 0xFFFFFFFF


def _words(x: int) -> list[int]:
    """A non-negative int as little-endian 32-bit words ([0] for 0), as SeedSequence does."""
    x, out = int(x), []
    while True:
        out.append(x & _M32)
        x >>= 32
        if not x:
            return out


def _hashmix(value: np.ndarray, const: list[int]) -> np.ndarray:
    """SeedSequence's hashmix on uint32 arrays; ``const`` (one int) advances in place."""
    value = value ^ np.uint32(const[0])
    const[0] = (const[0] * _MULT_A) & _M32
    value = value * np.uint32(const[0])
    return value ^ (value >> np.uint32(16))


def _mix32(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SeedSequence's mix of two uint32 arrays."""
    r = np.uint32(_MIX_L) * x - np.uint32(_MIX_R) * y
    return r ^ (r >> np.uint32(16))


def _seed_sequence_states(seed_words: list[int], spawn: np.ndarray, n_words64: int) -> np.ndarray:
    """``SeedSequence(seed, spawn_key=(g,)).generate_state(n_words64, uint64)`` for every
    one-word ``g`` in ``spawn`` (uint32, (P,)), shape (P, n_words64), uint64."""
    entropy = [np.full(len(spawn), w, dtype=np.uint32) for w in seed_words]
    entropy += [np.zeros(len(spawn), dtype=np.uint32)] * (_POOL - len(seed_words)) + [spawn]
    const = [_INIT_A]
    pool = [_hashmix(entropy[i], const) for i in range(_POOL)]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = _mix32(pool[dst], _hashmix(pool[src], const))
    for src in range(_POOL, len(entropy)):
        for dst in range(_POOL):
            pool[dst] = _mix32(pool[dst], _hashmix(entropy[src], const))
    state = np.empty((len(spawn), 2 * n_words64), dtype=np.uint32)
    const_b = _INIT_B
    for i in range(2 * n_words64):
        value = pool[i % _POOL] ^ np.uint32(const_b)
        const_b = (const_b * _MULT_B) & _M32
        value = value * np.uint32(const_b)
        state[:, i] = value ^ (value >> np.uint32(16))
    lo, hi = state[:, 0::2].astype(np.uint64), state[:, 1::2].astype(np.uint64)
    return lo | (hi << np.uint64(32))


def _mix_int(z: int) -> int:
    """The SplitMix64 finaliser ``mix`` of one 64-bit word, in Python integers (mod 2**64)."""
    z = ((z ^ (z >> 30)) * _M1_INT) & _MASK
    z = ((z ^ (z >> 27)) * _M2_INT) & _MASK
    return z ^ (z >> 31)


def _salts(step: int, agents, n_draws: int) -> np.ndarray:
    """The mixed counters of (step, agent, draw), shape (len(agents) * n_draws, 1), uint64.

    Row ``a * n_draws + d`` is ``mix((counter + d + 1) * golden)`` with ``counter =
    step << 24 | agent << 8``, computed exactly in Python integers.
    """
    words = [_mix_int((((step << 24) | (a << 8)) + d + 1) * _GOLDEN & _MASK)
             for a in agents for d in range(n_draws)]
    return np.array(words, dtype=np.uint64)[:, None]


def _mix_inplace(z: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """:func:`_mix_int` of every word of a uint64 array, in place (``tmp``: scratch, same shape)."""
    for shift, mult in ((30, _M1), (27, _M2)):
        np.right_shift(z, np.uint64(shift), out=tmp)
        z ^= tmp
        z *= mult
    np.right_shift(z, np.uint64(31), out=tmp)
    z ^= tmp
    return z


def _to_unit(z: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) float64 from uint64 words: the top 53 bits times 2**-53 (exact)."""
    z >>= np.uint64(11)
    out = z.view(np.int64).astype(np.float64)  # < 2**53: exact; int64 converts faster
    out *= 1.0 / (1 << 53)
    return out


def uniforms(keys: np.ndarray, step: int, agent: int, n_draws: int) -> np.ndarray:
    """Uniform [0, 1) draws for every run, shape (n_draws, n_runs), float64.

    ``step`` < 2**40, ``agent`` < 2**16, ``n_draws`` <= 256. Draw ``d`` is
    ``mix(key ^ mix((counter + d + 1) * golden)) >> 11`` times 2**-53, ``counter =
    step << 24 | agent << 8`` (computed in place on two uint64 buffers).
    """
    return agents_uniforms(keys, step, range(agent, agent + 1), n_draws)


def agents_uniforms(keys: np.ndarray, step: int, agents, n_draws: int = 1) -> np.ndarray:
    """:func:`uniforms` of several agents at one step at once, shape (len(agents) * n_draws,
    n_runs): row ``k * n_draws + d`` is draw ``d`` of ``agents[k]`` (the same values)."""
    z = np.bitwise_xor(keys[None, :], _salts(step, agents, n_draws))
    _mix_inplace(z, np.empty_like(z))
    return _to_unit(z)
