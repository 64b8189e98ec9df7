"""The explorer's page, in Solara: the app that :mod:`sim.explore.server` serves.

Two routes: ``/`` the explorer (sliders by actor in the side bar; the regime at the point;
the phase-diagram slice, the game tree, the QRE and uncertain-resolve distributions and
an agent-based trajectory) and ``/agents``, Mesa's ``SolaraViz`` page of the agent-based
model at the same point (:mod:`sim.explore.mesa_page`).

The regime line is solved in the render itself (about 2 ms on the engine), so it follows
a slider at once; each figure is asked for from a background thread (``solara.use_thread``)
and drawn in a worker process (:mod:`sim.explore.jobs`), its panel showing the last
picture with "updating…" until the new one is ready. A bad typed
value, or any error while solving, shows the project's one-line message, never a trace.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import solara
from solara.util import CancelledError

from sim.engine.params import ConfigError, quantity
from sim.explore import jobs
from sim.explore import session as S
from sim.explore.agents import rule_names
from sim.explore.mesa_page import AgentsPage
from sim.explore.solve import spe_at
from sim.explore.state import AxisRange, Slider, check_axes, full_axis, parse_assignment, point, snap
from sim.figures.style import action_name, regime_colours

TITLE = "sim explorer"
REGIME_CLASS = "sim-regime"  #: the CSS class of the regime line (the browser test reads it)
STATUS_CLASS = "sim-status"  #: the CSS class of each panel's "up to date" / "updating" line
OPEN_GROUPS = 2  #: parameter groups shown open at start (Iraq's and the US's)


@dataclass(frozen=True)
class Failure:
    """What a panel shows instead of its figure: a one-line message."""

    message: str


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (a ConfigError's own; else its type and first line)."""
    text = str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


# ----------------------------------------------------------------------------- controls


@solara.component
def ParamSlider(slider: Slider):
    """One parameter: its label and value with unit, then the slider."""
    value = S.VALUES[slider.name]

    def moved(v: float) -> None:
        if abs(v - value.value) >= slider.step / 2:  # not the slider rounding a typed value to its grid
            value.set(snap(slider, v))

    with solara.Column(gap="0px", classes=["sim-param"], style={"margin-bottom": "6px"}):
        solara.Text(f"{slider.label}: {quantity(value.value, slider.unit)}", style={"font-size": "0.85em"})
        solara.SliderFloat("", value=value.value, min=slider.low, max=slider.high, step=slider.step,
                           on_value=moved, thumb_label=False)


@solara.component
def TypedInput():
    """A box for ``name = value``; a bad name or value shows the one-line error."""

    def apply(text: str) -> None:
        if not text.strip():
            return
        try:
            name, value = parse_assignment(S.SCENARIO, text)
        except ConfigError as exc:
            S.MESSAGE.set(one_line(exc))
            return
        S.VALUES[name].set(value)
        S.MESSAGE.set("")

    solara.InputText("Set a parameter, e.g. iraq.nationalism = 3", value="", on_value=apply,
                     continuous_update=False)
    if S.MESSAGE.value:
        solara.Error(S.MESSAGE.value, classes=["sim-message"])


@solara.component
def Controls():
    """The side bar: typed input, reset, and the sliders grouped by actor."""
    solara.Text("Parameters, grouped by actor", style={"font-weight": "600"})
    TypedInput()
    solara.Button("Reset to the calibrated baseline", on_click=S.reset, outlined=True, small=True)
    for k, group in enumerate(S.GROUPS):
        with solara.Details(group.title, expand=k < OPEN_GROUPS):
            for slider in group.sliders:
                ParamSlider(slider)


# ----------------------------------------------------------------------------- the regime


def path_text(answer) -> str:
    """``"Russia: offer S-400 · Iran: apply pressure · ..."`` in the scenario's words."""
    return " · ".join(f"{actor}: {action_name(S.SCENARIO, actor, code)}" for actor, code in answer.actions)


@solara.component
def Headline():
    """The regime at the point (subgame-perfect), the path, the payoffs, what was changed."""
    sc = S.SCENARIO
    try:
        answer = spe_at(sc, point(sc, S.current()))
    except ConfigError as exc:
        solara.Error(one_line(exc))
        return
    colour = regime_colours(sc.regimes)[answer.regime]
    solara.Text(f"Regime: {answer.regime}", classes=[REGIME_CLASS],
                style={"font-size": "1.6em", "font-weight": "600", "border-left": f"10px solid {colour}",
                       "padding-left": "10px"})
    solara.Text("Subgame-perfect path of the sequential game: " + path_text(answer))
    solara.Text("Payoffs on the path ($bn/yr): "
                + ", ".join(f"{a.name} {p:.2f}" for a, p in zip(sc.actors, answer.payoffs)))
    if answer.tie:
        solara.Warning("A tie between actions leading to different regimes decides this path; "
                       "the tie-break of docs/model.md §5 picks the regime shown.")
    moved = [f"{n} = {quantity(v, S.SLIDERS[n].unit)}" for n, v in S.changed_pairs()]
    solara.Text("Away from the calibrated baseline: " + ("; ".join(moved) if moved else "nothing"),
                style={"font-size": "0.85em", "color": "#555"})


# ----------------------------------------------------------------------------- panels


def guarded(compute: Callable[[threading.Event], bytes | None]) -> Callable[[threading.Event], object]:
    """``compute`` as a thread body: a cancelled run stops quietly; an error becomes a
    :class:`Failure` (one line)."""

    def body(cancel: threading.Event):
        try:
            return compute(cancel)
        except (CancelledError, jobs.Cancelled):
            raise CancelledError() from None
        except Exception as exc:  # shown on the page as one line, never as a trace
            return Failure(one_line(exc))

    return body


@solara.component
def PanelImage(compute: Callable[[threading.Event], bytes | None], dependencies: list, missing: str = ""):
    """The PNG ``compute`` draws in a thread; the last one stays up while a new one is drawn."""
    shown = solara.use_ref(None)
    result = solara.use_thread(guarded(compute), dependencies=dependencies, intrusive_cancel=False)
    done = result.state == solara.ResultState.FINISHED
    if done:
        shown.current = result.value
    if isinstance(shown.current, Failure):
        solara.Error(shown.current.message)
    elif shown.current is None and done:
        solara.Info(missing)
    elif shown.current is not None:
        solara.Image(shown.current, width="100%")
    solara.Text("up to date" if done else "updating…", classes=[STATUS_CLASS],
                style={"font-size": "0.8em", "color": "#777"})


def axis_choices() -> dict[str, str]:
    """``{"<label> (<unit>) — <name>": name}`` for the slice's axis menus."""
    return {f"{s.text} — {name}": name for name, s in S.SLIDERS.items()}


@solara.component
def AxisSelect(label: str, axis: solara.Reactive[AxisRange], other: solara.Reactive[AxisRange]):
    """A menu of the parameter on one axis of the slice (its whole range)."""
    choices = axis_choices()
    names = {v: k for k, v in choices.items()}

    def pick(text: str) -> None:
        new = full_axis(S.SCENARIO, choices[text])
        try:
            check_axes(new, other.value)
        except ConfigError as exc:
            S.MESSAGE.set(one_line(exc))
            return
        axis.set(new)

    solara.Select(label, value=names[axis.value.param], values=list(choices), on_value=pick)


@solara.component
def SlicePanel():
    """The phase-diagram slice with the point starred; the grid is cached on the other values."""
    sc, values = S.SCENARIO, S.current()
    x, y = S.X_AXIS.value, S.Y_AXIS.value

    def compute(cancel):
        return jobs.run(jobs.slice_job, (sc.name, tuple(sorted(values.items())), x, y), cancel)

    with solara.Card("Phase diagram slice", subtitle="subgame-perfect regime; every other parameter at the point"):
        AxisSelect("x axis", S.X_AXIS, S.Y_AXIS)
        AxisSelect("y axis", S.Y_AXIS, S.X_AXIS)
        PanelImage(compute, [x, y, tuple(sorted(values.items()))])


@solara.component
def TreePanel():
    """The game tree at the point with the equilibrium path (sim.figures.game_tree)."""
    sc, pairs = S.SCENARIO, S.changed_pairs()

    def compute(cancel):
        return jobs.run(jobs.tree_job, (sc.name, pairs), cancel)

    with solara.Card("Game tree", subtitle="the sequential game at the point, equilibrium path marked"):
        PanelImage(compute, [pairs],
                   missing="The game tree is not available in this version (sim.figures.game_tree is missing).")


@solara.component
def DistributionPanel():
    """The regime distributions under logit QRE (λ slider) and uncertain resolve."""
    sc, pairs, lam = S.SCENARIO, S.changed_pairs(), S.LAM.value
    types = sc.types
    prior = "" if types is None else f"P({types.actor} {types.names[0]}) = {S.VALUES[types.prior].value:g}"

    def compute(cancel):
        return jobs.run(jobs.distribution_job, (sc.name, pairs, lam, prior), cancel)

    with solara.Card("Regime distribution", subtitle="logit QRE and uncertain US resolve at the point"):
        solara.SliderFloat(f"QRE rationality λ = {lam:g} per $bn/yr", value=S.LAM, min=0.0, max=10.0, step=0.1,
                           thumb_label=False)
        PanelImage(compute, [pairs, lam])


@solara.component
def TrajectoryPanel():
    """Adaptive play by the Mesa agents at the point (the simultaneous game)."""
    sc, pairs = S.SCENARIO, S.changed_pairs()
    rule, runs, steps = S.RULE.value, S.RUNS.value, S.STEPS.value

    def compute(cancel):
        return jobs.run(jobs.trajectory_job, (sc.name, pairs, rule, runs, steps), cancel)

    with solara.Card("Agent-based trajectory", subtitle="Mesa agents learning the simultaneous game at the point"):
        solara.Select("Learning rule", value=S.RULE, values=list(rule_names()))
        solara.SliderInt(f"Runs: {runs}", value=S.RUNS, min=10, max=1000, step=10, thumb_label=False)
        solara.SliderInt(f"Steps: {steps}", value=S.STEPS, min=10, max=500, step=10, thumb_label=False)
        PanelImage(compute, [pairs, rule, runs, steps])


@solara.component
def Explorer():
    """The explorer page: controls in the side bar, the regime, then the four panels."""
    solara.Title(f"{TITLE}: {S.SCENARIO.name}")
    with solara.Sidebar():
        Controls()
    with solara.Column(style={"padding": "4px"}):
        Headline()
        with solara.ColumnsResponsive(default=12, large=[6, 6, 7, 5]):  # the tree is the widest figure
            SlicePanel()
            DistributionPanel()
            TreePanel()
            TrajectoryPanel()


@solara.component
def Layout(children=[]):  # noqa: B006 (Solara's signature for a layout)
    """Solara's app layout with the scenario in the title and a link to each page."""
    with solara.AppLayout(children=children, title=f"{TITLE}: {S.SCENARIO.name}", navigation=False) as main:
        with solara.AppBar():
            for label, path in (("Explorer", "/"), ("Agents (Mesa SolaraViz)", "/agents")):
                with solara.Link(path):
                    solara.Button(label, text=True, style={"color": "white"})
    return main


routes = [
    solara.Route(path="/", component=Explorer, label="Explorer", layout=Layout),
    solara.Route(path="agents", component=AgentsPage, label="Agents (Mesa SolaraViz)"),
]
