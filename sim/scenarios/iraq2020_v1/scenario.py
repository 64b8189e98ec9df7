"""The US-Russia-Iran-Iraq scenario, version 1 (the published v1 figures; Model 2 is
``iraq2020``), as data: actors, order, features, regimes.

Sequential variant: Russia offers a system, Iran restrains or presses, Iraq chooses troops
x Russia tie (it can buy only what was offered), the US responds. 2*4*3 + 2*2*6*3 = 96
leaves. Simultaneous variant: all four choose at once from their full action lists,
3*2*6*3 = 108 profiles; there "buy" with no offer buys nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.engine.bayes import TypeSpec
from sim.scenarios.iraq2020_v1.display import ACTION_NAMES
from sim.scenarios.iraq2020_v1.params import GameParams
from sim.scenarios.iraq2020_v1.terms import TERMS
from sim.engine.scenario import Actor
from sim.scenarios.named import NamedScenario

RUSSIA, IRAN, IRAQ, US = range(4)
ACTORS = (
    Actor("Russia", ("none", "S-300", "S-400")),
    Actor("Iran", ("restrain", "pressure")),
    Actor("Iraq", ("keep+status_quo", "keep+deepen", "keep+buy",
                   "expel+status_quo", "expel+deepen", "expel+buy")),
    Actor("US", ("accommodate", "targeted", "severe")),
)

REGIMES = ("US-aligned status quo", "hedging", "Russian pivot", "managed exit", "confrontation")
STATUS_QUO, HEDGING, PIVOT, EXIT, CONFRONTATION = range(len(REGIMES))


def available(actor: int, history: Mapping[str, str]) -> tuple[str, ...]:
    """Actions open to ``actor`` after ``history``: Iraq can only buy what is offered."""
    actions = ACTORS[actor].actions
    if actor == IRAQ and history.get("Russia") == "none":
        return tuple(a for a in actions if not a.endswith("+buy"))
    return actions


def features(outcomes: np.ndarray) -> dict[str, np.ndarray]:
    """Named arrays (float, shape (n_out,)) describing each outcome; 0/1 flags except
    ``violation``, the number of violations the US may punish (expel, buy)."""
    offer = outcomes[:, RUSSIA]
    iraq = outcomes[:, IRAQ]
    us = outcomes[:, US]
    keep = iraq < 3
    tie = iraq % 3  # 0 status quo, 1 deepen, 2 buy
    bought = np.where(tie == 2, offer, 0)
    f = {
        "offer_s300": offer == 1,
        "offer_s400": offer == 2,
        "pressure": outcomes[:, IRAN] == 1,
        "keep": keep,
        "expel": ~keep,
        "deepen": tie == 1,
        "bought_s300": bought == 1,
        "bought_s400": bought == 2,
        "tied": (tie == 1) | (bought > 0),
        "targeted": us == 1,
        "severe": us == 2,
        "sanctioned": us > 0,
        "violation": (~keep).astype(int) + (bought > 0),  # number of violations, 0-2
    }
    return {k: v.astype(float) for k, v in f.items()}


def classify(f: Mapping[str, np.ndarray]) -> np.ndarray:
    """Regime index of each outcome; the first rule that holds wins.

    confrontation: severe sanctions imposed; Russian pivot: Iraq fields a system (troops
    kept or expelled); managed exit: troops expelled, no system; hedging: troops kept and
    ties deepened; US-aligned status quo: everything else (targeted sanctions without a
    purchase or an exit do not change the regime).
    """
    rules = [
        (f["severe"] > 0, CONFRONTATION),
        ((f["bought_s300"] + f["bought_s400"]) > 0, PIVOT),
        (f["expel"] > 0, EXIT),
        (f["deepen"] > 0, HEDGING),
    ]
    return np.select([c for c, _ in rules], [r for _, r in rules], default=STATUS_QUO)


SCENARIO = NamedScenario(
    name="iraq2020_v1",
    actors=ACTORS,
    move_order=(RUSSIA, IRAN, IRAQ, US),
    available=available,
    features=features,
    terms=TERMS,
    regimes=REGIMES,
    classify=classify,
    params_cls=GameParams,
    types=TypeSpec(
        actor="US",
        names=("committed", "bluffing"),
        prior="us.committed_prior",
        overrides={"bluffing": {"us.credibility": "us.bluff_credibility"}},
    ),
    action_names=ACTION_NAMES,
    focal_regime="confrontation",  # the worst outcome for every actor: what the figures watch
)
