"""Bargaining and voting over options (pure numpy): probabilistic Condorcet elections (``pce``)."""

from sim.bargain.pce import pce, pce_from_coalitions

__all__ = ["pce", "pce_from_coalitions"]
