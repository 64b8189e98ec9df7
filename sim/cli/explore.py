"""``sim explore [--port N] [--scenario NAME]``: serve the interactive explorer on
127.0.0.1 (:mod:`sim.explore`; docs/explorer.md). ``sim`` dispatches here
(:data:`sim.cli.app.SUBCOMMANDS`)."""

from __future__ import annotations

from sim.explore.server import main as serve_main


def main(argv: list[str]) -> int:
    """Serve the explorer; returns the exit status (2 and one line for bad input)."""
    return serve_main(argv)
