"""sim.store.memory: a chunked sweep reuses its freed arrays instead of page-faulting them in again."""

import subprocess
import sys

import pytest

PROBE = """
import resource, sys
from sim.scenarios.iraq2020 import SCENARIO
from sim.store.memory import retain_freed_memory
from sim.solvers.registry import SOLVERS
from sim.engine.sweep import Axis, solve_grid
applied = retain_freed_memory() if sys.argv[1] == "policy" else None
axes = [Axis("iraq.nationalism", tuple(x / 10 for x in range(200))), Axis("us.credibility", tuple(x / 20 for x in range(200)))]
solve = lambda start, stop: solve_grid(SCENARIO, SCENARIO.params_cls(), axes, [SOLVERS["spe"].bind(), SOLVERS["nash"].bind()], 8192, None, start, stop)
solve(0, 8192)  # the first chunk faults its working set in either way
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
solve(8192, 40000)
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True).stdout
    applied, faults = out.split()
    return applied, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the policy is glibc's mallopt (Linux only)")
def test_chunks_reuse_freed_memory():
    applied, with_policy = _faults("policy")
    _, without = _faults("default")
    assert applied == "True"
    # glibc maps the chunks' large temporaries afresh and unmaps them on free, so without
    # the policy every further chunk faults its working set in again
    assert with_policy < without / 4, (with_policy, without)


STREAM_PROBE = """
import sys
import pyarrow as pa
from test_app import composed, tiny
from sim.config.validate import validate_run_config
import sim.runs.run as R

n, tmp = int(sys.argv[1]), sys.argv[2]
data = tiny(composed([f"sweep.x.num={n}", f"sweep.y.num={n}", "chunk_size=4096"]), tmp, f"n{n}")
data["sweep"]["x"]["num"] = data["sweep"]["y"]["num"] = n
cfg = validate_run_config(data)
peak = {}
finish = R.finish
def spy(*args, **kwargs):  # Arrow's high-water mark once the table is written, before the figures
    peak["bytes"] = pa.default_memory_pool().max_memory()
    return finish(*args, **kwargs)
R.finish = spy
R.run(cfg, progress=False)
print(peak["bytes"])
"""


def _arrow_peak(n: int, tmp_path) -> int:
    out = subprocess.run([sys.executable, "-c", STREAM_PROBE, str(n), str(tmp_path)], capture_output=True,
                         text=True, check=True, cwd=str(__import__("pathlib").Path(__file__).parent))
    return int(out.stdout.split()[-1])


def test_a_run_writes_its_table_a_chunk_at_a_time(tmp_path):
    """The table goes to disk as it is solved: Arrow's peak memory before the figures is
    the same for a grid 4 times larger, both several row groups (holding the table would
    make it grow with the grid)."""
    small, large = _arrow_peak(300, tmp_path), _arrow_peak(600, tmp_path)  # 9 x 10^4 and 3.6 x 10^5 points
    assert large < 1.5 * small, (small, large)
