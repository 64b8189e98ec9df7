"""``python -m sim.plot RUN_DIR [--format png ...]``: redraw a run's figures from its
saved tables (the command line of :func:`sim.figures.main`, the registry of every figure
a run gets; the phase diagram and QRE path themselves are :mod:`sim.phase`'s).
"""

from __future__ import annotations

import sys

from sim.figures import main

if __name__ == "__main__":
    sys.exit(main())
