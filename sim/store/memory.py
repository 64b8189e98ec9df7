"""Process memory policy for sweeps: reuse freed chunk arrays instead of re-faulting them.

A sweep solves chunk after chunk, and each chunk allocates and frees the same large
arrays (a few MB to tens of MB). glibc's malloc serves blocks that large from a fresh
``mmap`` and unmaps them on ``free``, so every chunk page-faults its whole working set in
again: on this project's 2-core VMs that was a quarter of a 10^6-point sweep's wall time,
spent in the kernel (400k minor faults for 500k points; 32k with the policy below).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD = -1  # glibc mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 << 20  #: blocks below this (bytes) come from the heap and are reused
TRIM_THRESHOLD = 256 << 20  #: free heap kept before memory is handed back to the OS


def retain_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed blocks up to :data:`MMAP_THRESHOLD` for reuse.

    Blocks above 64 MB (whole tables) are still mapped and returned on free, and at most
    256 MB of free heap is kept, so peak memory stays bounded by a chunk's working set
    plus the table. Returns whether the policy was applied (False off glibc: a no-op).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
