"""The agent-based model's blocks of the run config: ``dynamics`` (the learning rule),
``abm`` (runs, steps, shocks) and the budget of agent-steps a run may take."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.abm.options import AbmOptions, Shock
from sim.abm.rules import RULES, RuleOptions
from sim.config.checks import _duration, _int, _keys, _list
from sim.config.schema import AGENT_STEPS_PER_POINT, MAX_MODEL_RUNS, SEED_MAX, AbmConf, block_keys
from sim.engine.params import ConfigError, check_number, check_value, did_you_mean, param_info, show
from sim.engine.scenario import Scenario
from sim.solvers.qre import LAM_MAX

#: Measured cost per agent-step (s), 10⁵ runs × 100 steps (see sim/config/schema.py).
AGENT_STEP_SECONDS = {"best_response": 0.21e-6, "regret_matching": 0.37e-6, "logit": 0.40e-6,
                      "fictitious_play": 1.0e-6}


def validate_dynamics(data: Mapping[str, Any] | None) -> tuple[str, RuleOptions]:
    """The learning rule's name and options from the ``dynamics`` group."""
    data = _keys("dynamics", data, ("rule", "revision_prob", "lam"),
                 f"choose a learning rule, e.g. dynamics=best_response (one of {', '.join(RULES)})")
    rule = data.pop("rule", "best_response")
    if not isinstance(rule, str) or rule not in RULES:
        raise ConfigError(f"dynamics.rule={show(rule)} is unknown{did_you_mean(rule, RULES)}; "
                          f"allowed: {', '.join(RULES)}")
    if "revision_prob" in data:
        data["revision_prob"] = check_number("dynamics.revision_prob", data["revision_prob"], 0, 1)
    if "lam" in data:
        data["lam"] = check_number("dynamics.lam", data["lam"], 0, LAM_MAX, " 1/($bn/yr)")
    return rule, RuleOptions(**data)


def validate_shocks(scenario: Scenario, shocks) -> tuple[Shock, ...]:
    """``abm.shocks``: a list of ``{step: int, set: {dotted parameter: value}}``."""
    if shocks is None:
        raise ConfigError("abm.shocks=null has no meaning; for no shocks use abm.shocks=[]")
    out = []
    for k, s in enumerate(_list("abm.shocks", shocks, "abm.shocks=[{step:100,set:{iraq.nationalism:6}}]")):
        key = f"abm.shocks[{k}]"
        if not isinstance(s, Mapping) or set(s) != {"step", "set"} or not isinstance(s["set"], Mapping):
            raise ConfigError(f"{key}={s!r} must be {{step: int, set: {{parameter: value}}}}")
        values = {}
        for name, v in s["set"].items():
            try:
                values[name] = check_value(param_info(scenario.params_cls, name), v)
            except ConfigError as exc:
                raise ConfigError(f"{key}.set: {exc}") from None
        out.append(Shock(_int(f"{key}.step", s["step"], 2), values))
    return tuple(out)


def validate_abm(scenario: Scenario, cfg: Mapping[str, Any]) -> tuple[AbmOptions, int]:
    """Options of the agent-based model, and the number of recorded baseline runs."""
    abm = _keys("abm", cfg["abm"], block_keys(AbmConf))  # the schema's defaults are filled in
    rule, opts = validate_dynamics(cfg["dynamics"]) if "dynamics" in cfg else ("best_response", RuleOptions())
    why = " (these runs are simulated in one model, ~1-7 KB each)"
    traj = _int("abm.trajectory_replicates", abm.pop("trajectory_replicates"), 0, MAX_MODEL_RUNS, why)
    shocks = validate_shocks(scenario, abm.pop("shocks"))
    game = abm.pop("game", "simultaneous")  # AbmOptions refuses an unknown game in one line
    for key, v in abm.items():
        _int(f"abm.{key}", v, 1, MAX_MODEL_RUNS if key in ("replicates", "max_runs") else None, why)
    seed = _int("seed", cfg["seed"], 0, SEED_MAX)
    return AbmOptions(rule=rule, rule_options=opts, seed=seed, shocks=shocks, game=game, **abm), traj


def check_abm_budget(abm: AbmOptions, trajectory_replicates: int, n_points: int, max_points: int) -> None:
    """Refuse an agent-based run that would take too long or hold too many runs."""
    runs = n_points * abm.replicates
    if runs > max_points:
        raise ConfigError(f"abm: {runs:,} runs (abm.replicates x grid points) is more than max_points={max_points:,} "
                          "(abm_runs.parquet has a row per run, ~160 B each, held in memory until written) "
                          "- lower abm.replicates or the grid, or raise max_points")
    steps = abm.steps * (runs + trajectory_replicates)
    budget = AGENT_STEPS_PER_POINT * max_points
    if steps > budget:
        cost = AGENT_STEP_SECONDS.get(abm.rule, max(AGENT_STEP_SECONDS.values()))
        raise ConfigError(
            f"abm: {steps:,} agent-steps (abm.steps x (abm.replicates x grid points + "
            f"abm.trajectory_replicates)) would take {_duration(steps * cost)} ({abm.rule}: ~{cost:.1e} s each); "
            f"allowed up to {budget:,} ({AGENT_STEPS_PER_POINT} x max_points) - lower abm.steps or "
            f"abm.replicates, or raise max_points")
