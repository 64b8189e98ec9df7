"""`sim-paper`: one command regenerates every figure, a summary and a manifest."""

from __future__ import annotations

import csv
import json

import pytest

import sim.cli.paper as paper


def test_paper_tiny(tmp_path, monkeypatch):
    monkeypatch.setattr(paper, "experiments", lambda: ["nationalism_strip", "sobol_regime"])
    out = tmp_path / "paper"
    assert paper.main(["--out", str(out), "--sensitivity-n", "64"]) == 0
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {"nationalism_strip--phase_diagram.png", "sobol_regime--sensitivity.png"} <= figures
    m = json.loads((out / "runs" / "sobol_regime" / "sobol_regime" / "manifest.json").read_text())
    assert m["config"]["sensitivity"]["n"] == 64
    rows = list(csv.DictReader(open(out / "summary.csv")))
    assert {r["experiment"] for r in rows} == {"nationalism_strip"}  # the sensitivity run has no grid
    assert {r["concept"] for r in rows} == {"spe", "nash"}
    spe = next(r for r in rows if r["concept"] == "spe")
    assert spe["baseline_regime"] == "negotiated drawdown"  # Model 2's baseline (docs/model.md §7)
    m = json.loads((out / "manifest.json").read_text())
    assert "summary.csv" in m["files"] and not list(tmp_path.glob(".paper*"))


@pytest.mark.slow
def test_paper_full(tmp_path):
    assert paper.main(["--out", str(tmp_path / "paper")]) == 0
