"""The registry of solution concepts: one :class:`SolverSpec` per concept.

Everything above the engine that depends on which concepts exist loops over
:data:`SOLVERS` instead of naming them: config validation (the names allowed in
``solvers``, each concept's option block), ``docs/config.md``, the run (which concepts
to solve, extra files to write), the table, the phase diagram's panels and the
captions, and the concepts a sensitivity analysis may vary.

A new concept is one module that builds a :class:`SolverSpec` and one line here (or,
for a plug-in, a call to :func:`register`); see docs/how-to/add-a-solver.md.
"""

from __future__ import annotations

from sim.engine.params import ConfigError, did_you_mean
from sim.solvers import abm, bayes, nash, qre, spe, twolevel
from sim.solvers.spec import SolverSpec

SOLVERS: dict[str, SolverSpec] = {}
"""Every concept by name, in the order panels and captions show them."""


def register(spec: SolverSpec, replace: bool = False) -> SolverSpec:
    """Add ``spec`` to :data:`SOLVERS` (a plug-in's concept); refuse a name already taken."""
    if spec.name in SOLVERS and not replace:
        raise ValueError(f"solver {spec.name!r} is already registered")
    if not spec.name.isidentifier() or spec.name != spec.name.lower():
        raise ValueError(f"solver name {spec.name!r} must be a lower-case identifier (it prefixes column names)")
    SOLVERS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a concept (for tests of plug-ins)."""
    SOLVERS.pop(name, None)


def get_solver(name: str) -> SolverSpec:
    """The registered concept ``name``; ConfigError (one line) otherwise."""
    try:
        return SOLVERS[name]
    except (KeyError, TypeError):
        raise ConfigError(f"solvers: {name!r} is unknown{did_you_mean(str(name), SOLVERS)}; "
                          f"allowed: {', '.join(SOLVERS)}") from None


def phase_concepts() -> tuple[SolverSpec, ...]:
    """The concepts with a panel in the phase diagram, in registry order."""
    return tuple(s for s in SOLVERS.values() if s.regime_column)


def sensitivity_concepts() -> tuple[str, ...]:
    """The concepts a sensitivity analysis can vary."""
    return tuple(n for n, s in SOLVERS.items() if s.sensitivity_outcome)


for _module in (spe, nash, bayes, qre, abm, twolevel):
    register(_module.SPEC)
