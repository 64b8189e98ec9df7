"""Mesa's ``SolaraViz`` page of the agent-based model, at the explorer's point.

The page Mesa users know: step, play, pause and reset controls, the model's own
parameters (learning rule, runs, steps, the logit rule's λ, the best-response rule's
revision probability, seed), and plots of its ``DataCollector``: the share of runs in
each regime (regime colours) and at a pure Nash equilibrium, step by step. The game's
parameters are the explorer's (the sliders of the first page), passed as a fixed
model parameter.
"""

from __future__ import annotations

import warnings

import solara

with warnings.catch_warnings():  # Mesa's SolaraViz breaks a rule of hooks Solara checks: harmless here
    warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early return",
                            category=UserWarning)
    from mesa.visualization import SolaraViz, make_plot_component

from sim.explore import session as S
from sim.explore.agents import AT_NASH, MAX_RUNS, MAX_STEPS, PointModel, rule_names
from sim.figures.style import regime_colours

NAME = "Agent-based model at the explorer's point (Mesa SolaraViz)"


def model_params(pairs: tuple[tuple[str, float], ...]) -> dict:
    """``SolaraViz``'s ``model_params``: the user's controls, then the fixed scenario and point."""
    return {
        "rule": {"type": "Select", "value": "best_response", "values": list(rule_names()), "label": "Learning rule"},
        "runs": {"type": "SliderInt", "value": 100, "min": 10, "max": min(MAX_RUNS, 2000), "step": 10,
                 "label": "Runs"},
        "steps": {"type": "SliderInt", "value": 100, "min": 10, "max": min(MAX_STEPS, 1000), "step": 10,
                  "label": "Steps"},
        "lam": {"type": "SliderFloat", "value": 5.0, "min": 0.0, "max": 20.0, "step": 0.5,
                "label": "Logit rule: rationality λ (1/($bn/yr))"},
        "revision_prob": {"type": "SliderFloat", "value": 0.3, "min": 0.0, "max": 1.0, "step": 0.05,
                          "label": "Best response: probability of revising per step"},
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 100, "step": 1, "label": "Seed"},
        "scenario": S.SCENARIO.name,
        "values": pairs,
    }


def _label_axes(ax, ylabel: str) -> None:
    """Axis labels and a legend outside the plot (Mesa's ``post_process`` hook)."""
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    ax.figure.subplots_adjust(right=0.68)


def components() -> list:
    """The plots: regime shares (regime colours), then the share at a pure Nash equilibrium."""
    colours = regime_colours(S.SCENARIO.regimes)
    return [
        make_plot_component(dict(colours), post_process=lambda ax: _label_axes(ax, "share of runs in the regime")),
        make_plot_component({AT_NASH: "black"}, post_process=lambda ax: _label_axes(ax, "share of runs")),
    ]


@solara.component
def AgentsPage():
    """Mesa's SolaraViz of :class:`~sim.explore.agents.PointModel` at the explorer's point."""
    pairs = S.changed_pairs()
    model = solara.use_memo(lambda: PointModel(S.SCENARIO.name, pairs), dependencies=[pairs])
    solara.Title("sim explorer: agents")
    SolaraViz(model, components=components(), model_params=model_params(pairs), name=NAME)
