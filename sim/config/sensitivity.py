"""The options of a sensitivity analysis, and the SALib problem it varies.

Below the run config (which validates the ``sensitivity`` block with these) and below
:mod:`sim.analysis.sensitivity` (which runs the analysis): parameters and errors only, no SALib,
no solvers, no figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.solvers.registry import sensitivity_concepts
from sim.engine.params import ConfigError, iter_params

METHODS = ("sobol", "morris", "prior")
CONCEPTS = sensitivity_concepts()  #: the registry's concepts with a sensitivity outcome
#: Default Sobol base sample size N (a power of two): N * (D + 2) model evaluations,
#: 16384 * 40 = 655,360 SPE solutions for the 38 Iraq-2020 parameters.
DEFAULT_SOBOL_N = 16384
#: Default number of Morris trajectories: r * (D + 1) evaluations (9,984 for D = 38).
DEFAULT_TRAJECTORIES = 256
#: Default number of Monte-Carlo draws of ``prior`` (the prior-predictive regime share).
DEFAULT_PRIOR_N = 100_000
#: Values per parameter of ``prior``'s robustness grid over its documented range.
ROBUSTNESS_POINTS = 2001
DEFAULT_LEVELS = 4
DEFAULT_RESAMPLES = 100


def problem(params_cls, names: Sequence[str] | None = None,
            ranges: Mapping[str, Sequence[float]] | None = None) -> dict:
    """The SALib problem over the chosen parameters, bounded by their documented ranges.

    Parameters
    ----------
    params_cls : type
        A scenario's parameter dataclass (e.g. ``GameParams``).
    names : sequence of str, optional
        Dotted parameter names to vary, in this order; default: every parameter.
    ranges : mapping, optional
        ``{name: (low, high)}`` narrower bounds for some of ``names``; each must lie
        inside the documented range, with ``low < high``.

    Returns
    -------
    dict
        ``{"num_vars": D, "names": [...], "bounds": [[low, high], ...], "units": [...]}``
        (SALib ignores ``units``; the tables and figures use it).

    Raises
    ------
    ConfigError
        On an unknown or repeated name, a range for a parameter not varied, or a range
        outside the documented one or empty.
    """
    infos = {i.name: i for i in iter_params(params_cls)}
    names = list(infos) if names is None else list(names)
    if not names:
        raise ConfigError("no parameters to vary; give at least one")
    for name in names:
        if name not in infos:
            raise ConfigError(f"unknown parameter '{name}'; known parameters: {', '.join(infos)}")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"parameter '{dup[0]}' is listed twice")
    ranges = dict(ranges or {})
    bounds = []
    for name in names:
        info = infos[name]
        lo, hi = ranges.pop(name, (info.low, info.high))
        lo, hi = float(lo), float(hi)
        if not (math.isfinite(lo) and math.isfinite(hi) and info.low <= lo < hi <= info.high):
            raise ConfigError(f"range of {name} must satisfy {info.low} <= low < high <= {info.high} "
                              f"{info.unit}; got [{lo}, {hi}]")
        bounds.append([lo, hi])
    if ranges:
        raise ConfigError(f"range given for '{next(iter(ranges))}', which is not among the varied parameters")
    return {"num_vars": len(names), "names": names, "bounds": bounds,
            "units": [infos[n].unit for n in names]}


def _key(default, allowed: str, doc: str):
    """A field with its reference text (docs/config.md is generated from it)."""
    return field(default=default, metadata={"allowed": allowed, "doc": doc})


def check_int(name: str, value, low: int) -> int:
    """``value`` as an int if it is one and ``>= low``, else :class:`ConfigError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"{name}={value!r} must be an integer >= {low}")
    return int(value)


@dataclass(frozen=True)
class SensitivityOptions:
    """One analysis: the ``sensitivity`` block of a run config, or the CLI's options.

    ``method``: "sobol", "morris" or "prior"; ``n``: Sobol base sample size N (a power of
    two), number of Morris trajectories or of prior draws, None for the method's default
    (:attr:`size`);
    ``concept``: "spe" or "bayes" (:func:`regime_outputs`); ``params``: dotted names of
    the parameters varied, None for every one; ``seed``: seeds the design and the
    bootstrap; ``resamples``: bootstrap resamples; ``levels``: Morris grid levels (even);
    ``second_order``: Sobol pairwise indices too; ``top``: parameters per figure panel.
    """

    method: str = _key("sobol", ", ".join(f"`{m}`" for m in METHODS),
                       "`sobol`: variance-based indices S1, ST; `morris`: elementary-effects screening μ*, σ; "
                       "`prior`: Monte-Carlo share of each regime (95 % interval) and the robustness of the "
                       "calibrated point's SPE regime")
    n: int | None = _key(None, "null, or `>= 2`; a power of two for `sobol`",
                         "Sobol base sample size N (N·(D+2) games for D parameters), Morris trajectories "
                         f"(N·(D+1) games) or prior draws (N + {ROBUSTNESS_POINTS}·D + 1 games); null: "
                         f"{DEFAULT_SOBOL_N} (sobol), {DEFAULT_TRAJECTORIES} (morris) or {DEFAULT_PRIOR_N} (prior)")
    concept: str = _key("spe", ", ".join(f"`{c}`" for c in CONCEPTS),
                        "the outcome: `spe` 0/1 indicator of each subgame-perfect regime; `bayes` probability of "
                        "each regime under uncertain US resolve (needs a typed actor)")
    params: tuple[str, ...] | None = _key(None, "null, or dotted parameter names of the scenario, each once",
                                          "the parameters varied, each uniformly over its documented range; null: "
                                          "every one; the others stay at their `game` values")
    seed: int = _key(0, "`>= 0`", "seeds the Sobol' design (Morris trajectories, prior draws) and the bootstrap")
    resamples: int = _key(DEFAULT_RESAMPLES, "`>= 2`; N × resamples at most 10^8 (unused by `prior`)",
                          "bootstrap resamples for the 95 % confidence intervals (`prior`'s are Wilson or normal "
                          "intervals, no bootstrap)")
    levels: int = _key(DEFAULT_LEVELS, "`>= 2`, even", "Morris grid levels (used only by `morris`)")
    second_order: bool = _key(False, "`true`, `false` (`true` only with `sobol`)",
                              "also the pairwise indices S2 (N·(2D+2) games)")
    top: int = _key(10, "`>= 1`", "parameters shown per figure panel (largest ST or μ*; `prior`: the most "
                                   "fragile)")

    @property
    def size(self) -> int:
        """N (Sobol), the number of trajectories (Morris) or of draws (prior): ``n``, else
        the method's default."""
        if self.n is not None:
            return self.n
        return {"sobol": DEFAULT_SOBOL_N, "prior": DEFAULT_PRIOR_N}.get(self.method, DEFAULT_TRAJECTORIES)

    def evaluations(self, d: int) -> int:
        """Games solved when ``d`` parameters are varied."""
        if self.method == "morris":
            return self.size * (d + 1)
        if self.method == "prior":  # the draws, the robustness grids and the calibrated point
            return self.size + ROBUSTNESS_POINTS * d + 1
        return self.size * (2 * d + 2 if self.second_order else d + 2)


#: Lower bounds of the integer options.
LOWER = {"n": 2, "seed": 0, "resamples": 2, "levels": 2, "top": 1}


def check_options(opts: SensitivityOptions,
                  key: Callable[[str], str] = lambda field: f"sensitivity.{field}") -> SensitivityOptions:
    """``opts`` if valid, else :class:`ConfigError` naming the option as ``key(field)``.

    The parameter names are checked by :func:`problem`, which knows the scenario.
    """
    if opts.method not in METHODS:
        raise ConfigError(f"{key('method')}={opts.method!r} is unknown; allowed: {', '.join(METHODS)}")
    if opts.concept not in CONCEPTS:
        raise ConfigError(f"{key('concept')}={opts.concept!r} is unknown; allowed: {', '.join(CONCEPTS)}")
    for name, low in LOWER.items():
        value = getattr(opts, name)
        if not (name == "n" and value is None):
            check_int(key(name), value, low)
    if opts.method == "sobol" and opts.n is not None and opts.n & (opts.n - 1):
        raise ConfigError(f"{key('n')}={opts.n} must be a power of two for a Sobol' design "
                          f"(e.g. {1 << opts.n.bit_length()})")
    if opts.method == "morris" and opts.levels % 2:
        raise ConfigError(f"{key('levels')}={opts.levels} must be even")
    if not isinstance(opts.second_order, bool):
        raise ConfigError(f"{key('second_order')}={opts.second_order!r} must be true or false")
    if opts.second_order and opts.method != "sobol":
        raise ConfigError(f"{key('second_order')} applies only when {key('method')} is sobol")
    return opts
