"""sim: a game-theoretic and agent-based simulator of the US-Russia-Iran-Iraq contest."""

from sim._version import __version__, version_line

__all__ = ["__version__", "version_line"]
