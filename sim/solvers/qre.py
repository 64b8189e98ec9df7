"""Logit quantal response equilibrium: the sequential game's agent QRE at rationality λ
(and, optionally, the simultaneous game's logit QRE), and its path over λ at the
baseline, from the kernels in :mod:`sim.engine.qre`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from sim.engine.qre import logit_qre_normal_form_batch_last, regime_probabilities_normal_form
from sim.engine.qre_tree import agent_qre_tree_batch_last, regime_probabilities_tree
from sim.engine.params import ConfigError, check_number, show
from sim.engine.scenario import Scenario, leaf_payoffs_batch_last, normal_form_batch_last
from sim.solvers.spec import Column, SolverSpec
from sim.store import rundir
from sim.store.columns import Columns, labels, slug
from sim.store.table import write_parquet

LAM_MAX = 1e6  #: largest λ, 1/($bn/yr): beyond it the logit is an exact best reply in double precision


@dataclass(frozen=True)
class QreOptions:
    """Logit QRE (config block ``qre``): rationality ``lam`` (1/($bn/yr), in
    [0, :data:`LAM_MAX`]; 0 = uniform play) and whether to also trace the simultaneous
    game's QRE (``normal_form``, about 1 ms a grid point). Checked when built."""

    lam: float = field(default=1.0, metadata={
        "allowed": "`[0, 10^6]`, in 1/($bn/yr)",
        "doc": "rationality λ: 0 is uniform play, large λ approaches best replies (above 1e6 the logit is an exact "
               "best reply in double precision, and near 1e306 λ·payoff overflows)"})
    normal_form: bool = field(default=False, metadata={
        "allowed": "`true`, `false`",
        "doc": "also trace the simultaneous game's QRE by continuation (about 1 ms a grid point)"})

    def __post_init__(self):
        object.__setattr__(self, "lam", check_number(
            "qre.lam", self.lam, 0, LAM_MAX, " 1/($bn/yr) (beyond it the logit is an exact best reply in "
            "double precision; use solvers=[spe] for that)"))
        if not isinstance(self.normal_form, bool):
            raise ConfigError(f"qre.normal_form={show(self.normal_form)} must be true or false")


def solve_qre(sc: Scenario, params, index: np.ndarray | None = None, lam: float = 1.0,
              normal_form: bool = False) -> Columns:
    """Logit QRE per parameter point (bind ``lam``, ``normal_form`` with functools.partial).

    Columns: ``qre_prob_<regime>`` (probability of each regime under the sequential
    variant's agent QRE), ``qre_modal_regime`` (its most likely regime); with
    ``normal_form`` also ``qre_nf_prob_<regime>`` (under the simultaneous variant's logit
    QRE, traced from λ = 0; about 1 ms a point) and ``qre_nf_converged``. ``lam`` is in
    1/(payoff unit), 1/($bn/yr) here.
    """
    n_reg = len(sc.regimes)
    seq = sc.sequential
    tree_res = agent_qre_tree_batch_last(seq.tree, leaf_payoffs_batch_last(sc, params), lam)
    p_seq = regime_probabilities_tree(tree_res.leaf_reach, seq.regime, n_reg)
    out: Columns = {}
    for k, name in enumerate(sc.regimes):
        out[f"qre_prob_{slug(name)}"] = np.ascontiguousarray(p_seq[:, k])
    out["qre_modal_regime"] = labels(p_seq.argmax(axis=1), sc.regimes)
    if not normal_form:
        return out
    nf = logit_qre_normal_form_batch_last(normal_form_batch_last(sc, params), lam)
    p_nf = regime_probabilities_normal_form(nf.strategies, sc.simultaneous.regime, n_reg)
    for k, name in enumerate(sc.regimes):
        out[f"qre_nf_prob_{slug(name)}"] = np.ascontiguousarray(p_nf[:, k])
    out["qre_nf_converged"] = nf.converged
    return out


LAMBDA_PATH = np.concatenate([[0.0], np.geomspace(0.01, 100.0, 81)])  #: λ grid of the path, 1/($bn/yr)


def lambda_path(sc: Scenario, params, lams: np.ndarray = LAMBDA_PATH) -> dict[str, np.ndarray]:
    """The sequential agent QRE at one parameter point traced over λ.

    From uniform play (λ = 0) towards the subgame-perfect equilibrium (λ → ∞): for each
    λ in ``lams`` (shape (L,)), the probability of each regime.

    Returns
    -------
    dict of columns of length L: ``lam`` and ``prob_<regime slug>``.
    """
    lams = np.asarray(lams, dtype=float)
    form = sc.sequential
    lp = np.repeat(leaf_payoffs_batch_last(sc, params)[..., :1], len(lams), axis=-1)  # (n_leaves, N, L)
    res = agent_qre_tree_batch_last(form.tree, lp, lams)
    probs = regime_probabilities_tree(res.leaf_reach, form.regime, len(sc.regimes))
    out = {"lam": lams}
    for k, name in enumerate(sc.regimes):
        out[f"prob_{slug(name)}"] = np.ascontiguousarray(probs[:, k])
    return out


def write_path(sc: Scenario, params, options: QreOptions, directory: Path) -> None:
    """``qre_path.parquet``: the QRE at the baseline traced from λ = 0 towards the SPE."""
    meta = json.dumps({"lam": options.lam, "regimes": list(sc.regimes)})
    write_parquet(pa.table(lambda_path(sc, params)), directory / rundir.QRE_PATH, {b"sim": meta.encode()})


SPEC = SolverSpec(
    name="qre",
    title="Logit QRE (sequential): most likely outcome",
    short_title="Logit QRE",
    band_label="Logit QRE",
    caption="the logit quantal response equilibrium of the sequential game",
    solve=lambda sc, params, index, options, runs_sink: solve_qre(sc, params, index, options.lam, options.normal_form),
    columns=(
        Column("qre_prob_{regime}", "float64", "probability of the regime under the sequential game's agent QRE"),
        Column("qre_modal_regime", "label", "the most likely regime"),
        Column("qre_nf_prob_{regime}", "float64", "with qre.normal_form: under the simultaneous game's logit QRE"),
        Column("qre_nf_converged", "bool", "with qre.normal_form: the simultaneous QRE's path converged"),
    ),
    options=QreOptions,
    regime_column="qre_modal_regime",
    prob_prefix="qre_prob_",
    extras=write_path,
    note=lambda o: f"QRE rationality λ = {o.lam:g} per $bn/yr.",
)
