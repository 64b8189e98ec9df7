"""Each experiment, coarse, gives the committed reference data (tests/golden.py): labels,
regimes, actions and counts exactly, floats within sim.store.compare's RTOL/ATOL, on any CPU."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from golden import GOLDEN, VERSIONS, experiments_of, golden_table, solve

from sim.store.compare import ATOL, DIFFERENT, IDENTICAL, RTOL, compare_tables

#: numpy's AVX-512 kernels off: the AVX2 ones run instead (no effect on a CPU without them)
AVX2_ONLY = "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512_SKX"


@pytest.mark.parametrize("version", VERSIONS)
def test_every_experiment_has_a_reference(version):
    assert experiments_of(version) and {p.stem for p in (GOLDEN / version).glob("*.csv")} == set(experiments_of(version))


@pytest.mark.parametrize("experiment, version", [(e, v) for v in VERSIONS for e in experiments_of(v)])
def test_coarse_experiment_matches_its_reference(experiment, version):
    """Model 2 (``iraq2020``) and version 1 (``iraq2020_v1``: the published v1 figures
    still reproduce)."""
    expected = golden_table((GOLDEN / version / f"{experiment}.csv").read_text())
    report = compare_tables(expected, golden_table(solve(experiment, version)))
    assert report.verdict != DIFFERENT, (
        f"{experiment} ({version or 'Model 2'}): results changed (floats compared with rtol={RTOL}, atol={ATOL}):\n  "
        + "\n  ".join(report.lines())
        + f"\nif deliberate, run `python tests/golden.py {version}` and record why in docs/changelog.md")


def _edited(text: str, column: str, edit) -> str:
    """``text`` (CSV) with the cell of ``column`` in the first row replaced by ``edit(cell)``."""
    rows = list(csv.reader(io.StringIO(text)))
    j = rows[0].index(column)
    rows[1][j] = edit(rows[1][j])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def test_the_comparison_catches_a_changed_float_and_a_changed_label():
    text = (GOLDEN / "v1" / "concepts.csv").read_text()
    expected = golden_table(text)
    nudged = _edited(text, "qre_prob_confrontation", lambda c: repr(float(c) * (1 + 1e-6)))
    lines = compare_tables(expected, golden_table(nudged)).lines()
    assert lines and lines[0].startswith("column qre_prob_confrontation: 1 of 30 cells outside the tolerance (rows 0)")
    relabelled = _edited(text, "spe_regime", lambda c: "hedging" if c != "hedging" else "confrontation")
    report = compare_tables(expected, golden_table(relabelled))
    assert report.verdict == DIFFERENT and [c.name for c in report.columns if c.n_differ] == ["spe_regime"]
    within = _edited(text, "qre_prob_confrontation", lambda c: repr(float(c) * (1 + RTOL / 10)))
    assert compare_tables(expected, golden_table(within)).verdict == "numerically equal"


@pytest.mark.parametrize("experiment", ["concepts", "parliament", "backtest", "backtest_blocs", "history_matching",
                                        "three_countries"])
def test_other_simd_kernels_give_numerically_equal_results(experiment):
    """concepts (the QRE: exp and log over logit choice probabilities), parliament (the PCE's
    logs), backtest and backtest_blocs (a QRE fitted by an optimiser, the reputation's fixed
    points), history_matching (accepted draws decided by the MPE's ties) and three_countries
    (Monte Carlo regimes) solved with numpy's AVX-512 kernels disabled, against this
    process's kernels."""
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": AVX2_ONLY}
    code = f"import sys; from golden import solve; sys.stdout.write(solve({experiment!r}))"
    other = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent, env=env,
                           capture_output=True, text=True, check=True).stdout
    report = compare_tables(golden_table(solve(experiment)), golden_table(other))
    assert report.verdict in (IDENTICAL, "numerically equal"), "\n".join(report.lines())
