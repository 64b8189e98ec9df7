"""The two-level game (issue 15): Iraq's move is a probabilistic Condorcet election among
its parliamentary blocs and prime minister; Russia and Iran best-respond (or quantal-
respond) to it, and the US moves after Iraq as in the subgame-perfect equilibrium
(kernel :mod:`sim.bargain.two_level`; docs/model.md §8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from sim.bargain.two_level import TwoLevel, member_utilities, solve_two_level
from sim.engine.params import ConfigError, batch_size, check_number, replace_values, show, take_points
from sim.engine.scenario import Scenario
from sim.solvers.spec import Column, SolverSpec
from sim.store import rundir
from sim.store.columns import Columns, labels, slug
from sim.store.table import write_parquet

VICTORY = ("linear", "square", "quartic", "octic")
MODELS = ("conditional", "markov_uniform")
RESPONSES = ("best", "quantal")
BLOCK = 2048  #: games solved at once: (n_nodes x (N + C) x BLOCK) floats, about 100 MB for Model 2


@dataclass(frozen=True)
class TwoLevelOptions:
    """The two-level concept (config block ``twolevel``)."""

    victory: str = field(default="linear", metadata={
        "allowed": "`linear`, `square`, `quartic`, `octic`",
        "doc": "PCE victory function: a coalition's strength raised to 1, 2, 4 or 8 (octic approaches majority rule)"})
    model: str = field(default="conditional", metadata={
        "allowed": "`conditional`, `markov_uniform`",
        "doc": "PCE model: conditional (p_i ∝ Π_j p(i,j)) or the uniform Markov chain's fixed point"})
    response: str = field(default="best", metadata={
        "allowed": "`best`, `quantal`",
        "doc": "how Russia and Iran answer the distribution of Iraq's move: best reply, or logit at rationality lam"})
    lam: float = field(default=1.0, metadata={
        "allowed": "`[0, 10^6]`, in 1/($bn/yr)",
        "doc": "with response=quantal: Russia's and Iran's logit rationality"})

    def __post_init__(self):
        for key, allowed in (("victory", VICTORY), ("model", MODELS), ("response", RESPONSES)):
            value = getattr(self, key)
            if value not in allowed:
                raise ConfigError(f"twolevel.{key}={show(value)} is unknown; allowed: {', '.join(allowed)}")
        object.__setattr__(self, "lam", check_number("twolevel.lam", self.lam, 0, 1e6, " 1/($bn/yr)"))


def solve_twolevel(sc: Scenario, params, options: TwoLevelOptions | None = None) -> Columns:
    """The two-level game per parameter point, in blocks of :data:`BLOCK` games.

    Columns: ``twolevel_prob_<regime>``, ``twolevel_modal_regime``; ``twolevel_p_<option>``
    (probability of each of Iraq's options on the path), ``twolevel_p_exit``;
    ``twolevel_russia``, ``twolevel_iran`` (their most likely action);
    ``twolevel_payoff_<actor>`` (expected, $bn/yr); ``twolevel_vote_principle`` and
    ``twolevel_vote_consequence`` (expected share of present seats for the resolution),
    ``twolevel_resolution_passes`` (probability that the vote on the principle passes);
    ``twolevel_tie_on_path`` (a best reply on a reachable node was tied).
    """
    options = options or TwoLevelOptions()
    sc.domestic.check(params)
    n = batch_size(params)
    parts = [_block(sc, take_points(params, slice(s, s + BLOCK)) if n > BLOCK else params, options)
             for s in range(0, n, BLOCK)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if len(parts) > 1 else parts[0]


def _block(sc: Scenario, params, options: TwoLevelOptions) -> dict[str, np.ndarray]:
    lam = options.lam if options.response == "quantal" else None
    res = solve_two_level(sc, params, lam=lam, victory=options.victory, model=options.model)
    return columns_of(sc, res)


def columns_of(sc: Scenario, res: TwoLevel) -> dict[str, np.ndarray]:
    """The concept's columns (numpy; labels as codes under ``<name>@codes``) from a result."""
    form = sc.sequential
    tree = form.tree
    leaf_p = res.leaf_probabilities(tree)  # (n_leaves, B)
    regime_p = np.stack([leaf_p[form.regime == k].sum(axis=0) for k in range(len(sc.regimes))], axis=1)
    out: dict[str, np.ndarray] = {}
    for k, name in enumerate(sc.regimes):
        out[f"twolevel_prob_{slug(name)}"] = regime_p[:, k]
    out["twolevel_modal_regime@codes"] = regime_p.argmax(axis=1)
    dom = sc.players.index(sc.domestic.actor)
    option_p = actor_action_probabilities(sc, res, dom)
    for j, label in enumerate(sc.actors[dom].actions):
        out[f"twolevel_p_{slug(label)}"] = option_p[:, j]
    out["twolevel_p_exit"] = option_p[:, [sc.domestic.motion(a) for a in sc.actors[dom].actions]].sum(axis=1)
    for name in ("Russia", "Iran"):
        out[f"twolevel_{slug(name)}@codes"] = actor_action_probabilities(sc, res, sc.players.index(name)).argmax(axis=1)
    for j, actor in enumerate(sc.actors):
        out[f"twolevel_payoff_{slug(actor.name)}"] = res.values[0, j].copy()
    dom_nodes = np.flatnonzero(tree.node_player == dom)
    reach = res.reach[dom_nodes]  # (m, B)
    # NaN where no member with seats is present (no vote to count)
    out["twolevel_vote_principle"] = (reach * res.vote_principle[dom_nodes]).sum(axis=0)
    out["twolevel_vote_consequence"] = (reach * res.vote_consequence[dom_nodes]).sum(axis=0)
    passes = (reach * (res.vote_principle[dom_nodes] > 0.5)).sum(axis=0)
    out["twolevel_resolution_passes"] = np.where(np.isnan(out["twolevel_vote_principle"]), np.nan, passes)
    out["twolevel_tie_on_path"] = (res.tie & (res.reach > 0)).any(axis=0)
    return out


def actor_action_probabilities(sc: Scenario, res: TwoLevel, actor: int) -> np.ndarray:
    """Probability that ``actor`` plays each of its actions on the path, shape (B, n_actions)."""
    tree = sc.sequential.tree
    names = sc.actors[actor].actions
    out = np.zeros((res.reach.shape[1], len(names)))
    for v in np.flatnonzero(tree.node_player == actor):
        for j, label in enumerate(tree.actions[v]):
            out[:, names.index(label)] += res.reach[v] * res.sigma[v, j]
    return out


def parliament_tables(sc: Scenario, params, options: TwoLevelOptions) -> tuple[pa.Table, pa.Table]:
    """The two-level game at one point for the calibrated and the counterfactual parliament
    (``sc.domestic.counterfactual``): a row per member (seats, alignment, clout, votes, its
    best option at the domestic node most likely reached) and a row per option and regime
    (probability)."""
    spec = sc.domestic
    lam = options.lam if options.response == "quantal" else None
    members, outcomes = [], []
    for label, point in zip(spec.labels, (params, replace_values(params, dict(spec.counterfactual)))):
        res = solve_two_level(sc, point, lam=lam, victory=options.victory, model=options.model)
        members += _member_rows(sc, point, res, label)
        cols = columns_of(sc, res)
        dom = sc.actors[sc.players.index(spec.actor)]
        outcomes += [(label, "option", a, float(cols[f"twolevel_p_{slug(a)}"][0])) for a in dom.actions]
        outcomes += [(label, "regime", r, float(cols[f"twolevel_prob_{slug(r)}"][0])) for r in sc.regimes]
    names = ("parliament", "member", "alignment", "seats", "present_seats", "clout", "vote_principle",
             "vote_consequence", "best_option")
    member_table = pa.table({n: [row[i] for row in members] for i, n in enumerate(names)})
    outcome_table = pa.table({n: [row[i] for row in outcomes] for i, n in enumerate(("parliament", "kind", "name",
                                                                                     "probability"))})
    return member_table, outcome_table


def _member_rows(sc: Scenario, params, res: TwoLevel, label: str) -> list[tuple]:
    """A row per member at the domestic node most likely reached (one point)."""
    spec, tree = sc.domestic, sc.sequential.tree
    dom = sc.players.index(spec.actor)
    nodes = np.flatnonzero(tree.node_player == dom)
    node = int(nodes[np.argmax(res.reach[nodes, 0])])
    util = member_utilities(res, node)[:, : len(tree.actions[node])]  # (K, k): the node's own options
    seats, present = spec.seats(params)[0], spec.present(params)[0] * spec.seats(params)[0]
    clout = spec.clout(params)[0]
    options = tree.actions[node]
    yes = np.array([spec.motion(a) for a in options])
    gain = res.principle_gain[int(np.flatnonzero(res.domestic_nodes == node)[0]), 0]  # (K,)
    rows = []
    for k, member in enumerate(spec.members):
        align = "+".join(a for a, x in zip(spec.alignments, spec.member_alignment[k]) if x > 0)
        principle = "absent" if present[k] <= 0 else ("yes" if gain[k] > 0 else "no")
        consequence = "absent" if present[k] <= 0 else ("yes" if util[k, yes].max() > util[k, ~yes].max() else "no")
        rows.append((label, member, align, float(seats[k]), float(present[k]), float(clout[k]), principle,
                     consequence, options[int(np.argmax(util[k]))]))
    return rows


def write_parliament(sc: Scenario, params, options: TwoLevelOptions, directory: Path) -> None:
    """``parliament.parquet`` and ``parliament_outcomes.parquet`` at the run's baseline."""
    members, outcomes = parliament_tables(sc, params, options)
    write_parquet(members, directory / rundir.PARLIAMENT)
    write_parquet(outcomes, directory / rundir.PARLIAMENT_OUTCOMES)


def _solve(sc, params, index, options, runs_sink) -> Columns:
    raw = solve_twolevel(sc, params, options)
    out: Columns = {}
    for key, value in raw.items():
        if key == "twolevel_modal_regime@codes":
            out["twolevel_modal_regime"] = labels(value, sc.regimes)
        elif key.endswith("@codes"):
            name = key[: -len("@codes")]
            actor = next(a for a in sc.actors if f"twolevel_{slug(a.name)}" == name)
            out[name] = labels(value, actor.actions)
        else:
            out[key] = np.ascontiguousarray(value)
    return out


SPEC = SolverSpec(
    name="twolevel",
    title="Two-level game: Iraq's blocs bargain (PCE)",
    short_title="Two-level game",
    band_label="Two-level\n(PCE)",
    caption="the two-level game, Iraq's move a probabilistic Condorcet election among its parliament's blocs "
            "and prime minister",
    solve=_solve,
    columns=(
        Column("twolevel_prob_{regime}", "float64", "probability of the regime"),
        Column("twolevel_modal_regime", "label", "the most likely regime"),
        Column("twolevel_p_{option}", "float64", "probability of each of the domestic actor's options on the path"),
        Column("twolevel_p_exit", "float64", "probability that Iraq demands that US troops leave"),
        Column("twolevel_russia", "label", "Russia's most likely action"),
        Column("twolevel_iran", "label", "Iran's most likely action"),
        Column("twolevel_payoff_{actor}", "float64", "the actor's expected payoff ($bn/yr)"),
        Column("twolevel_vote_principle", "float64",
               "share of present seats voting for the exit resolution on its principle (all else unchanged)"),
        Column("twolevel_vote_consequence", "float64",
               "share of present seats voting for it on its consequences (what follows in equilibrium)"),
        Column("twolevel_resolution_passes", "float64", "probability that the resolution on the principle passes "
               "(NaN, like the votes, when no member with seats is present)"),
        Column("twolevel_tie_on_path", "bool", "a best reply on a reachable node was tied"),
    ),
    options=TwoLevelOptions,
    regime_column="twolevel_modal_regime",
    prob_prefix="twolevel_prob_",
    requires_domestic=True,
    extras=write_parliament,
    figure_columns=("twolevel_p_exit", "twolevel_resolution_passes", "twolevel_vote_consequence"),
    note=lambda o: f"Iraq's move: PCE ({o.victory} victory, {o.model.replace('_', ' ')} model); Russia and Iran: "
                   + ("best reply." if o.response == "best" else f"logit reply at λ = {o.lam:g} per $bn/yr."),
)
