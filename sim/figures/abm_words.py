"""Words of the agent-based figures and of their captions, from one source.

A figure's title and its caption must say the same thing about how adaptive play was
run (the rule, the number of runs and steps, the shocks, which part of a trajectory is
shown). Both are written here, from the same facts: a mapping such as
:func:`sim.figures.captions.abm_facts` builds from the run's config and
:mod:`sim.runs.run` stores in the equilibria table's metadata (``TableMeta.abm``)::

    {"rule": str, "lam": float, "replicates": int, "steps": int, "seed": int,
     "shocks": [{"step": int, "set": {param: value}}, ...],
     "trajectory_replicates": int, "settle_window": int, "game": str}

``game`` (absent in tables of older runs: ``simultaneous``) says which game the agents
played and so what their play is compared with: the exact pure Nash equilibria of the
simultaneous game, or the subgame-perfect equilibrium of the sequential one
(:func:`exact_words`).

The figure reads the table, the caption the config; the numbers are the same because
the caption's facts are the ones stored.
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.engine.params import quantity


#: What the agent-based figures compare adaptive play with, in words, per game.
EXACT_WORDS = {
    "simultaneous": {
        "concept": "nash", "column": "nash_regimes", "game": "simultaneous game",
        "exact_title": "Exact: pure NE of the\nsimultaneous game",
        "disagree": "modal regime not an exact NE regime",
        "agreement": "share of runs ending in an exact pure-NE regime",
        "settled": "share of runs settled on a pure NE",
        "settled_title": "Runs settled on a pure Nash equilibrium",
        "agree_everywhere": "Agreement everywhere: every run ends in an exact pure-NE regime",
        "none_everywhere": "No pure Nash equilibrium anywhere: no run can end in one",
        "settled_everywhere": "Every run settled on a pure Nash equilibrium, everywhere",
        "settled_text": "runs settled on a pure NE", "agreement_text": "runs ending in an exact-NE regime",
        "figure": "Regimes selected by adaptive agents beside the exact pure Nash equilibria",
    },
    "sequential": {
        "concept": "spe", "column": "spe_regime", "game": "sequential game",
        "exact_title": "Exact: SPE of the\nsequential game",
        "disagree": "modal regime not the SPE regime",
        "agreement": "share of runs ending in the SPE regime",
        "settled": "share of runs settled on subgame-perfect strategies",
        "settled_title": "Runs settled on subgame-perfect strategies",
        "agree_everywhere": "Agreement everywhere: every run ends in the SPE regime",
        "none_everywhere": "No subgame-perfect equilibrium anywhere",
        "settled_everywhere": "Every run settled on subgame-perfect strategies, everywhere",
        "settled_text": "runs settled on subgame-perfect strategies", "agreement_text": "runs ending in the SPE regime",
        "figure": "Regimes reached by adaptive agents in the sequential game beside the subgame-perfect equilibrium",
    },
}


def game_of(facts: Mapping | None) -> str:
    """The game the agents played, from ``facts`` (``TableMeta.abm``): ``simultaneous`` unless
    the facts say ``sequential``."""
    game = (facts or {}).get("game")
    return game if game in EXACT_WORDS else "simultaneous"


def exact_words(facts: Mapping | None) -> dict[str, str]:
    """:data:`EXACT_WORDS` of the game in ``facts``."""
    return EXACT_WORDS[game_of(facts)]


def rule_name(rule, lam=None) -> str:
    """``"best response"``; ``"logit (λ = 5 per $bn/yr)"`` when the rule's rationality is given."""
    name = str(rule).replace("_", " ")
    return f"{name} (λ = {lam:g} per $bn/yr)" if isinstance(lam, (int, float)) and str(rule) == "logit" else name


def runs_text(replicates, steps, per_point: bool = False) -> str:
    """``"10 runs × 200 steps per grid point"`` (``per_point``), ``"200 runs × 200 steps"``.

    The one way a figure or caption counts runs: a selection map's runs are per grid
    point, a trajectory's are the runs recorded at the baseline point.
    """
    return f"{replicates} runs × {steps} steps" + (" per grid point" if per_point else "")


def _format_value(v) -> str:
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


def shock_text(shock: Mapping, scenario=None) -> str:
    """``"step 100: Iraqi nationalist cost of hosting US troops = 12 $bn/yr"``: each
    parameter by its label and unit in ``scenario`` (a Scenario or its name; by its
    dotted name where unknown: ``"step 100: iraq.nationalism = 12"``)."""
    from sim.figures.style import scenario_params  # on use: captions import this module without matplotlib

    infos = scenario_params(scenario)
    sets = ", ".join(f"{infos[k].label} = {quantity(float(v), infos[k].unit)}"
                     if k in infos and isinstance(v, (int, float)) else f"{k} = {_format_value(v)}"
                     for k, v in sorted(dict(shock.get("set", {})).items()))
    return f"step {shock['step']}: {sets}"


def shocks_text(shocks, scenario=None) -> str:
    """``"; shock at <shock_text>; ... (exact NE: before the shock)"``, or ``""`` without shocks."""
    if not shocks:
        return ""
    return "; shock at " + "; ".join(shock_text(s, scenario) for s in shocks) + " (exact NE: before the shock)"


def selection_note(facts: Mapping | None, scenario=None) -> str | None:
    """The selection figure's title: ``"Adaptive play: best response, 10 runs × 200 steps
    per grid point"`` and its shocks, from ``facts`` (``TableMeta.abm``); None without facts
    (a table written before they were stored: the figure has no note)."""
    if not facts or not facts.get("rule"):
        return None
    game = " of the sequential game" if game_of(facts) == "sequential" else ""
    note = f"Adaptive play{game}: {rule_name(facts['rule'], facts.get('lam'))}"
    if facts.get("replicates") and facts.get("steps"):
        note += ", " + runs_text(facts["replicates"], facts["steps"], per_point=True)
    return note + shocks_text(facts.get("shocks") or (), scenario)


def window_rule(settle_window) -> str:
    """How much of a trajectory is shown, for a caption: the rule :func:`time_window` applies."""
    return (f"Steps shown: up to {settle_window} steps after the last step at which any recorded run changed "
            f"its play (and after the last shock); every step when some run was still changing "
            f"{settle_window} steps before the end.")


def time_window(meta: Mapping) -> tuple[int, int | None]:
    """The steps a trajectory figure shows, from the trajectory table's metadata.

    Parameters
    ----------
    meta : mapping
        ``steps`` (run length), ``settled_by`` (the last step at which any recorded run
        changed its play; absent in tables of older runs), ``settle_window`` (steps),
        ``shocks``.

    Returns
    -------
    end : int
        The last step shown: ``settle_window`` steps after ``settled_by`` (or after the
        last shock, if later), when every run has then kept its play for at least
        ``settle_window`` steps; else ``steps``.
    settled_by : int or None
        ``settled_by`` when the figure is cut there plus the margin; None when every
        step is shown.
    """
    steps = int(meta.get("steps") or 1)
    settled_by, window = meta.get("settled_by"), meta.get("settle_window")
    if not isinstance(settled_by, int) or not isinstance(window, int) or steps - settled_by < window:
        return steps, None
    last_shock = max((int(s["step"]) for s in meta.get("shocks") or ()), default=0)
    end = min(steps, max(settled_by, last_shock) + window)
    return (end, settled_by) if end < steps else (steps, None)


def window_text(end: int, steps: int, settled_by: int | None) -> str | None:
    """``"steps 0–62 of 200 shown: no run changed its play after step 42"``; None when all are."""
    if settled_by is None or end >= steps:
        return None
    return f"steps 0–{end} of {steps} shown: no run changed its play after step {settled_by}"
