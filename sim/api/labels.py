"""Human labels for the columns of an equilibria table.

A table's columns are machine names (``iraq.nationalism``, ``spe_payoff_us``,
``qre_prob_confrontation``); :func:`column_labels` gives each one words a reader can
follow, built from the same metadata the figures and docs/config.md read: a parameter's
label and unit (:func:`sim.engine.params.param`), a concept's title and the meaning of
each of its columns (:class:`sim.solvers.spec.Column`), the scenario's regime and actor
names. A column it does not know (a multirun's override, say) keeps its name.
"""

from __future__ import annotations

from collections.abc import Iterable

from sim.engine.params import iter_params
from sim.engine.scenario import Scenario
from sim.solvers.registry import SOLVERS
from sim.store.columns import slug


def _with(doc: str, phrase: str, name: str) -> str:
    """``doc`` with its placeholder phrase (``the actor's``, ``the regime``, ...) replaced
    by ``name``; ``doc (name)`` if it has none."""
    for old, new in ((f"the {phrase}'s", f"{name}'s"), (f"that {phrase}", name), (f"the {phrase}", name)):
        if old in doc:
            return doc.replace(old, new, 1)
    return f"{doc} ({name})"


def concept_columns(sc: Scenario) -> dict[str, str]:
    """``{column: label}`` for every column any registered concept gives for ``sc``:
    ``"<concept short title>: <what it holds>"``, e.g. ``"Sequential game: US's payoff on
    the path ($bn/yr)"``."""
    out: dict[str, str] = {}
    for spec in SOLVERS.values():
        head = spec.short_title
        for col in spec.columns:
            if "{regime}" in col.name:
                pairs = [(col.name.format(regime=slug(r)), _with(col.doc, "regime", f"'{r}'")) for r in sc.regimes]
            elif "{actor}" in col.name:
                pairs = [(col.name.format(actor=slug(a.name)), _with(col.doc, "actor", a.name)) for a in sc.actors]
            elif "{option}" in col.name:
                if sc.domestic is None:
                    continue
                actor = sc.actors[sc.players.index(sc.domestic.actor)]
                pairs = [(col.name.format(option=slug(o)), f"{col.doc}: {o}") for o in actor.actions]
            else:
                pairs = [(col.name, col.doc)]
            out.update({name: f"{head}: {text}" for name, text in pairs})
    return out


def parameter_columns(sc: Scenario) -> dict[str, str]:
    """``{dotted name: label with unit}`` for every parameter of ``sc``, e.g.
    ``"Iraqi nationalist cost of hosting US troops ($bn/yr)"``."""
    return {info.name: info.axis_text for info in iter_params(sc.params_cls)}


def column_labels(sc: Scenario, columns: Iterable[str]) -> dict[str, str]:
    """``{column: human label}`` for ``columns`` of a table of scenario ``sc``; a column
    neither a parameter nor a concept's keeps its name. Labels are made unique (a
    repeated one gets `` [column]``), so a table renamed with them keeps every column."""
    known = {**parameter_columns(sc), **concept_columns(sc)}
    columns = list(columns)
    labels = {c: known.get(c, c) for c in columns}
    seen: dict[str, int] = {}
    for text in labels.values():
        seen[text] = seen.get(text, 0) + 1
    return {c: (t if seen[t] == 1 else f"{t} [{c}]") for c, t in labels.items()}
