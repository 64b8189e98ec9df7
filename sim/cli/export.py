"""``sim export``: a scenario's game at any parameter point, as a Gambit file.

::

    sim export [--at KEY=VALUE ...] [--format efg|nfg] [--scenario NAME] [--out FILE] [--resolve]

``--at`` sets parameters (dotted names, as in ``game.*`` of the run config; the rest keep
their calibrated values); ``--format efg`` writes the sequential game (a
perfect-information tree), ``nfg`` the simultaneous game; every outcome is labelled
with each actor's action and the regime (:func:`sim.gambit.export.outcome_label`).

Uncertain resolve: the efg is the game of uncertain resolve — a chance node for the
typed actor's type (the US: committed or bluffing) just before it moves, with the prior
``us.committed_prior`` — when ``--resolve`` is given, or when the point's prior is below
1 (then the type matters; set the prior to 1 for the complete-information tree). The
nfg is always the complete-information simultaneous game (what ``nash`` solves), so
``--resolve`` with ``--format nfg`` is an error.

``--format`` defaults to the suffix of ``--out``, else ``efg``; ``--out`` defaults to
``<scenario>.<format>`` in the current directory, and ``-`` writes to stdout. The path
written is printed. Bad input (an unknown parameter, a value out of range or not a
number, a malformed ``KEY=VALUE``, an unknown format or scenario) prints one line
``sim export: error: ...`` on stderr and exits with status 2 (docs/how-to/export-to-gambit.md).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from sim.cli.args import OneLineParser, cli_main
from sim.engine.params import ConfigError, check_value, did_you_mean, get_value, param_info, replace_values
from sim.gambit import format_efg, format_nfg, write_efg, write_nfg
from sim.gambit.export import bayes_efg, scenario_efg, scenario_nfg
from sim.scenarios import get_scenario

PROG = "sim export"
FORMATS = ("efg", "nfg")
DEFAULT_SCENARIO = "iraq2020"


def _parser() -> OneLineParser:
    parser = OneLineParser(prog=PROG, description="Export a scenario's game at a parameter point as a Gambit "
                                                  ".efg (sequential) or .nfg (simultaneous) file.")
    parser.add_argument("--at", nargs="*", action="extend", default=[], metavar="KEY=VALUE",
                        help="parameter values, e.g. iraq.nationalism=3 us.credibility=2 (default: the baseline)")
    parser.add_argument("--format", help="efg (sequential game) or nfg (simultaneous game); default: the "
                                         "suffix of --out, else efg")
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO, help=f"scenario name (default: {DEFAULT_SCENARIO})")
    parser.add_argument("--out", help="output file; '-' for stdout (default: <scenario>.<format>)")
    parser.add_argument("--resolve", action="store_true",
                        help="efg: the game of uncertain resolve, a chance node for the US type "
                             "(automatic when us.committed_prior < 1)")
    return parser


def parse_point(params_cls: type, items: Sequence[str]) -> dict[str, float]:
    """``{"iraq.nationalism": 3.0, ...}`` from ``["iraq.nationalism=3", ...]``, each checked
    against the parameter's metadata; ConfigError (one line) for a malformed item, an
    unknown name (with the closest one), a value that is not a number or out of range
    (with the range and unit), or a name given twice."""
    out: dict[str, float] = {}
    for item in items:
        key, eq, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not eq or not key or not text:
            raise ConfigError(f"--at {item!r} is malformed; expected KEY=VALUE, e.g. iraq.nationalism=3")
        info = param_info(params_cls, key)
        if key in out:
            raise ConfigError(f"--at {key} is given twice")
        try:
            value = float(text)
        except ValueError:
            raise ConfigError(f"{key}={text} is not a number; allowed: [{info.low}, {info.high}] {info.unit}") from None
        out[key] = check_value(info, value)
    return out


def export_format(fmt: str | None, out: str | None) -> str:
    """The format asked for: ``fmt``, else the suffix of ``out``, else ``efg``;
    ConfigError if unknown or if it contradicts the suffix of ``out``."""
    suffix = Path(out).suffix.lower().lstrip(".") if out and out != "-" else ""
    if fmt is None:
        return suffix if suffix in FORMATS else "efg"
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is unknown{did_you_mean(fmt, FORMATS)}; allowed: {', '.join(FORMATS)}")
    if suffix in FORMATS and suffix != fmt:
        raise ConfigError(f"--out {out} is a .{suffix} file but --format is {fmt}; make them agree")
    return fmt


def point_title(sc, values: dict[str, float], what: str) -> str:
    """The game's title: the scenario, the game, and the point (``baseline`` or the
    parameters set, ``name=value``)."""
    at = ", ".join(f"{k}={v:g}" for k, v in values.items()) or "baseline"
    return f"{sc.name} {what} at {at}"


def wants_resolve(sc, params, fmt: str, resolve: bool) -> bool:
    """Whether to export the game of uncertain resolve (see the module docstring)."""
    if resolve and fmt != "efg":
        raise ConfigError("--resolve exports the tree with a chance node for the type: use --format efg")
    if sc.types is None:
        if resolve:
            raise ConfigError(f"--resolve: scenario {sc.name} has no actor of uncertain type")
        return False
    return fmt == "efg" and (resolve or float(get_value(params, sc.types.prior)) < 1.0)


def build_game(sc, params, values: dict[str, float], fmt: str, resolve: bool):
    """The game to write: an ExtensiveFormGame or a NormalFormGame, labelled."""
    typed = wants_resolve(sc, params, fmt, resolve)
    if fmt == "nfg":
        return scenario_nfg(sc, params, point_title(sc, values, "simultaneous game"), labelled=True)
    if typed:
        return bayes_efg(sc, params, point_title(sc, values, f"sequential game, uncertain {sc.types.actor} type"))
    return scenario_efg(sc, params, point_title(sc, values, "sequential game"), labelled=True)


@cli_main(PROG)
def main(argv: Sequence[str] | None = None) -> int:
    """``sim export ...``: write the game at a point; 0, or 2 after one line on bad input."""
    args = _parser().parse_args(argv)
    fmt = export_format(args.format, args.out)
    sc = get_scenario(args.scenario)
    values = parse_point(sc.params_cls, args.at)
    params = replace_values(sc.params_cls(), values)
    game = build_game(sc, params, values, fmt, args.resolve)
    if args.out == "-":
        sys.stdout.write(format_efg(game) if fmt == "efg" else format_nfg(game))
        return 0
    out = Path(args.out or f"{sc.name}.{fmt}")
    (write_efg if fmt == "efg" else write_nfg)(out, game)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
