"""Checks for drawn figures, shared by the figure tests: nothing overlaps, nothing is
clipped at the figure's edge; axes are named by labels, not dotted names; a lone panel
carries no letter; PDFs embed no Type 3 fonts."""

from __future__ import annotations

import itertools
import re

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.legend import Legend


def layout_boxes(fig) -> dict:
    """Window extents (pixels) of the pieces of a drawn figure that must neither overlap nor
    leave the figure: every framed axes (panel, colour key, colour bar, insets included)
    with its tick labels, axis labels and title; every legend; every (sub)figure title."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = {}
    for k, ax in enumerate(a for top in fig.axes for a in (top, *top.child_axes)):
        if ax.get_visible() and ax.axison:  # legends are counted on their own, below
            name = (ax.get_gid() or ax.get_title() or ax.get_title(loc="left") or ax.get_title(loc="right")
                    or ax.get_xlabel() or str(k))
            boxes[f"axes {k} {name!r}"] = ax.get_tightbbox(renderer, bbox_extra_artists=[])
    for k, leg in enumerate(fig.findobj(Legend)):
        if leg.get_visible():
            boxes[f"legend {k} {leg.get_texts()[0].get_text()!r}"] = leg.get_window_extent(renderer)
    figs = [fig]
    for f in figs:
        figs.extend(f.subfigs)
    for k, f in enumerate(figs):
        if f._suptitle is not None and f._suptitle.get_text():
            boxes[f"suptitle {k}"] = f._suptitle.get_window_extent(renderer)
    return boxes


def layout_problems(fig, tol: float = 1.0) -> list[str]:
    """Pairs of :func:`layout_boxes` that overlap, and boxes that stick out of the figure
    (by more than ``tol`` pixels)."""
    boxes = layout_boxes(fig)
    out = []
    for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2):
        if ba.overlaps(bb) and min(ba.x1, bb.x1) - max(ba.x0, bb.x0) > tol \
                and min(ba.y1, bb.y1) - max(ba.y0, bb.y0) > tol:
            out.append(f"{a} overlaps {b}")
    page = fig.bbox.padded(tol)
    out += [f"{a} is clipped" for a, b in boxes.items()
            if not (page.contains(b.x0, b.y0) and page.contains(b.x1, b.y1))]
    return out


#: a dotted parameter name (``iraq.nationalism``), which an axis must not show in place of a label
DOTTED = re.compile(r"\b[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\b")


def flat(text: str) -> str:
    """``text`` with its line breaks (from wrapping) turned into single spaces."""
    return " ".join(str(text).split())


def axis_labels(fig) -> list[str]:
    """Every non-empty x and y label of the figure's axes, unwrapped (:func:`flat`)."""
    return [flat(t) for ax in fig.axes for t in (ax.get_xlabel(), ax.get_ylabel()) if t.strip()]


def label_problems(fig) -> list[str]:
    """Axis labels that show a dotted parameter name or a bracketed or pure-number unit
    (``[1]``, ``(1)``, ``[$bn/yr]``), and panel letters on a figure of one lettered panel."""
    out = []
    for text in axis_labels(fig):
        if DOTTED.search(text):
            out.append(f"axis label {text!r} shows a dotted parameter name")
        if "[" in text or text.endswith("(1)"):
            out.append(f"axis label {text!r} shows a unit in brackets or the unit 1")
    titles = [flat(t) for ax in fig.axes if ax.get_visible()
              for t in (ax.get_title(), ax.get_title(loc="left"), ax.get_title(loc="right")) if t]
    figs = [fig]
    for f in figs:
        figs.extend(f.subfigs)
    titles += [flat(f._suptitle.get_text()) for f in figs if f._suptitle is not None]
    lettered = [t for t in titles if re.match(r"^\([a-z]\) ", t)]
    if len(lettered) == 1:
        out.append(f"the one panel is lettered: {lettered[0]!r}")
    return out


def type3_fonts(pdf: bytes) -> bool:
    """Whether a PDF embeds a Type 3 font (glyphs as drawings; journals want Type 42/TrueType)."""
    return re.search(rb"/Subtype\s*/Type3\b", pdf) is not None
