"""Figure captions generated from a run's config: what is plotted, over what, with what.

:func:`caption` returns the text written beside each figure as
``<figure>.caption.txt`` (e.g. ``phase_diagram.caption.txt``; :func:`sim.store.rundir.caption_name`).
"""

from __future__ import annotations

from sim.store import rundir
from sim.config.validate import RunConfig
from sim.figures.abm_words import exact_words, rule_name, runs_text, window_rule
from sim.solvers.registry import SOLVERS
from sim.scenarios import BASELINE_FILES
from sim.engine.params import get_value, iter_params, param_info, quantity, unitless

FIGURES = {  # by figure stem
    rundir.PHASE_DIAGRAM: "Equilibrium regimes",
    rundir.ABM_SELECTION: "Regimes selected by adaptive agents beside the exact pure Nash equilibria",
    rundir.TRAJECTORIES: "Action shares over time in adaptive play",
    rundir.QRE_FIGURE: "Regime probabilities of the logit QRE against rationality λ",
    rundir.SENSITIVITY_FIGURE: "Which parameters decide the regime",
    rundir.PARLIAMENT_MAP: "Iraq's parliament and executive in the two-level game",
    rundir.PARLIAMENT_FIGURE: "The 2018 parliament and a counterfactual one in the two-level game",
    rundir.BACKTEST_FIGURE: "The record against the dynamic game",
    rundir.DYNAMIC_ABM_FIGURE: "Adaptive agents in the dynamic game",
}


def _changes(cfg: RunConfig, swept: bool) -> list[str]:
    default = cfg.scenario.params_cls()
    axes = {a.param for a in cfg.axes}
    out = []
    for info in iter_params(cfg.scenario.params_cls):
        value = get_value(cfg.game, info.name)
        if (swept or info.name not in axes) and value != get_value(default, info.name):
            out.append(f"{info.name} = {quantity(value, info.unit)}")
    return out


def baseline_changes(cfg: RunConfig) -> tuple[str, ...]:
    """``name = value unit`` for every parameter, swept ones included (their value places
    the baseline), that differs from the scenario's default: what the star's legend entry
    names (stored in the table's metadata, ``TableMeta.changes``)."""
    return tuple(_changes(cfg, swept=True))


def abm_facts(cfg: RunConfig) -> dict | None:
    """How adaptive play was run, as JSON-ready data (None if the run has no ``abm``):
    rule, lam (1/($bn/yr)), replicates (runs per grid point), steps, seed, shocks,
    trajectory_replicates (runs recorded at the baseline), settle_window (steps), game
    (``simultaneous`` or ``sequential``).

    The one source of the agent-based figures' titles and captions
    (:mod:`sim.figures.abm_words`): stored in the table's metadata (``TableMeta.abm``)."""
    if "abm" not in cfg.solvers:
        return None
    r = cfg.abm
    return {"rule": r.rule, "lam": float(r.rule_options.lam), "replicates": r.replicates, "steps": r.steps,
            "seed": r.seed, "shocks": [{"step": s.step, "set": dict(s.values)} for s in r.shocks],
            "trajectory_replicates": cfg.trajectory_replicates, "settle_window": r.settle_window, "game": r.game}


def changed_parameters(cfg: RunConfig) -> list[str]:
    """``name = value unit`` for every parameter not swept that differs from the dataclass
    default (a pure number without a unit: ``us.committed_prior = 0.7``)."""
    return _changes(cfg, swept=False)


def _range(values, unit: str) -> str:
    """``"0–20 $bn/yr"``; ``"0–0.5"`` for a pure number."""
    span = f"{min(values):g}–{max(values):g}"
    return span if unitless(unit) else f"{span} {unit}"


def _others(changed: list[str], scenario: str = "iraq2020") -> str:
    where = f" (conf/game/{BASELINE_FILES[scenario]}.yaml)" if scenario in BASELINE_FILES else ""
    return (f"Other parameters at the calibrated baseline{where}"
            + (f" except {', '.join(changed)}." if changed else "."))


def _point(cfg: RunConfig) -> str:
    """``"the calibrated baseline (x = 2 $bn/yr, y = 1 $bn/yr)"``, or ``"this run's baseline
    (...)"`` when the run sets any parameter away from the calibrated value."""
    units = {a.param: param_info(cfg.scenario.params_cls, a.param).unit for a in cfg.axes}
    values = ", ".join(f"{a.param} = {quantity(get_value(cfg.game, a.param), units[a.param])}" for a in cfg.axes)
    which = "this run's baseline" if _changes(cfg, swept=True) else "the calibrated baseline"
    return f"{which} ({values})" if values else which


def _play(facts: dict, replicates: int, per_point: bool) -> str:
    """``"rule best response, 10 runs × 200 steps per grid point, seed 0"`` (:func:`runs_text`)."""
    return (f"rule {rule_name(facts['rule'], facts['lam'])}, {runs_text(replicates, facts['steps'], per_point)}, "
            f"seed {facts['seed']}")


def _game(facts: dict) -> str:
    """``" of the sequential game"`` when the agents played it, else ``""``."""
    return " of the sequential game" if facts.get("game") == "sequential" else ""


def _prior_caption(cfg: RunConfig, names, changed: list[str], run_id: str, config_hash: str) -> str:
    """The caption of a ``sensitivity.method=prior`` run's figure (:mod:`sim.figures.prior`)."""
    s = cfg.sensitivity
    interval = "Wilson score" if s.concept == "spe" else "normal (mean ± 1.96 s/√n)"
    parts = [
        f"The baseline as a distribution — experiment '{cfg.name}', scenario {cfg.scenario.name}.",
        f"(a) Prior-predictive share of each regime: {len(names)} parameters drawn independently and uniformly over "
        f"their documented ranges (docs/parameters.md), n = {s.size:,} draws, seed {s.seed}; the mean of "
        f"{SOLVERS[s.concept].sensitivity_outcome}, with its 95 % {interval} interval; ★: the SPE regime at the "
        "calibrated point.",
        f"(b) Robustness of that regime (SPE, whatever the concept of (a)): per parameter, the smallest relative "
        f"change down (left) and up (right) that changes it, on a grid of 2001 values over the documented range, "
        f"the others at the calibrated point; colour: the regime it changes to; 'none in range': no value of the "
        f"range changes it; the {s.top} parameters nearest a change ({s.evaluations(len(names)):,} games in all).",
    ]
    if len(names) < len(list(iter_params(cfg.scenario.params_cls))):
        parts.append(_others(changed, cfg.scenario.name))
    parts.append(f"Run {run_id}, config sha256 {config_hash[:12]}.")
    return " ".join(parts) + "\n"


def sensitivity_caption(cfg: RunConfig, figure: str, run_id: str, config_hash: str) -> str:
    """The caption of a sensitivity run's figure (``cfg.sensitivity`` is set)."""
    s = cfg.sensitivity
    names = s.params or tuple(i.name for i in iter_params(cfg.scenario.params_cls))
    changed = [c for c in changed_parameters(cfg) if c.split(" = ")[0] not in names]
    if s.method == "prior":
        return _prior_caption(cfg, names, changed, run_id, config_hash)
    what = (f"Sobol indices: first order S1 and total order ST, with 95 % bootstrap intervals ({s.resamples} "
            "resamples)" if s.method == "sobol" else
            f"Morris screening: μ* (with its 95 % bootstrap interval, {s.resamples} resamples) and σ, "
            f"{s.levels} levels")
    games = f"{s.evaluations(len(names))} games, seed {s.seed}"
    design = (f"N = {s.size} (scrambled Sobol' design" + (", with pairwise indices" if s.second_order else "")
              + f", {games})" if s.method == "sobol" else f"{s.size} trajectories ({games})")
    parts = [
        f"{FIGURES.get(figure, figure)} — experiment '{cfg.name}', scenario {cfg.scenario.name}.",
        f"{what}, of {SOLVERS[s.concept].sensitivity_outcome}; one panel per regime reached (in parentheses: its share of the "
        f"sample), the {s.top} parameters with the largest {'ST' if s.method == 'sobol' else 'μ*'}.",
        f"{len(names)} parameters drawn uniformly over their documented ranges (docs/parameters.md); {design}.",
    ]
    if len(names) < len(list(iter_params(cfg.scenario.params_cls))):
        parts.append(_others(changed, cfg.scenario.name))
    parts.append(f"Run {run_id}, config sha256 {config_hash[:12]}.")
    return " ".join(parts) + "\n"


def backtest_caption(cfg: RunConfig, figure: str, run_id: str, config_hash: str) -> str:
    """The captions of a back-test run's figures: the record against the model (what is
    fitted, on which quarters, against what), and the agents' play of the dynamic game."""
    b = cfg.backtest
    record = b.history or "data/history_iraq_2020_2022.csv"
    if figure == rundir.DYNAMIC_ABM_FIGURE:
        parts = [
            f"Adaptive agents in the dynamic game — experiment '{cfg.name}', scenario {cfg.scenario.name}.",
            f"Mesa agents learning by {str(b.abm_rule).replace('_', ' ')} ({b.abm_replicates} runs, {b.abm_steps} "
            f"learning steps per quarter, seed {cfg.seed}) play each quarter's stage game {b.start}-{b.stop} from the "
            "US posture their own play reached the quarter before, with the Markov perfect equilibrium's "
            f"continuation values, discount {b.discount:g} and the adjustment cost fitted by the back-test. Bars: "
            "the share of runs in each US posture at each quarter's end; dots: the share whose whole path is the "
            f"equilibrium's; line: US troops in Iraq in the record ({record}).",
            _others(changed_parameters(cfg), cfg.scenario.name),
            f"Run {run_id}, config sha256 {config_hash[:12]}; payoffs in $bn-equivalent per quarter.",
        ]
        return " ".join(parts) + "\n"
    parts = [
        f"The record against the dynamic game — experiment '{cfg.name}', scenario {cfg.scenario.name}.",
        f"Quarters {b.start}-{b.stop} of {record}; the dynamic game (Model 2's stage game each quarter, linked by the "
        f"US troop posture, quarterly discount factor {b.discount:g}) as a logit QRE whose rationality λ and US "
        f"adjustment cost are fitted by maximum likelihood on {b.start}-{b.split} (shaded); persistence's ε on the "
        "same quarters; the frequencies are those of the fitted quarters (Jeffreys-smoothed). Each quarter is scored "
        "from the posture the record shows at the end of the quarter before ("
        + (f"{b.initial_posture} before the first)." if b.initial_posture else
           "the first quarter from the record's posture before it, full presence before 2020Q1)."),
        "(a) The model's probability of each US posture, the record's outlined, and the US troops in Iraq; "
        "(b) the energy waiver's length in the record and the model's probability that the US revokes it or does "
        "more; (c) the log-likelihood of each quarter's record under each predictor, with the totals of the fitted "
        "and the out-of-sample quarters.",
        _others(changed_parameters(cfg), cfg.scenario.name),
        f"Run {run_id}, config sha256 {config_hash[:12]}; payoffs in $bn-equivalent per quarter.",
    ]
    return " ".join(parts) + "\n"


def caption(cfg: RunConfig, figure: str, run_id: str, config_hash: str) -> str:
    """A one-paragraph caption for ``figure`` (a file stem) of the run.

    Axes are named by label, dotted name, range and unit (a pure number shows no unit);
    the star (or dashed line in a one-axis strip) is the run's own baseline point, called
    the calibrated baseline only where the run changed no parameter.
    """
    if cfg.sensitivity is not None:
        return sensitivity_caption(cfg, figure, run_id, config_hash)
    if cfg.backtest is not None:
        return backtest_caption(cfg, figure, run_id, config_hash)
    changed = changed_parameters(cfg)
    facts = abm_facts(cfg)
    words = exact_words(facts)
    title = words["figure"] if figure == rundir.ABM_SELECTION else FIGURES.get(figure, figure)
    parts = [f"{title} — experiment '{cfg.name}', scenario {cfg.scenario.name}."]
    if figure == rundir.QRE_FIGURE:
        parts += [
            f"At {_point(cfg)}: the probability of each regime in the logit QRE of the sequential game against "
            "the rationality λ (0 = uniform play; large = subgame-perfect).",
            _others(changed, cfg.scenario.name),
            f"Dashed line: this run's λ = {cfg.qre.lam:g} per $bn/yr.",
        ]
    elif figure == rundir.PARLIAMENT_FIGURE:
        labels = cfg.scenario.domestic.labels
        parts += [
            f"At {_point(cfg)}, for the {labels[0]} and the {labels[1]} (hatched): (a) each bloc's seats, coloured by "
            "its vote on the exit resolution's principle (US troops gone, all else unchanged) at the node the game "
            "most likely reaches; grey: boycotted the 5 Jan 2020 vote (Kurdish and Sunni blocs) or holds no seats. "
            "(b) The probability of each of Iraq's options (troop demand + tie with Russia) in the two-level game; "
            "values below 10^-4 are drawn at 10^-4.",
            _others(changed, cfg.scenario.name),
        ]
        parts += [SOLVERS["twolevel"].note(cfg.options_of("twolevel"))]
    elif figure == rundir.TRAJECTORIES:
        marks = ("the actions on the path of the subgame-perfect equilibrium of the sequential game there (agents "
                 "play the game tree; a share is of the runs whose current path has the action)"
                 if facts["game"] == "sequential" else "the actions of the exact pure Nash equilibria of the "
                 "simultaneous game there (one colour per equilibrium, the same in every panel)")
        parts += [
            f"At {_point(cfg)}: the share of runs playing each action, step by step; coloured lines and markers: "
            f"{marks}; grey lines: the other actions.",
            _others(changed, cfg.scenario.name),
            f"Adaptive play{_game(facts)}: {_play(facts, facts['trajectory_replicates'], False)}.",
            window_rule(facts["settle_window"]),
        ]
    else:
        axes = []
        for a in cfg.axes:
            info = param_info(cfg.scenario.params_cls, a.param)
            axes.append(f"{info.label} ({a.param}; {_range(a.values, info.unit)}; {len(a.values)} values)")
        shown = [s for s in cfg.solvers if SOLVERS[s].regime_column] if figure == rundir.PHASE_DIAGRAM else \
            ["twolevel"] if figure == rundir.PARLIAMENT_MAP else \
            [s for s in (words["concept"], "abm") if s in cfg.solvers] if figure == rundir.ABM_SELECTION \
            else list(cfg.solvers)
        parts += [
            f"Axes: {' × '.join(axes)}.",
            f"Solution concepts: {'; '.join(SOLVERS[s].caption.format(focal=cfg.scenario.focal_regime) for s in shown)}.",
            _others(changed, cfg.scenario.name),
            f"{'Dashed line' if len(cfg.axes) == 1 else 'Star'}: {_point(cfg)}"
            + (f", in a panel only if it is at that {cfg.axes[2].param}." if len(cfg.axes) == 3 else "."),
        ]
        if figure == rundir.ABM_SELECTION:
            parts.append(f"Adaptive play{_game(facts)}: {_play(facts, facts['replicates'], True)}.")
        if figure == rundir.PARLIAMENT_MAP:
            parts.append("(a) The most likely regime; (b) the probability that Iraq demands that US troops leave; "
                         "(c) the probability that the parliament passes the exit resolution voting on its "
                         "principle (US troops gone, all else unchanged), among the members present on 5 Jan 2020; "
                         "(d) the share of present seats that would vote for it weighing what follows in "
                         "equilibrium (the US's answer).")
        parts += [SOLVERS[s].note(cfg.options_of(s)) for s in shown if SOLVERS[s].note]
    parts.append(f"Run {run_id}, config sha256 {config_hash[:12]}; payoffs in $bn-equivalent per year.")
    return " ".join(parts) + "\n"
