"""Solution concepts behind one signature, chosen by name.

Every solver is ``solve(scenario, params, index) -> dict[str, array]``: for a batch of
``B`` parameter points (``index``: their global grid-point numbers, shape (B,), which
stochastic solvers use to key their random streams) it returns tidy columns of length
``B`` (prefixed by the concept's name): numpy arrays for numbers and flags, dictionary-encoded Arrow arrays for labels
(regimes, actions), which Parquet stores compactly and pandas reads as categoricals.
``SOLVERS`` maps config names to solvers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from sim.equilibrium import pure_nash_mask_batch_last
from sim.scenario import Scenario, leaf_payoffs_batch_last, normal_form_batch_last
from sim.tree import backward_induction_batch_last

Columns = dict[str, "np.ndarray | pa.DictionaryArray"]


def labels(codes: np.ndarray, names) -> pa.DictionaryArray:
    """Label column: ``names[codes[b]]`` per row, dictionary-encoded (all names kept)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), pa.array(list(names)))


def slug(name: str) -> str:
    """A column-safe lowercase name: 'US-aligned status quo' -> 'us_aligned_status_quo'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def solve_spe(sc: Scenario, params, index: np.ndarray | None = None) -> Columns:
    """Subgame-perfect equilibrium of the sequential variant, per parameter point.

    Columns: ``spe_regime``; ``spe_<actor>`` (action label on the path);
    ``spe_payoff_<actor>`` ($bn/yr); ``spe_tie_on_path``; ``spe_unique``.
    """
    form = sc.sequential
    res = backward_induction_batch_last(form.tree, leaf_payoffs_batch_last(sc, params))
    leaf = res.path_leaf
    out: Columns = {"spe_regime": labels(form.regime[leaf], sc.regimes)}
    for j, actor in enumerate(sc.actors):
        out[f"spe_{slug(actor.name)}"] = labels(form.outcomes[leaf, j], actor.actions)
    for j, actor in enumerate(sc.actors):
        out[f"spe_payoff_{slug(actor.name)}"] = res.root_payoffs[:, j].copy()  # a view would pin `values`
    out["spe_tie_on_path"] = res.tie_on_path
    out["spe_unique"] = ~res.tie_anywhere
    return out


def regime_sets(present: np.ndarray, regimes: tuple[str, ...]) -> pa.DictionaryArray:
    """'|'-joined names of the regimes present per row; present has shape (B, R)."""
    codes = present.astype(np.int64) @ (1 << np.arange(len(regimes)))
    names = ["|".join(r for k, r in enumerate(regimes) if c >> k & 1) for c in range(1 << len(regimes))]
    return labels(codes, names)


def solve_nash(sc: Scenario, params, index: np.ndarray | None = None) -> Columns:
    """All pure Nash equilibria of the simultaneous variant, counted by regime.

    Columns: ``nash_count`` (number of pure NE; 0 = none), ``nash_regimes`` (regimes of
    the pure NE, '|'-joined in regime order), ``nash_count_<regime>``.
    """
    form = sc.simultaneous
    mask = pure_nash_mask_batch_last(normal_form_batch_last(sc, params)).reshape(len(form.regime), -1)
    counts = np.stack([mask[form.regime == k].sum(axis=0) for k in range(len(sc.regimes))], axis=1)  # (B, R)
    out: Columns = {"nash_count": counts.sum(axis=1), "nash_regimes": regime_sets(counts > 0, sc.regimes)}
    for k, name in enumerate(sc.regimes):
        out[f"nash_count_{slug(name)}"] = counts[:, k]
    return out


SOLVERS: dict[str, Callable[..., Columns]] = {"spe": solve_spe, "nash": solve_nash}
"""The exact solvers; ``abm`` (sim.abm.solver.solve_abm) is bound to its options by the run."""
