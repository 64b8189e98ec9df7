"""Argument parsing for the stand-alone commands, with argparse's errors on one line.

argparse prints its whole usage text before an error; the project's standard is one line
naming what is wrong (docs/errors.md). :class:`OneLineParser` prints
``<prog>: error: <message> (see <prog> --help)`` to stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys


class OneLineParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose usage errors are one line, exit 2."""

    def error(self, message: str):  # noqa: D102 (argparse API)
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)
