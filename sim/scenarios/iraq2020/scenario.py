"""Model 2 of the US-Russia-Iran-Iraq contest (issue 14), as data: actors, order,
features, regimes. docs/model.md justifies the order of moves.

Sequential variant, perfect information: Russia offers a system; Iran restrains or
presses; Iraq chooses a troop demand {host, drawdown to advisers, exit} x a Russia tie
{status quo, deepen, buy} (it can buy only what was offered); the US answers with a
posture {maintain, advisory, withdraw} x a step of coercion {accommodate, revoke the
energy waiver, targeted (CAATSA §231 menu), severe (NY Fed account, with the waiver and
targeted steps)}. 2*6*12 + 2*2*9*12 = 576 leaves. Simultaneous variant: all four choose at
once from their full lists, 3*2*9*12 = 648 profiles; there "buy" with no offer buys nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.engine.bayes import TypeSpec
from sim.engine.scenario import Actor
from sim.scenarios.iraq2020.display import ACTION_NAMES
from sim.scenarios.iraq2020.params import GameParams
from sim.scenarios.iraq2020.terms import TERMS
from sim.scenarios.named import NamedScenario

DEMANDS = ("host", "advisers", "exit")
TIES = ("status_quo", "deepen", "buy")
POSTURES = ("maintain", "advisory", "withdraw")
COERCION = ("accommodate", "waiver", "targeted", "severe")

RUSSIA, IRAN, IRAQ, US = range(4)
ACTORS = (
    Actor("Russia", ("none", "S-300", "S-400")),
    Actor("Iran", ("restrain", "pressure")),
    Actor("Iraq", tuple(f"{d}+{t}" for d in DEMANDS for t in TIES)),
    Actor("US", tuple(f"{p}+{c}" for p in POSTURES for c in COERCION)),
)

REGIMES = ("US-aligned status quo", "hedging", "negotiated drawdown", "Russian pivot", "managed exit",
           "confrontation")
STATUS_QUO, HEDGING, DRAWDOWN, PIVOT, EXIT, CONFRONTATION = range(len(REGIMES))


def available(actor: int, history: Mapping[str, str]) -> tuple[str, ...]:
    """Actions open to ``actor`` after ``history``: Iraq can only buy what is offered."""
    actions = ACTORS[actor].actions
    if actor == IRAQ and history.get("Russia") == "none":
        return tuple(a for a in actions if not a.endswith("+buy"))
    return actions


def features(outcomes: np.ndarray) -> dict[str, np.ndarray]:
    """Named float arrays, shape (n_out,), describing each outcome: 0/1 flags, except
    ``violation``, the number of violations the US may punish (an exit demand; a purchase).

    The troop level itself depends on a parameter (``us.advisory_level``), so the
    features carry the posture flags and :mod:`sim.scenarios.iraq2020.terms` forms it.
    """
    offer = outcomes[:, RUSSIA]
    demand, tie = np.divmod(outcomes[:, IRAQ], len(TIES))
    posture, coercion = np.divmod(outcomes[:, US], len(COERCION))
    bought = np.where(tie == 2, offer, 0)
    f = {
        "offer_s300": offer == 1,
        "offer_s400": offer == 2,
        "pressure": outcomes[:, IRAN] == 1,
        "demand_advisers": demand == 1,
        "demand_exit": demand == 2,
        "deepen": tie == 1,
        "bought_s300": bought == 1,
        "bought_s400": bought == 2,
        "tied": (tie == 1) | (bought > 0),
        "maintain": posture == 0,
        "advisory": posture == 1,
        "withdraw": posture == 2,
        "waiver": (coercion == 1) | (coercion == 3),  # the severe step includes the lower two
        "targeted": coercion >= 2,
        "severe": coercion == 3,
        "violation": (demand == 2).astype(int) + (bought > 0),
    }
    return {k: v.astype(float) for k, v in f.items()}


def classify(f: Mapping[str, np.ndarray]) -> np.ndarray:
    """Regime index of each outcome; the first rule that holds wins.

    confrontation: severe sanctions imposed; Russian pivot: Iraq fields a system; managed
    exit: the US withdraws; negotiated drawdown: the US draws down to advisers; hedging:
    full presence and deeper ties; US-aligned status quo: everything else (the energy
    waiver revoked or targeted sanctions without a purchase or exit do not change it).
    """
    rules = [
        (f["severe"] > 0, CONFRONTATION),
        ((f["bought_s300"] + f["bought_s400"]) > 0, PIVOT),
        (f["withdraw"] > 0, EXIT),
        (f["advisory"] > 0, DRAWDOWN),
        (f["deepen"] > 0, HEDGING),
    ]
    return np.select([c for c, _ in rules], [r for _, r in rules], default=STATUS_QUO)


SCENARIO = NamedScenario(
    name="iraq2020",
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
