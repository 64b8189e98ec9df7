"""What a scenario declares so that one actor's move is decided domestically: :class:`DomesticSpec`.

A two-level game (Putnam 1988) replaces the unitary choice of one actor (Iraq) by a
bargain among domestic actors (parliamentary blocs and the executive). Each domestic actor
values an outcome by its own weighting of the components of the state's payoff; the
bargain's outcome is a probability over the state's options (:func:`sim.bargain.pce`).
The scenario supplies the data; :mod:`sim.bargain.two_level` solves the game.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

#: ``components(params, features) -> tuple of C arrays``, each broadcastable to (n_out, B):
#: the parts of the state's payoff ($bn/yr) that domestic actors weigh differently. They
#: sum to the state's unitary payoff.
Components = Callable[[object, Mapping[str, np.ndarray]], tuple]


@dataclass(frozen=True)
class DomesticSpec:
    """The domestic level of one actor.

    Attributes
    ----------
    actor : the international actor whose move is decided domestically (e.g. "Iraq").
    members : names of the domestic actors, K of them (blocs, then the executive).
    components : see :data:`Components`; ``component_names`` names its C outputs.
    clout : ``clout(params) -> (B, K)``: each member's weight in the bargain
        (capability x salience), non-negative, summing to 1 per point.
    weights : ``weights(params) -> (B, K, C)``: how much each member counts each component
        (1 = as the state does).
    seats : ``seats(params) -> (B, K)``: members' votes in the parliament's resolution
        (0 for the executive).
    present : ``present(params) -> (B, K)``: share of each member present at the vote.
    motion : ``motion(option_label) -> bool``: the options a resolution demands (an exit
        demand). In the vote *on its consequences*, a member votes for it when its best such
        option, with what follows in equilibrium, beats its best other option.
    principle : two outcomes, each ``{actor: action label}`` for the actors moving from the
        domestic actor on: the motion carried out with nothing else changed, and the status
        quo. In the vote *on the principle* (a non-binding resolution), a member votes for
        the motion when it values the first above the second.
    check : ``check(params) -> None``: raises ConfigError (one line) on a parliament that
        cannot bargain (e.g. no member with weight).
    alignments, member_alignment : names of the alignments and each member's shares over
        them, shape (K, A) (the executive's at the default parameters), for tables and figures.
    labels : names of the calibrated parliament and of a counterfactual one.
    counterfactual : parameter values (dotted names) that make the counterfactual parliament.
    """

    actor: str
    members: tuple[str, ...]
    component_names: tuple[str, ...]
    components: Components
    clout: Callable[[object], np.ndarray]
    weights: Callable[[object], np.ndarray]
    seats: Callable[[object], np.ndarray]
    present: Callable[[object], np.ndarray]
    motion: Callable[[str], bool]
    principle: tuple[Mapping[str, str], Mapping[str, str]]
    check: Callable[[object], None]
    alignments: tuple[str, ...] = ()
    member_alignment: tuple[tuple[float, ...], ...] = ()
    labels: tuple[str, str] = ("calibrated", "counterfactual")
    counterfactual: Mapping[str, float] = field(default_factory=dict)
