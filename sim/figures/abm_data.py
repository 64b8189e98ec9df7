"""The data of the agent-based figures, read from a run's tables: nothing here draws.

From ``equilibria.parquet`` (the ``abm_*`` columns of :mod:`sim.abm.solver` beside the
exact solver's ``nash_*`` ones): the modal agent-based regime of every grid point and
the share of runs that chose it (:func:`modal_selection`, :func:`selection_grid`), where
learning and the exact pure Nash equilibria disagree (:func:`disagreement`,
:func:`nash_share`), and the colours of the selection map (:func:`selection_colours`).
From ``trajectory.parquet`` (:mod:`sim.abm.trajectory`): its metadata
(:func:`trajectory_meta`) and the action shares over time (:func:`action_shares`).
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
from matplotlib.colors import to_rgb

from sim.figures import axes as FA
from sim.figures.abm_words import exact_words
from sim.figures.style import NO_NE, regime_colours
from sim.store.columns import slug
from sim.store.table import ResultsError, TableMeta

MODAL = "abm_modal_regime"
SETTLED = "abm_settled_share"
FREQ_PREFIX = "abm_freq_"
#: Colour strength of a cell whose modal regime is chosen by only 1/len(regimes) of runs
#: (1 = full regime colour, 0 = white); strength grows linearly to 1 at unanimity.
MIN_STRENGTH = 0.18


# ----------------------------------------------------------------------------- equilibria table


def has_abm(table: pa.Table) -> bool:
    """Whether ``table`` holds agent-based results (an ``abm_modal_regime`` column)."""
    return MODAL in table.column_names


def selection_frequencies(table: pa.Table, meta: TableMeta) -> np.ndarray:
    """Share of runs selecting each regime, per row: shape (n_rows, len(meta.regimes)).

    Raises
    ------
    ResultsError
        If an ``abm_freq_<regime slug>`` column is missing.
    """
    cols = [np.asarray(FA.table_column(table, FREQ_PREFIX + slug(r)), dtype=float) for r in meta.regimes]
    return np.stack(cols, axis=1) if cols else np.zeros((table.num_rows, 0))


def modal_selection(table: pa.Table, meta: TableMeta) -> tuple[np.ndarray, np.ndarray]:
    """Modal agent-based regime of every row and the share of runs that selected it.

    Returns
    -------
    codes : ndarray of int, shape (n_rows,)
        Index of ``abm_modal_regime`` in ``meta.regimes``.
    freq : ndarray of float, shape (n_rows,)
        ``abm_freq_<modal regime>`` of the row.
    """
    codes = FA.regime_codes(table, meta, MODAL)
    if np.any(codes == NO_NE):
        raise ResultsError(f"column '{MODAL}' has empty cells")
    freq = selection_frequencies(table, meta)[np.arange(table.num_rows), codes]
    return codes, freq


def exact_concept(meta: TableMeta) -> str:
    """The exact concept adaptive play is compared with: ``nash`` (simultaneous game) or
    ``spe`` (the agents played the sequential game, ``meta.abm["game"]``)."""
    return exact_words(meta.abm)["concept"]


def has_exact(table: pa.Table, meta: TableMeta) -> bool:
    """Whether the table has the regime column of :func:`exact_concept`."""
    return exact_words(meta.abm)["column"] in table.column_names


def nash_membership(table: pa.Table, meta: TableMeta) -> np.ndarray:
    """Bool (n_rows, len(meta.regimes)): regime ``k`` is among the row's exact regimes (its
    pure-NE regimes; in the sequential game, its SPE regime)."""
    column = exact_words(meta.abm)["column"]
    values = FA.table_column(table, column).astype(str)
    index = {r: k for k, r in enumerate(meta.regimes)}
    uniq, inverse = np.unique(values, return_inverse=True)
    lut = np.zeros((len(uniq), len(meta.regimes)), dtype=bool)
    for j, cell in enumerate(uniq):
        for name in filter(None, cell.split("|")):
            if name not in index:
                raise ResultsError(f"column '{column}' names regime {name!r}, not one of {list(meta.regimes)}")
            lut[j, index[name]] = True
    return lut[inverse.reshape(-1)]


def disagreement(table: pa.Table, meta: TableMeta) -> np.ndarray:
    """Bool per row: the modal agent-based regime is not among the exact pure-NE regimes.

    Rows without a pure NE (``nash_regimes == ''``) always disagree.
    """
    codes, _ = modal_selection(table, meta)
    return ~nash_membership(table, meta)[np.arange(table.num_rows), codes]


def nash_share(table: pa.Table, meta: TableMeta) -> np.ndarray:
    """Per row, the share of runs whose selected regime is an exact pure-NE regime (NaN: no NE)."""
    member = nash_membership(table, meta)
    share = np.where(member, selection_frequencies(table, meta), 0.0).sum(axis=1)
    return np.where(member.any(axis=1), share, np.nan)


def _grid2(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Per-row values of a 2-axis table as an image: rows = 2nd axis, columns = 1st."""
    return np.asarray(values).reshape(shape).T


def selection_grid(table: pa.Table, meta: TableMeta) -> tuple[np.ndarray, np.ndarray]:
    """The modal agent-based regime of a 2-axis table, and its share of runs, as images.

    Returns
    -------
    codes, freq : ndarray, shape (n_y, n_x)
        ``codes[j, i]`` is the index in ``meta.regimes`` of ``abm_modal_regime`` at
        ``x = axis0[i]``, ``y = axis1[j]`` (same layout as :func:`sim.figures.axes.regime_grid`);
        ``freq[j, i]`` the share of runs that selected it.
    """
    shape = FA.check_rows(table, meta)
    if len(shape) != 2:
        raise ValueError(f"selection_grid needs a 2-axis table, this one has {len(shape)} axes")
    codes, freq = modal_selection(table, meta)
    return _grid2(codes, shape), _grid2(freq, shape)


def disagreement_grid(table: pa.Table, meta: TableMeta) -> np.ndarray:
    """:func:`disagreement` of a 2-axis table as a bool image of shape (n_y, n_x)."""
    shape = FA.check_rows(table, meta)
    if len(shape) != 2:
        raise ValueError(f"disagreement_grid needs a 2-axis table, this one has {len(shape)} axes")
    return _grid2(disagreement(table, meta), shape)


def strength(freq: np.ndarray, n_regimes: int) -> np.ndarray:
    """Colour strength in [MIN_STRENGTH, 1] of a modal share ``freq`` in [1/n, 1]."""
    lo = 1.0 / max(n_regimes, 1)
    t = np.clip((np.asarray(freq, dtype=float) - lo) / (1.0 - lo), 0.0, 1.0) if lo < 1 else np.ones_like(freq)
    return MIN_STRENGTH + (1.0 - MIN_STRENGTH) * t


def selection_colours(codes: np.ndarray, freq: np.ndarray, meta: TableMeta) -> np.ndarray:
    """RGB colours (``codes.shape + (3,)``): the regime colour mixed with white by :func:`strength`."""
    base = np.array([to_rgb(c) for c in regime_colours(meta.regimes).values()])
    s = strength(freq, len(meta.regimes))[..., None]
    return 1.0 - s * (1.0 - base[np.asarray(codes)])


# ----------------------------------------------------------------------------- trajectory tables


def trajectory_meta(table: pa.Table) -> dict:
    """The ``sim`` schema metadata of a trajectory table (rule, replicates, pure_nash, ...)."""
    raw = (table.schema.metadata or {}).get(b"sim")
    if raw is None:
        raise ResultsError("trajectory table has no 'sim' metadata; not written by sim")
    try:
        meta = json.loads(raw)
        meta["players"], meta["pure_nash"] = list(meta["players"]), [list(e) for e in meta["pure_nash"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultsError(f"malformed trajectory metadata ({exc})") from None
    return meta


def action_shares(table: pa.Table) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """``{actor: {action: (steps, shares)}}`` in metadata player order, actions in table order."""
    for c in ("step", "actor", "action", "share"):
        if c not in table.column_names:
            raise ResultsError(f"trajectory table has no column '{c}'")
    players = trajectory_meta(table)["players"]
    step = np.asarray(table.column("step").to_numpy(zero_copy_only=False), dtype=np.int64)
    actor = np.asarray(table.column("actor").to_pylist(), dtype=object)
    action = np.asarray(table.column("action").to_pylist(), dtype=object)
    share = np.asarray(table.column("share").to_numpy(zero_copy_only=False), dtype=float)
    out: dict = {}
    for name in [*players, *(a for a in dict.fromkeys(actor.tolist()) if a not in players)]:
        rows = actor == name
        if not rows.any():
            continue
        out[name] = {}
        for act in dict.fromkeys(action[rows].tolist()):
            sel = rows & (action == act)
            order = np.argsort(step[sel], kind="stable")
            out[name][act] = (step[sel][order], share[sel][order])
    return out



def stats_series(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, share_at_nash)`` of ``trajectory_stats.parquet``, both float of shape (n_steps,)."""
    for c in ("step", "share_at_nash"):
        if c not in table.column_names:
            raise ResultsError(f"trajectory stats table has no column '{c}'")
    return tuple(np.asarray(table.column(c).to_numpy(zero_copy_only=False), dtype=float)
                 for c in ("step", "share_at_nash"))
