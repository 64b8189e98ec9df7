"""The answer of one solution concept at one point: :class:`Result`.

``point.solve(concept)`` solves a one-point grid through the same config validation and
solver code as a run (:mod:`sim.api.build`), so ``result.row`` is the row a run's
``equilibria.parquet`` would hold for that point. What a result gives depends on what the
concept determines (:class:`Result`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.api.build import TOP_OPTIONS, run_config, solve_config
from sim.api.labels import column_labels
from sim.api.show import html_block, text_block
from sim.engine.equilibrium import pure_nash_mask_batch_last
from sim.engine.params import ConfigError, get_value, iter_params
from sim.engine.scenario import Scenario as Model, normal_form_batch_last
from sim.figures.style import action_name
from sim.solvers.registry import get_solver
from sim.solvers.spec import SolverSpec
from sim.store.columns import slug


def split_options(concept: str, options: Mapping[str, Any]) -> dict:
    """``options`` of :meth:`Point.solve` as config blocks: the concept's own keys go in its
    block, :data:`sim.api.build.TOP_OPTIONS` stay at the top."""
    spec = get_solver(concept)
    own = {k: v for k, v in options.items() if k not in TOP_OPTIONS}
    blocks = {k: v for k, v in options.items() if k in TOP_OPTIONS}
    if own and spec.options is None:
        raise ConfigError(f"{concept} takes no options (got {', '.join(own)}); "
                          f"options apply to every concept only as {', '.join(TOP_OPTIONS)}")
    if own:
        blocks[concept] = own
    return blocks


def solve_point(point, concept: str, options: Mapping[str, Any]) -> Result:
    """Solve ``point`` (a :class:`sim.api.scenario.Point`) with ``concept`` and its options."""
    blocks = split_options(concept, options)
    first = next(iter(iter_params(point.scenario.model.params_cls))).name
    value = float(get_value(point.params, first))
    axes = {"x": {"param": first, "space": "list", "values": [value]}}
    cfg = run_config(point.scenario.name, point.changes, axes, [concept], blocks)
    frame, runs = solve_config(cfg)
    row = frame.iloc[0].drop(first)
    row.name = concept
    return Result(concept, point, row, runs)


def nash_profiles(model: Model, params) -> pd.DataFrame:
    """Every pure Nash equilibrium of the simultaneous game at ``params`` (one point): a
    row each, in C order of the profiles, with its regime, each actor's action in words
    and each actor's payoff ($bn/yr)."""
    payoffs = normal_form_batch_last(model, params)  # (N, n_1, ..., n_N, 1)
    mask = pure_nash_mask_batch_last(payoffs)[..., 0]
    rows = []
    for profile in np.argwhere(mask):
        flat = int(np.ravel_multi_index(tuple(profile), mask.shape))
        row = {"regime": model.regimes[int(model.simultaneous.regime[flat])]}
        for i, actor in enumerate(model.actors):
            row[actor.name] = action_name(model, actor.name, actor.actions[profile[i]])
        for i, actor in enumerate(model.actors):
            row[f"{actor.name} payoff ($bn/yr)"] = float(payoffs[(i, *profile, 0)])
        rows.append(row)
    columns = ["regime", *(a.name for a in model.actors), *(f"{a.name} payoff ($bn/yr)" for a in model.actors)]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True, repr=False)
class Result:
    """One concept's answer at one point. What each concept gives (else None):

    - ``spe``: ``regime`` on the path, ``path`` and ``payoffs`` of every actor;
    - ``nash``: ``regime`` (the pure equilibria's, '|'-joined), ``equilibria`` (a row
      each), and ``path``/``payoffs`` when there is exactly one;
    - ``bayes``, ``qre``: the modal ``regime`` and ``probabilities`` of every regime (over
      the US's type; under the logit QRE);
    - ``abm``: the modal ``regime``, ``probabilities`` (share of runs) and ``runs``;
    - ``twolevel``: the modal ``regime``, ``probabilities``, the most likely actions of
      the actors it reports (``path``) and expected ``payoffs``.

    Actions are in words (the scenario's ``action_names``), payoffs in $bn/yr.

    Attributes
    ----------
    concept : str
        The solution concept's name (``spe``, ``nash``, ...).
    point : Point
        The point solved.
    row : pandas.Series
        Every column the concept gives at the point, by column name, as a run's table holds them.
    runs : pandas.DataFrame or None
        The agent-based model's table of runs (a row per run), for ``abm``.
    """

    concept: str
    point: Any
    row: pd.Series = field(compare=False)
    runs: pd.DataFrame | None = field(default=None, compare=False)

    @property
    def spec(self) -> SolverSpec:
        """The concept's registry entry (:class:`sim.solvers.spec.SolverSpec`)."""
        return get_solver(self.concept)

    @property
    def _model(self) -> Model:
        return self.point.scenario.model

    @property
    def regime(self) -> str | None:
        """The regime: on the path (spe), the most likely one (bayes, qre, abm, twolevel),
        or the pure equilibria's regimes '|'-joined in regime order (nash; "" if none)."""
        for col in (self.spec.regime_column, f"{self.concept}_modal_regime"):
            if col and col in self.row.index:
                return str(self.row[col])
        return None

    @property
    def probabilities(self) -> pd.Series | None:
        """Probability of each regime (index: regimes), for the concepts that give one."""
        shares = (c.name.replace("{regime}", "") for c in self.spec.columns
                  if "{regime}" in c.name and c.dtype == "float64")
        prefix = self.spec.prob_prefix or next(shares, None)
        if prefix is None:
            return None
        values = [float(self.row[f"{prefix}{slug(r)}"]) for r in self._model.regimes]
        return pd.Series(values, index=pd.Index(self._model.regimes, name="regime"), name="probability")

    @property
    def equilibria(self) -> pd.DataFrame | None:
        """nash: every pure Nash equilibrium (regime, actions, payoffs), a row each; else None."""
        return nash_profiles(self._model, self.point.params) if self.concept == "nash" else None

    @property
    def path(self) -> pd.Series | None:
        """Each actor's action on the equilibrium path, in words (index: actors): spe's path;
        nash's if there is exactly one pure equilibrium; twolevel's most likely actions
        (of the actors it reports); None for a concept that gives no path."""
        if self.concept == "nash":
            eq = self.equilibria
            return eq.iloc[0][[a.name for a in self._model.actors]].rename("action") if len(eq) == 1 else None
        out = {}
        for actor in self._model.actors:
            col = f"{self.concept}_{slug(actor.name)}"
            if col in self.row.index:
                out[actor.name] = action_name(self._model, actor.name, str(self.row[col]))
            elif self._model.domestic is not None and actor.name == self._model.domestic.actor:
                shares = {a: self.row.get(f"{self.concept}_p_{slug(a)}") for a in actor.actions}
                if all(v is not None for v in shares.values()):
                    out[actor.name] = action_name(self._model, actor.name, max(shares, key=shares.get))
        return pd.Series(out, name="action", dtype=object).rename_axis("actor") if out else None

    @property
    def payoffs(self) -> pd.Series | None:
        """Each actor's payoff on the path ($bn/yr; expected for twolevel), index: actors;
        nash's if there is exactly one pure equilibrium; None for a concept that gives none."""
        names = [a.name for a in self._model.actors]
        if self.concept == "nash":
            eq = self.equilibria
            if len(eq) != 1:
                return None
            values = [float(eq.iloc[0][f"{n} payoff ($bn/yr)"]) for n in names]
        else:
            cols = [f"{self.concept}_payoff_{slug(n)}" for n in names]
            if not all(c in self.row.index for c in cols):
                return None
            values = [float(self.row[c]) for c in cols]
        return pd.Series(values, index=pd.Index(names, name="actor"), name="payoff ($bn/yr)")

    def table(self, labels: bool = True) -> pd.DataFrame:
        """Every column the concept gives, a row each: ``value`` and (``labels``) its human ``label``."""
        out = pd.DataFrame({"value": self.row.astype(object)})
        out.index.name = "column"
        if labels:
            out.insert(0, "label", pd.Series(column_labels(self._model, self.row.index)))
        return out

    def tree(self, **kwargs):
        """The sequential game tree at this point with the subgame-perfect path marked:
        :func:`sim.figures.game_tree.game_tree_figure` (a matplotlib Figure)."""
        from sim.figures.game_tree import game_tree_figure

        return game_tree_figure(self._model, self.point.params, **kwargs)

    def _summary(self) -> tuple[str, list, list[str], list[str]]:
        title = f"{self.spec.short_title} ({self.concept}), {self.point.describe()}: {self.regime or '(no regime)'}"
        eq = self.equilibria
        if eq is not None and len(eq) != 1:
            actors = [a.name for a in self._model.actors]
            rows = [[k + 1, r["regime"], *(r[a] for a in actors)] for k, r in eq.iterrows()]
            return title, rows, ["#", "regime", *actors], [] if rows else ["no pure Nash equilibrium"]
        path, pay = self.path, self.payoffs
        if path is not None or pay is not None:
            shown = set(() if path is None else path.index) | set(() if pay is None else pay.index)
            actors = [a.name for a in self._model.actors if a.name in shown]
            rows = [[a, "" if path is None else path.get(a, "(not reported)"), "" if pay is None else float(pay[a])]
                    for a in actors]
            return title, rows, ["actor", "action", "payoff ($bn/yr)"], []
        probs = self.probabilities
        if probs is not None:
            return title, [[r, float(p)] for r, p in probs.items()], ["regime", "probability"], []
        return title, [], [], []

    def __repr__(self) -> str:
        title, rows, header, notes = self._summary()
        return text_block(title, rows, header or None, notes)

    def _repr_html_(self) -> str:
        title, rows, header, notes = self._summary()
        return html_block(title, rows, header or None, notes)
