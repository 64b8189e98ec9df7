"""``python -m sim.plot``: the same as ``sim-plot`` (:mod:`sim.cli.plot`)."""

import sys

from sim.cli.plot import main

if __name__ == "__main__":
    sys.exit(main())
