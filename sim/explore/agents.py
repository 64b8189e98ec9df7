"""The agent-based model at the explorer's point: a Mesa model built from plain keywords.

:class:`PointModel` is the project's :class:`sim.abm.model.LearningModel` (one Mesa agent
per actor, each adapting by a learning rule of :mod:`sim.abm.rules` over many runs at
once) playing the simultaneous game at one parameter point. It takes only keyword
arguments with defaults, as Mesa's ``SolaraViz`` needs to rebuild it, and its
``DataCollector`` records per step the share of runs in each regime and at a pure Nash
equilibrium, under human names a plot can use as they are.
"""

from __future__ import annotations

from collections.abc import Mapping

import mesa
import numpy as np
import pandas as pd

from sim.abm.model import LearningModel, Segment
from sim.abm.rules import RULES, RuleOptions, get_rule
from sim.engine.params import ConfigError, check_number
from sim.engine.scenario import normal_form_batch_last
from sim.explore.state import point
from sim.scenarios import get_scenario

#: The DataCollector's column of the share of runs whose profile is a pure Nash equilibrium.
AT_NASH = "at a pure Nash equilibrium"
MAX_RUNS = 10_000  #: runs of one explorer model (memory and time stay small)
MAX_STEPS = 2_000  #: steps of one explorer model


def _count(name: str, value, low: int, high: int) -> int:
    """``value`` if it is an integer in ``[low, high]``, else ConfigError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ConfigError(f"{name}={value!r} must be an integer in [{low}, {high}]")
    return int(value)


class PointModel(LearningModel):
    """Adaptive play of the simultaneous game at one point, ``runs`` runs at once.

    Parameters (keywords, all optional)
    ----------
    scenario : a scenario name (:func:`sim.scenarios.get_scenario`).
    values : ``{dotted name: value}`` of the parameters away from their defaults, or the
        same as ``(name, value)`` pairs.
    rule : a learning rule of :data:`sim.abm.rules.RULES`.
    runs, steps : independent runs simulated together, and the steps each plays.
    lam : the logit rule's rationality, 1/($bn/yr); revision_prob : the best-response
        rule's probability per step that an agent revises.
    seed : Mesa's seed, the root of every run's random stream.
    """

    def __init__(self, scenario: str = "iraq2020", values: Mapping[str, float] | tuple = (),
                 rule: str = "best_response", runs: int = 100, steps: int = 100, lam: float = 5.0,
                 revision_prob: float = 0.3, seed: int = 0):
        sc = get_scenario(scenario)
        params = point(sc, dict(values))
        steps = _count("steps", steps, 1, MAX_STEPS)
        opts = RuleOptions(revision_prob=check_number("revision_prob", revision_prob, 0.0, 1.0),
                           lam=check_number("lam", lam, 0.0, 1e6, " 1/($bn/yr)"))
        super().__init__(
            actors=[(a.name, a.actions) for a in sc.actors],
            segments=[Segment(1, normal_form_batch_last(sc, params))],
            regime=sc.simultaneous.regime, rule=get_rule(rule), opts=opts, points=np.array([0]),
            replicates=_count("runs", runs, 1, MAX_RUNS), steps=steps, tail=min(steps, 20), seed=seed,
            collect=False)
        self.scenario = sc
        self.datacollector = mesa.DataCollector(model_reporters=reporters(sc.regimes))
        self.datacollector.collect(self)

    def regime_shares(self) -> np.ndarray:
        """Share of runs whose current profile is in each regime, shape (R,)."""
        codes = self.regime[self.current_flat()]
        return np.bincount(codes, minlength=self.n_regimes) / self.n_runs

    def step(self) -> None:
        """One step of every run; ``running`` turns False after the last (SolaraViz's play stops)."""
        super().step()
        self.running = self.steps < self.n_steps


def reporters(regimes) -> dict:
    """The DataCollector's model reporters: one per regime (its name), then :data:`AT_NASH`."""
    out = {name: (lambda m, k=k: float(m.regime_shares()[k])) for k, name in enumerate(regimes)}
    out[AT_NASH] = lambda m: float(m.is_ne.mean())
    return out


def trajectory(scenario: str, values: Mapping[str, float], rule: str = "best_response", runs: int = 100,
               steps: int = 100, lam: float = 5.0, seed: int = 0) -> pd.DataFrame:
    """Adaptive play at the point, step 0 .. ``steps``: one row per step, one column per
    regime (share of runs in it) and :data:`AT_NASH`."""
    model = PointModel(scenario, values, rule=rule, runs=runs, steps=steps, lam=lam, seed=seed)
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    frame.index.name = "step"
    return frame


def rule_names() -> tuple[str, ...]:
    """The learning rules an explorer user can pick."""
    return tuple(RULES)
