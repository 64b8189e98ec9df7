"""Worked examples that extend the simulator without editing it (docs/how-to/)."""
