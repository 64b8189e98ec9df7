"""Serving the explorer: ``sim explore --port N`` (and ``python -m sim.explore``).

The app (:mod:`sim.explore.app`) runs in Solara's Starlette server under uvicorn, on
127.0.0.1 only. The page needs nothing from the internet: Solara's own files and the
JavaScript it would otherwise take from a CDN come from the ``solara-assets`` package
(the ``explore`` extra), which the server finds in its proxy cache directory, and
Solara's usage statistics are switched off before Solara is imported.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import sys
import warnings
from collections.abc import Sequence

from sim.engine.params import ConfigError

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP = "sim.explore.app"  #: the module Solara serves (its ``routes``)
#: Environment Solara reads when it is imported: no usage statistics sent anywhere, no banner.
OFFLINE_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
               "SOLARA_THEME_SHOW_BANNER": "False",  # no corner banner over the page
               "SOLARA_THEME_TITLE": "sim explorer"}
#: Warnings that say nothing to a user of the explorer: a session cookie on plain http on 127.0.0.1.
QUIET = (r"Cookies with samesite=none require https",)
INSTALL_HINT = 'the explorer needs Solara and Mesa\'s visualisation: pip install "sim[explore]"'


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """``--port N`` (1-65535; 0 = any free port), ``--scenario NAME``; ConfigError (one line)
    for anything else."""
    parser = argparse.ArgumentParser(prog="sim explore", exit_on_error=False,
                                     description="Serve the interactive explorer on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    parser.add_argument("--scenario", default="iraq2020", help="scenario to explore (default iraq2020)")
    try:
        args, extra = parser.parse_known_args(list(argv))
    except argparse.ArgumentError as exc:
        raise ConfigError(f"sim explore: {exc}; usage: sim explore [--port N] [--scenario NAME]") from None
    if extra:
        raise ConfigError(f"sim explore: unknown argument {extra[0]!r}; usage: sim explore [--port N] [--scenario NAME]")
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port={args.port} is out of range; allowed: [1, 65535], or 0 for any free port")
    return args


def check_installed() -> None:
    """ConfigError (one line, how to install) unless Solara, its assets and what Mesa's
    visualisation needs (altair) are installed."""
    missing = [m for m in ("solara", "solara_assets", "altair", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigError(f"{INSTALL_HINT} (missing: {', '.join(missing)})")


def free_or_any(port: int) -> int:
    """``port`` if 127.0.0.1 can bind it (0: a free port, chosen now); ConfigError if taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            raise ConfigError(f"--port={port}: {HOST}:{port} is in use; choose another port, "
                              "or --port 0 for any free one") from None
        return s.getsockname()[1]


def serve(port: int = DEFAULT_PORT, scenario: str = "iraq2020") -> None:
    """Serve the explorer of ``scenario`` on http://127.0.0.1:``port`` until interrupted."""
    from sim.scenarios import get_scenario

    get_scenario(scenario)  # an unknown name fails here, in one line, not in the page
    port = free_or_any(port)
    os.environ.update(OFFLINE_ENV)
    os.environ["SOLARA_APP"] = APP
    os.environ["SIM_EXPLORE_SCENARIO"] = scenario
    for message in QUIET:
        warnings.filterwarnings("ignore", message=message, category=UserWarning)
    check_installed()
    import uvicorn

    from sim.explore import jobs

    jobs.pool()  # the figures' worker starts while the server does
    print(f"sim explore: serving {scenario} on http://{HOST}:{port}/ (Ctrl-C stops it)", flush=True)
    try:
        uvicorn.run("solara.server.starlette:app", host=HOST, port=port, log_level="warning")
    finally:
        jobs.shutdown()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sim explore``: 0 when stopped, 2 (one line on stderr) for bad input."""
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        serve(args.port, args.scenario)
    except ConfigError as exc:
        print(f"sim explore: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
