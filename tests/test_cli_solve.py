"""The ``sim-solve`` command (sim.cli.solve)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.cli.solve import main

PD_NFG = """NFG 1 R "Prisoner's dilemma" { "Row" "Column" }
{ { "Cooperate" "Defect" } { "Cooperate" "Defect" } }
""
{ { "" 3, 3 } { "" 5, 0 } { "" 0, 5 } { "" 1, 1 } }
1 2 3 4
"""

# matching pennies: no pure equilibrium
PENNIES_NFG = 'NFG 1 R "Pennies" { "A" "B" } { 2 2 }\n1 -1 -1 1 -1 1 1 -1\n'

# coordination: two pure equilibria, (0, 0) and (1, 1)
COORD_NFG = 'NFG 1 R "Coordination" { "A" "B" } { { "x" "y" } { "x" "y" } }\n2 2 0 0 0 0 1 1\n'

ENTRY_EFG = """EFG 2 R "Entry deterrence" { "Entrant" "Incumbent" }
""
p "" 1 1 "" { "Out" "In" } 0
t "" 1 "out" { 0, 2 }
p "" 2 1 "" { "Accommodate" "Fight" } 0
t "" 2 "accommodate" { 1, 1 }
t "" 3 "fight" { -1, -1 }
"""

# the incumbent is indifferent between accommodating and fighting
TIE_EFG = ENTRY_EFG.replace("{ -1, -1 }", "{ -1, 1 }")

CHANCE_EFG = """EFG 2 R "Chance first" { "Ann" }
""
c "" 1 "" { "heads" 1/4 "tails" 3/4 } 0
p "" 1 1 "" { "a" "b" } 0
t "" 1 "" { 4 }
t "" 2 "" { 8 }
t "" 3 "" { 0 }
"""


@pytest.fixture
def files(tmp_path):
    """Write the example games; a dict name -> path (str)."""
    texts = {
        "pd.nfg": PD_NFG,
        "pennies.nfg": PENNIES_NFG,
        "coord.nfg": COORD_NFG,
        "entry.efg": ENTRY_EFG,
        "tie.efg": TIE_EFG,
        "chance.efg": CHANCE_EFG,
        "bad.efg": "\n".join(ENTRY_EFG.splitlines()[:-1]),  # the last leaf is missing
        "bad.nfg": "NFG 1 R \"x\" { \"A\" } { 2 } 1 oops\n",
        "game.txt": PD_NFG,
    }
    out = {}
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
        out[name] = str(tmp_path / name)
    out["missing.nfg"] = str(tmp_path / "missing.nfg")
    return out


def _json(capsys, argv):
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return json.loads(captured.out)


def test_pd_json(capsys, files):
    assert _json(capsys, [files["pd.nfg"], "--json"]) == {"players": ["Row", "Column"], "pure_nash": [[1, 1]]}


def test_nfg_json_several_and_none(capsys, files):
    assert _json(capsys, [files["coord.nfg"], "--json"]) == {"players": ["A", "B"], "pure_nash": [[0, 0], [1, 1]]}
    assert _json(capsys, ["--json", files["pennies.nfg"]]) == {"players": ["A", "B"], "pure_nash": []}


def test_pd_human(capsys, files):
    assert main([files["pd.nfg"]]) == 0
    out = capsys.readouterr().out
    assert "Prisoner's dilemma" in out
    assert "1 pure Nash equilibrium" in out
    table = [line.split() for line in out.splitlines()[2:]]
    assert table == [["#", "Row", "Column", "payoffs"], ["1", "Defect", "Defect", "(1,", "1)"]]
    assert main([files["pennies.nfg"]]) == 0
    assert "no pure Nash equilibrium" in capsys.readouterr().out


def test_entry_deterrence_json(capsys, files):
    assert _json(capsys, [files["entry.efg"], "--json"]) == {
        "players": ["Entrant", "Incumbent"],
        "spe": {"path": ["In", "Accommodate"], "payoffs": [1.0, 1.0], "unique": True},
    }


def test_tie_is_not_unique(capsys, files):
    # ties resolve to the first-listed action
    assert _json(capsys, [files["tie.efg"], "--json"]) == {
        "players": ["Entrant", "Incumbent"],
        "spe": {"path": ["In", "Accommodate"], "payoffs": [1.0, 1.0], "unique": False},
    }
    assert main([files["tie.efg"]]) == 0
    assert "not unique" in capsys.readouterr().out


def test_chance_root_gives_expected_payoffs(capsys, files):
    result = _json(capsys, [files["chance.efg"], "--json"])
    assert result == {"players": ["Ann"], "spe": {"path": [], "payoffs": [0.25 * 8 + 0.75 * 0], "unique": True}}
    assert main([files["chance.efg"]]) == 0
    assert "expected" in capsys.readouterr().out


def test_entry_human(capsys, files):
    assert main([files["entry.efg"]]) == 0
    out = capsys.readouterr().out
    assert "'In' -> 'Accommodate'" in out
    assert "Entrant = 1" in out and "Incumbent = 1" in out
    assert "(unique)" in out


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("missing.nfg", "no such file"),
        ("bad.efg", "the tree is incomplete"),
        ("bad.nfg", "expected payoff 2 of 2"),
        ("game.txt", "unsupported file type '.txt'"),
    ],
)
def test_errors_exit_2_with_one_line(capsys, files, name, fragment):
    assert main([files[name], "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("sim-solve: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in captured.err


def test_usage_error_exit_2(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("sim-solve: error: ")


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "sim.cli.solve", *args], capture_output=True, text=True, timeout=60
    )


def test_subprocess_success_and_errors(files):
    proc = _run(files["entry.efg"], "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "players": ["Entrant", "Incumbent"],
        "spe": {"path": ["In", "Accommodate"], "payoffs": [1.0, 1.0], "unique": True},
    }
    proc = _run(files["pd.nfg"], "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["pure_nash"] == [[1, 1]]
    for name in ("missing.nfg", "bad.efg", "game.txt"):
        proc = _run(files[name])
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert len(proc.stderr.splitlines()) == 1
        assert proc.stderr.startswith("sim-solve: error: ")
        assert "Traceback" not in proc.stderr
