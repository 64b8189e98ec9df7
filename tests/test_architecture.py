"""docs/architecture.md is the map, and the code keeps to it.

The map's table of rooms gives every module of ``sim`` a floor; this test walks every
``import`` of the package with :mod:`ast` (imports inside functions included: a lazy
import is still a dependency) and checks that

* every module is in exactly one room of the map (a new module needs a room);
* no module imports one on a higher floor, except the debts listed in the map's table
  of known exceptions, each of which must still exist (a paid debt leaves the table);
* no two modules import each other, directly or round a circle.

Imports under ``if __name__ == "__main__":`` are left out: ``python -m sim.x`` runs the
file as the module ``__main__``, apart from ``sim.x``.
"""

from __future__ import annotations

import ast
import re
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sim"
MAP = ROOT / "docs" / "architecture.md"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the package (a package by its ``__init__``), by dotted name."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports (``from sim import x`` counts as ``sim.x``
    when ``x`` is a module); the package face ``sim`` itself is left out."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    tree = ast.parse(path.read_text(), str(path))
    for node in list(tree.body):  # ``python -m sim.x`` runs the file as __main__, a module apart
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            tree.body.remove(node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # 'sim.abm.solver.AbmOptions' -> 'sim.abm.solver'
                t = t.rpartition(".")[0]
            if t and t != "sim" and t != name:
                out.add(t)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: imports_of(m, p, set(mods)) for m, p in mods.items()}


def the_map() -> tuple[dict[str, tuple[int, str]], set[tuple[str, str]]]:
    """(module pattern -> (floor, room)), {(importer, imported)} known exceptions."""
    rooms, debts = {}, set()
    for line in MAP.read_text().splitlines():
        m = re.match(r"^\| (\d+) \| (\w[\w /-]*) \| (.+?) \|", line)
        if m:
            for pattern in re.findall(r"`(sim[\w.*]*)`", m[3]):
                rooms[pattern] = (int(m[1]), m[2].strip())
        d = re.match(r"^\| `(sim[\w.]*)` → `(sim[\w.]*)` \|", line)
        if d:
            debts.add((d[1], d[2]))
    return rooms, debts


def floor_of(module: str, rooms: dict[str, tuple[int, str]]) -> list[tuple[int, str]]:
    return [v for pattern, v in rooms.items() if fnmatch(module, pattern)]


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_the_import_walker_sees_lazy_and_package_imports():
    g = graph()
    assert "sim.store.rundir" in g["sim.store.table"]  # a module-level import
    assert "sim.cli.app" in g["sim.__main__"]
    assert "sim.scenarios.iraq2020_v1" in g["sim.scenarios"]  # a package, by its face
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_module_has_exactly_one_room():
    rooms, _ = the_map()
    problems = {m: floor_of(m, rooms) for m in modules() if m != "sim"}
    bad = {m: v for m, v in problems.items() if len(v) != 1}
    assert not bad, f"give each module one room in docs/architecture.md: {bad}"


def test_no_module_imports_a_higher_floor_except_the_listed_debts():
    rooms, debts = the_map()
    g = graph()
    upward = set()
    for m, targets in g.items():
        if m == "sim":
            continue
        (fm, _), = floor_of(m, rooms)
        for t in targets:
            (ft, _), = floor_of(t, rooms)
            if ft > fm:
                upward.add((m, t))
    new = sorted(upward - debts)
    paid = sorted(debts - upward)
    assert not new, f"imports up the floors (move the code, or list the debt in docs/architecture.md): {new}"
    assert not paid, f"debts no longer owed: remove them from docs/architecture.md: {paid}"


def test_no_import_circles():
    assert cycles(graph()) == []
