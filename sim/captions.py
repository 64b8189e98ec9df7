"""Figure captions generated from a run's config: what is plotted, over what, with what.

:func:`caption` returns the text written beside each figure as
``<figure>.caption.txt`` (e.g. ``phase_diagram.caption.txt``).
"""

from __future__ import annotations


from sim.config import RunConfig
from sim.params import get_value, iter_params, param_info

CONCEPTS = {
    "spe": "the subgame-perfect equilibrium of the sequential game",
    "nash": "the pure Nash equilibria of the simultaneous game (hatched: several; grey: none)",
    "bayes": "the equilibrium under uncertain US resolve (most likely regime; probability of confrontation)",
    "qre": "the logit quantal response equilibrium of the sequential game",
    "abm": "adaptive play of the simultaneous game by Mesa agents",
}
FIGURES = {
    "phase_diagram": "Equilibrium regimes",
    "abm_selection": "Regimes selected by adaptive agents beside the exact pure Nash equilibria",
    "trajectories": "Action shares over time in adaptive play at the baseline point",
    "qre_path": "Regime probabilities of the logit QRE at the baseline point against rationality λ",
    "sensitivity": "Which parameters decide the regime",
}
#: The outcome analysed by a sensitivity run, per ``sensitivity.concept``.
OUTCOMES = {
    "spe": "the 0/1 indicator of each subgame-perfect regime",
    "bayes": "the probability of each regime under uncertain US resolve",
}


def changed_parameters(cfg: RunConfig) -> list[str]:
    """``name = value unit`` for every parameter that differs from the dataclass default."""
    default = cfg.scenario.params_cls()
    swept = {a.param for a in cfg.axes}
    out = []
    for info in iter_params(cfg.scenario.params_cls):
        value = get_value(cfg.game, info.name)
        if info.name not in swept and value != get_value(default, info.name):
            out.append(f"{info.name} = {value:g} {info.unit}")
    return out


def sensitivity_caption(cfg: RunConfig, figure: str, run_id: str, config_hash: str) -> str:
    """The caption of a sensitivity run's figure (``cfg.sensitivity`` is set)."""
    s = cfg.sensitivity
    names = s.params or tuple(i.name for i in iter_params(cfg.scenario.params_cls))
    changed = [c for c in changed_parameters(cfg) if c.split(" = ")[0] not in names]
    what = (f"Sobol indices: first order S1 and total order ST, with 95 % bootstrap intervals ({s.resamples} "
            "resamples)" if s.method == "sobol" else
            f"Morris screening: mu* (with its 95 % bootstrap interval, {s.resamples} resamples) and sigma, "
            f"{s.levels} levels")
    design = (f"N = {s.size} (scrambled Sobol' design" + (", with pairwise indices" if s.second_order else "")
              if s.method == "sobol" else f"{s.size} trajectories (")
    parts = [
        f"{FIGURES.get(figure, figure)} — experiment '{cfg.name}', scenario {cfg.scenario.name}.",
        f"{what}, of {OUTCOMES[s.concept]}; one panel per regime reached (in parentheses: its share of the "
        f"sample), the {s.top} parameters with the largest {'ST' if s.method == 'sobol' else 'mu*'}.",
        f"{len(names)} parameters drawn uniformly over their documented ranges (docs/parameters.md); "
        f"{design}, {s.evaluations(len(names))} games, seed {s.seed}).",
    ]
    if len(names) < len(list(iter_params(cfg.scenario.params_cls))):
        parts.append("Other parameters at the calibrated baseline (conf/game/baseline.yaml)"
                     + (f" except {', '.join(changed)}." if changed else "."))
    parts.append(f"Run {run_id}, config sha256 {config_hash[:12]}.")
    return " ".join(parts) + "\n"


def caption(cfg: RunConfig, figure: str, run_id: str, config_hash: str) -> str:
    """A one-paragraph caption for ``figure`` (a file stem) of the run."""
    if cfg.sensitivity is not None:
        return sensitivity_caption(cfg, figure, run_id, config_hash)
    axes = []
    for a in cfg.axes:
        info = param_info(cfg.scenario.params_cls, a.param)
        axes.append(f"{a.param} ({info.doc}; {min(a.values):g}–{max(a.values):g} {info.unit}, "
                    f"{len(a.values)} values)")
    concepts = "; ".join(CONCEPTS[s] for s in cfg.solvers)
    changed = changed_parameters(cfg)
    baseline = ", ".join(f"{a.param} = {get_value(cfg.game, a.param):g}" for a in cfg.axes)
    parts = [
        f"{FIGURES.get(figure, figure)} — experiment '{cfg.name}', scenario {cfg.scenario.name}.",
        f"Axes: {' × '.join(axes)}.",
        f"Solution concepts: {concepts}.",
        "Other parameters at the calibrated baseline (conf/game/baseline.yaml)"
        + (f" except {', '.join(changed)}." if changed else "."),
        f"Star or dashed line: the baseline point ({baseline}).",
    ]
    if "abm" in cfg.solvers:
        r = cfg.abm
        parts.append(f"Adaptive play: rule {r.rule}, {r.replicates} runs × {r.steps} steps per point, seed {r.seed}.")
    if "qre" in cfg.solvers:
        parts.append(f"QRE rationality λ = {cfg.qre.lam:g} per $bn/yr.")
    parts.append(f"Run {run_id}, config sha256 {config_hash[:12]}; payoffs in $bn-equivalent per year.")
    return " ".join(parts) + "\n"


