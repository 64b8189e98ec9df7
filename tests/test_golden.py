"""Each experiment, coarse, gives exactly the committed reference data (tests/golden.py)."""

from __future__ import annotations

import pytest
from golden import EXPERIMENTS, GOLDEN, solve


def test_every_experiment_has_a_reference():
    assert EXPERIMENTS and {p.stem for p in GOLDEN.glob("*.csv")} == set(EXPERIMENTS)


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_coarse_experiment_matches_its_reference(experiment):
    expected = (GOLDEN / f"{experiment}.csv").read_text()
    got = solve(experiment)
    assert got == expected, (
        f"{experiment}: results changed; if deliberate, run `python tests/golden.py` and record why in "
        "docs/changelog.md")
