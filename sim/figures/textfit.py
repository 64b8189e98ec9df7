"""Fit text to a figure's width: measure it in the style's fonts, wrap it, and choose how
many columns a legend can have.

Figures here are laid out for print (:data:`sim.figures.style.PAGE_WIDTH`, :data:`sim.figures.style.COLUMN_WIDTH`)
at fixed font sizes, so long titles and labels are wrapped to the room they have rather
than shrunk. Widths are in inches; ``key`` names the rcParams entry whose font size
applies (``"axes.titlesize"``, ``"legend.fontsize"``, ...), read when called, so call
these under the style the figure is drawn with.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import matplotlib
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

_TEXT_PATH = TextToPath()


def font_size(key: str = "font.size") -> float:
    """Size in points of the rcParams font ``key`` (``"axes.titlesize"``, ``"legend.fontsize"``, ...)."""
    return FontProperties(size=matplotlib.rcParams[key]).get_size_in_points()


def text_width(text: str, key: str = "font.size") -> float:
    """Width in inches of the widest line of ``text`` in the rcParams font ``key``."""
    prop = FontProperties(size=font_size(key))
    return max(_TEXT_PATH.get_text_width_height_descent(line, prop, ismath=False)[0]
               for line in str(text).split("\n")) / 72.0


def _greedy_lines(words: list[str], width: float, key: str) -> list[str]:
    lines, line = [], ""
    for word in words:
        trial = f"{line} {word}" if line else word
        if line and text_width(trial, key) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line]


def wrap_text(text: str, width: float, key: str = "font.size") -> str:
    """Break ``text`` at spaces so that no line is wider than ``width`` inches (in the font
    ``key``), in as few lines as that allows, of even widths; line breaks already in
    ``text`` are kept, a single word too wide stays whole."""
    out = []
    for para in str(text).split("\n"):
        words = para.split(" ")
        lines = _greedy_lines(words, width, key)
        w = width
        while len(lines) > 1:  # narrow the measure while the line count holds: balanced lines
            w -= 0.05
            narrower = _greedy_lines(words, w, key)
            if len(narrower) > len(lines) or w <= 0:
                break
            lines = narrower
        out.extend(lines)
    return "\n".join(out)


def legend_ncols(labels: Sequence[str], width: float, handlelength: float = 1.6, max_cols: int | None = None) -> int:
    """Most legend columns (at most ``max_cols``) whose row of entries fits in ``width`` inches."""
    rc = matplotlib.rcParams
    em = font_size("legend.fontsize") / 72.0
    entry = [(handlelength + rc["legend.handletextpad"]) * em + text_width(lab, "legend.fontsize") for lab in labels]
    for n in range(min(len(entry), max_cols or len(entry)), 1, -1):
        rows, big = divmod(len(entry), n)  # as matplotlib fills a legend: column by column
        sizes = [rows + 1] * big + [rows] * (n - big)
        total = sum(max(entry[a:b]) for a, b in itertools.pairwise([0, *itertools.accumulate(sizes)]) if b > a)
        total += ((n - 1) * rc["legend.columnspacing"] + 2 * rc["legend.borderpad"]) * em
        if total <= width:
            return n
    return 1
