"""sim.memory: a chunked sweep reuses its freed arrays instead of page-faulting them in again."""

import subprocess
import sys

import pytest

PROBE = """
import resource, sys
from sim.iraq2020 import SCENARIO
from sim.memory import retain_freed_memory
from sim.solvers import SOLVERS
from sim.sweep import Axis, solve_grid
applied = retain_freed_memory() if sys.argv[1] == "policy" else None
axes = [Axis("iraq.nationalism", tuple(x / 10 for x in range(200))), Axis("us.credibility", tuple(x / 20 for x in range(200)))]
solve = lambda start, stop: solve_grid(SCENARIO, SCENARIO.params_cls(), axes, [SOLVERS["spe"], SOLVERS["nash"]], 8192, None, start, stop)
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
