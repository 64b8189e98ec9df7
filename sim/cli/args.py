"""The stand-alone commands' command line and errors, each on one line.

argparse prints its whole usage text before an error; the project's standard is one line
naming what is wrong (docs/errors.md). :class:`OneLineParser` prints
``<prog>: error: <message> (see <prog> --help)`` to stderr and exits with status 2.

:func:`cli_errors` (a context manager) and :func:`cli_main` (a decorator of ``main``)
turn the errors a command reports into ``<prog>: error: <message>``, one line on stderr,
and its exit status: 2 for bad input (:class:`~sim.engine.params.ConfigError`,
:class:`~sim.store.table.ResultsError`), 1 for a failure (an OSError, such as
:class:`~sim.store.rundir.WriteError`: ``cannot write results: <path>: <cause>``).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sim.engine.params import ConfigError
from sim.store.rundir import WriteError
from sim.store.table import ResultsError


class OneLineParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose usage errors are one line, exit 2."""

    def error(self, message: str):  # noqa: D102 (argparse API)
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def exit_status(exc: BaseException, failures: tuple[type[BaseException], ...] = ()) -> int | None:
    """2 for bad input (ConfigError, ResultsError), 1 for an OSError or one of
    ``failures``; None for an error a command does not report (a bug: its traceback)."""
    if isinstance(exc, (ConfigError, ResultsError)):
        return 2
    if isinstance(exc, (OSError, *failures)):
        return 1
    return None


def error_message(exc: BaseException) -> str:
    """``exc`` as one line: a WriteError as ``cannot write results: <path>: <cause>``,
    another OSError as ``<path>: <cause>``, anything else as its message."""
    if isinstance(exc, WriteError):
        return f"cannot write results: {exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename is not None else exc.strerror
    return " ".join(str(exc).splitlines()) or type(exc).__name__


def report(prog: str, exc: BaseException) -> None:
    """Print ``<prog>: error: <message>`` (one line) to stderr."""
    print(f"{prog}: error: {error_message(exc)}", file=sys.stderr)


@contextmanager
def cli_errors(prog: str, failures: tuple[type[BaseException], ...] = (), reraise: bool = False) -> Iterator[None]:
    """Report an error of the block (:func:`exit_status`) on one line and exit with its
    status (SystemExit). ``failures``: more exception types that exit 1. ``reraise``:
    raise the failures (status 1) instead, e.g. for a launcher that records them; bad
    input still exits 2."""
    try:
        yield
    except Exception as exc:
        status = exit_status(exc, failures)
        if status is None or (status == 1 and reraise):
            raise
        report(prog, exc)
        sys.exit(status)


def cli_main(prog: str, failures: tuple[type[BaseException], ...] = ()) -> Callable:
    """Decorate ``main(argv) -> int``: an error it raises that :func:`exit_status` knows is
    reported on one line and its status returned (argparse's own exits pass through)."""
    def decorate(main: Callable[..., int]) -> Callable[..., int]:
        @functools.wraps(main)
        def wrapper(*args, **kwargs) -> int:
            try:
                return main(*args, **kwargs)
            except Exception as exc:
                status = exit_status(exc, failures)
                if status is None:
                    raise
                report(prog, exc)
                return status
        return wrapper
    return decorate
