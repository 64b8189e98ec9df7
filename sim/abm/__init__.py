"""Agent-based model: adaptive Mesa agents playing the scenario's stage game repeatedly."""
