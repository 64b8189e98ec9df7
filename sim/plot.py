"""Phase diagrams of equilibrium regimes, drawn from a saved equilibria table alone.

Nothing here solves a game: every figure is a pure function of the table written by
:func:`sim.table.write_table` (its columns and its ``sim`` metadata), so a run's figures
can be redrawn at any time with::

    python -m sim.plot RUN_DIR [--format png --format pdf]

Regimes keep one colour everywhere (:data:`PALETTE`, by position in ``meta.regimes``);
grey marks points with no pure Nash equilibrium and ``///`` hatching marks points where
several pure Nash equilibria coexist. Figures are :class:`matplotlib.figure.Figure`
objects built without pyplot, so no global figure state leaks.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from functools import lru_cache, wraps
from pathlib import Path

import matplotlib
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from sim.cliargs import OneLineParser
from sim.manifest import verify_run
from sim.params import ConfigError, iter_params, quantity, with_unit
from sim import rundir
from sim.table import ResultsError, TableMeta, read_parquet, read_table

#: Regime colours by position in ``meta.regimes``: Paul Tol's colour-blind-safe "bright"
#: scheme (blue, red, green, yellow, cyan, purple), then Okabe-Ito extras for long lists.
PALETTE: tuple[str, ...] = (
    "#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377",
    "#E69F00", "#0072B2", "#D55E00", "#CC79A7", "#009E73", "#000000",
)
#: Neutral grey (Tol "bright" grey) for points without a pure Nash equilibrium.
NO_NE_COLOUR = "#BBBBBB"
NO_NE = -1  #: code of "no pure NE" in a regime grid
NO_NE_LABEL = "no pure NE"
SEVERAL_LABEL = "several pure NE"
HATCH = "///"
HATCH_COLOUR = "black"
BASELINE_LABEL = "baseline"
BASELINE_MARKER = dict(marker="*", markersize=14, color="black", markeredgecolor="white", markeredgewidth=1.2)
FORMATS = rundir.FIGURE_FORMATS
FIGURE_NAME = rundir.PHASE_DIAGRAM
TABLE_NAME = rundir.TABLE
QRE_PATH_NAME = rundir.QRE_PATH
SENSITIVITY_TABLE = rundir.SENSITIVITY_TABLE  #: a sensitivity run's table (sim.sensitivity.TABLE_NAME)
PNG_DPI = 200
#: Print widths (in) of a two-column journal page. Figures are drawn at the width they are
#: printed at (a page or a column), so the font sizes below are the sizes on paper.
PAGE_WIDTH = 7.0
COLUMN_WIDTH = 3.4
IMAGE_CELLS = 100_000  #: evenly spaced grids this large are drawn as images, not meshes

#: Font sizes (pt) at the saved size: nothing below 8 pt.
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8.5,
    "figure.titlesize": 10,
    "hatch.linewidth": 0.8,
    "svg.hashsalt": "sim.plot",
    # PDF and PostScript embed TrueType (Type 42) fonts, as journals ask, not Type 3 bitmaps-as-glyphs
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
GAMES = {
    "spe": ("spe_regime", "Sequential game: subgame-perfect equilibrium"),
    "nash": ("nash_regimes", "Simultaneous game: pure Nash equilibria"),
    "bayes": ("bayes_modal_regime", "Uncertain US resolve: most likely outcome"),
    "qre": ("qre_modal_regime", "Logit QRE (sequential): most likely outcome"),
}
#: the concept's name in panel titles where three panels share a page width
SHORT_TITLES = {"spe": "Sequential game", "nash": "Simultaneous game", "bayes": "Uncertain resolve",
                "qre": "Logit QRE"}
BAND_LABELS = {"spe": "Sequential\n(SPE)", "nash": "Simultaneous\n(pure NE)", "bayes": "Uncertain\nresolve",
               "qre": "Logit QRE"}
#: concepts whose tables carry regime probabilities: column of P(confrontation)
PROB_COLUMNS = {"bayes": "bayes_prob_confrontation", "qre": "qre_prob_confrontation"}
PROB_CMAP = "cividis"  # perceptually uniform and colour-blind safe


def figure_columns(schema: pa.Schema, meta: TableMeta) -> list[str]:
    """The columns of an equilibria table that its figures draw: the swept parameters,
    each concept's regime column, ``nash_count``, the probability columns and the
    agent-based ones (not payoffs, actions or per-regime counts)."""
    keep = {a["param"] for a in meta.axes} | {col for col, _ in GAMES.values()} | {"nash_count"}
    keep |= set(PROB_COLUMNS.values())
    return [name for name in schema.names if name in keep or name.startswith("abm_")]


def games_in(table: pa.Table) -> tuple[str, ...]:
    """The solution concepts whose regime column the table has, in :data:`GAMES` order."""
    return tuple(g for g, (col, _) in GAMES.items() if col in table.column_names)


def _styled(func):
    """Run ``func`` under :data:`STYLE` (artists read rcParams when they are created)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


# ----------------------------------------------------------------------------- words


#: Scenarios by the names tables know them by (``meta.scenario``), as found: None if not found.
_SCENARIOS: dict = {}


def _scenario(scenario):
    """The scenario ``scenario`` names (a registry name or import path, as ``meta.scenario``
    or a config's ``scenario``), or None if it cannot be found: a table of an unknown or
    broken plug-in is still drawn, with codes and dotted names in place of words. A
    Scenario is returned as it is."""
    if scenario is not None and not isinstance(scenario, str):
        return scenario
    if scenario not in _SCENARIOS:
        from sim.registry import get_scenario  # imported on use: it imports every built-in scenario

        try:
            _SCENARIOS[scenario] = get_scenario(scenario) if scenario else None
        except ConfigError:
            _SCENARIOS[scenario] = None
    return _SCENARIOS[scenario]


def _run_config(run_dir: Path) -> dict:
    """The run's ``config.yaml`` as a mapping (empty if absent or unreadable)."""
    path = Path(run_dir) / rundir.CONFIG
    try:
        config = yaml.safe_load(path.read_text()) if path.is_file() else None
    except (OSError, yaml.YAMLError):
        return {}
    return config if isinstance(config, dict) else {}


def run_scenario(run_dir: Path):
    """The scenario of a run (its ``config.yaml``), or None. A plug-in scenario is named by
    its import path there but by its own name in the tables; from now on that name finds
    it too, so its figures show its labels."""
    sc = _scenario(_run_config(run_dir).get("scenario"))
    if sc is not None and _SCENARIOS.get(sc.name) is None:
        _SCENARIOS[sc.name] = sc
    return sc


@lru_cache(maxsize=None)
def _param_infos(params_cls: type) -> dict:
    return {i.name: i for i in iter_params(params_cls)}


def _infos(scenario) -> dict:
    """``{dotted name: ParamInfo}`` of ``scenario`` (a Scenario or its name; empty if unknown)."""
    sc = _scenario(scenario)
    return {} if sc is None else _param_infos(sc.params_cls)


def param_label(scenario: str | None, param: str) -> str:
    """The label of parameter ``param`` (dotted) in the scenario named ``scenario``, from its
    metadata (:func:`sim.params.param`), e.g. "Iraqi nationalist cost of hosting US troops";
    ``param`` itself if the scenario or the parameter is unknown."""
    info = _infos(scenario).get(param)
    return info.label if info is not None else param


def axis_label(axis: dict, scenario: str | None = None) -> str:
    """Axis title ``"<label> (<unit>)"`` of a table axis (``meta.axes[k]``), e.g. ``"Iraqi
    nationalist cost of hosting US troops ($bn/yr)"``: the axis's own ``label`` if the table
    records one, else the label of its parameter in ``scenario``; a pure number (unit
    ``"1"``) shows no unit."""
    return with_unit(axis.get("label") or param_label(scenario, axis["param"]), axis.get("unit"))


def action_name(scenario, actor: str, code: str) -> str:
    """The words figures show for ``actor``'s action ``code``: the scenario's
    ``action_names`` (``scenario``: a Scenario or its name), or the code itself."""
    names = getattr(_scenario(scenario), "action_names", None) or {}
    return (names.get(actor) or {}).get(code, code)


def panel_title(k: int, n: int, title: str) -> str:
    """``"(a) <title>"`` for panel ``k`` of ``n``; the one panel of a figure carries no letter."""
    return f"({_LETTERS[k]}) {title}" if n > 1 else title


def baseline_text(changes: Sequence[str] = ()) -> str:
    """Legend text of the baseline star (or line): :data:`BASELINE_LABEL` where the run kept
    the calibrated parameters, else ``"baseline of this run (us.credibility = 4 $bn/yr)"``
    naming what the run changed (``changes``: ``"name = value unit"`` each)."""
    return f"{BASELINE_LABEL} of this run ({', '.join(changes)})" if changes else BASELINE_LABEL


def run_changes(run_dir: Path) -> tuple[str, ...]:
    """``"name = value unit"`` for every parameter the run's ``config.yaml`` sets away from
    its scenario's default (swept ones included: their value places the baseline); empty
    if the config or the scenario cannot be read."""
    config = _run_config(run_dir)
    sc = run_scenario(run_dir)
    if sc is None:
        return ()
    out = []
    for info in _param_infos(sc.params_cls).values():
        value = config.get("game")
        for part in info.name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value) != info.default:
            out.append(f"{info.name} = {quantity(float(value), info.unit)}")
    return tuple(out)


def say_in_panel(ax: Axes, text: str) -> None:
    """Write ``text`` across the middle of ``ax``: a panel with nothing to show says so."""
    from sim.textfit import wrap_text

    width = ax.get_window_extent().width / ax.get_figure(root=True).dpi
    ax.text(0.5, 0.5, wrap_text(text, max(0.85 * width, 0.8), "font.size"), transform=ax.transAxes,
            ha="center", va="center", zorder=8, gid="panel_note", parse_math=False,
            bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor="0.55", linewidth=0.8))


# ----------------------------------------------------------------------------- data


def regime_colours(regimes: Sequence[str]) -> dict[str, str]:
    """Colour of each regime, by its position in ``regimes`` (cycling past 12).

    Parameters
    ----------
    regimes : sequence of str
        Regime names in plotting order (``meta.regimes``).

    Returns
    -------
    dict
        ``{regime: hex colour}``; the same regime list always gets the same colours.
    """
    return {r: PALETTE[k % len(PALETTE)] for k, r in enumerate(regimes)}


def _column(table: pa.Table, name: str) -> np.ndarray:
    if name not in table.column_names:
        raise ResultsError(f"results table has no column '{name}'")
    return table.column(name).to_numpy(zero_copy_only=False)


def grid_shape(meta: TableMeta) -> tuple[int, ...]:
    """Number of values on each axis, in axis order (the table's C-order shape)."""
    return tuple(int(a["n"]) for a in meta.axes)


def _check_rows(table: pa.Table, meta: TableMeta) -> tuple[int, ...]:
    shape = grid_shape(meta)
    if not 1 <= len(shape) <= 3:
        raise ResultsError(f"results table has {len(shape)} axes; only 1-3 axes can be plotted")
    if table.num_rows != math.prod(shape):
        raise ResultsError(
            f"results table has {table.num_rows} rows but its axes {shape} make {math.prod(shape)} points"
        )
    return shape


def axis_values(table: pa.Table, meta: TableMeta) -> list[np.ndarray]:
    """The swept values of each axis, recovered from the table's parameter columns.

    Parameters
    ----------
    table, meta
        As returned by :func:`sim.table.read_table`.

    Returns
    -------
    list of ndarray
        One 1-D float array of length ``n`` per axis, in axis order.

    Raises
    ------
    ResultsError
        If the table's rows do not form the C-order grid its metadata describes.
    """
    shape = _check_rows(table, meta)
    out = []
    for k, a in enumerate(meta.axes):
        col = np.asarray(_column(table, a["param"]), dtype=float).reshape(shape)
        vals = np.moveaxis(col, k, 0).reshape(shape[k], -1)
        if not np.array_equal(vals, np.repeat(vals[:, :1], vals.shape[1], axis=1)):
            raise ResultsError(f"column '{a['param']}' is not a C-order grid over the axes")
        out.append(vals[:, 0].copy())
    return out


def regime_codes(table: pa.Table, meta: TableMeta, column: str = "spe_regime") -> np.ndarray:
    """Regime of every row as an index into ``meta.regimes``.

    Parameters
    ----------
    table, meta
        As returned by :func:`sim.table.read_table`.
    column : str
        A regime column: ``"spe_regime"`` (one name per row) or ``"nash_regimes"``
        ('|'-joined names; the first in regime order is taken, '' gives :data:`NO_NE`).

    Returns
    -------
    ndarray of int, shape (n_rows,)
        Codes ``0 .. len(meta.regimes) - 1``, or :data:`NO_NE` (-1) where the cell is ''.

    Raises
    ------
    ResultsError
        If the column is missing or names a regime not in ``meta.regimes``.
    """
    if column not in table.column_names:
        raise ResultsError(f"results table has no column '{column}'")
    # dictionary-encode in Arrow (C++): a few distinct labels among up to millions of rows
    col = table.column(column)
    encoded = (col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)).combine_chunks()
    index = {r: k for k, r in enumerate(meta.regimes)}
    uniq = encoded.dictionary.to_pylist()
    inverse = encoded.indices.to_numpy(zero_copy_only=False)
    lut = np.empty(len(uniq), dtype=np.int64)
    for j, cell in enumerate(uniq):
        names = [n for n in cell.split("|") if n]
        unknown = [n for n in names if n not in index]
        if unknown:
            raise ResultsError(f"column '{column}' names regime {unknown[0]!r}, not one of {list(meta.regimes)}")
        lut[j] = min((index[n] for n in names), default=NO_NE)
    return lut[inverse.reshape(-1)]


def regime_grid(table: pa.Table, meta: TableMeta, column: str = "spe_regime") -> np.ndarray:
    """The regime codes of a 2-axis table as an image: rows = 2nd axis, columns = 1st.

    Parameters
    ----------
    table, meta
        A 2-axis table and its metadata.
    column : str
        Regime column (see :func:`regime_codes`).

    Returns
    -------
    ndarray of int, shape (n_y, n_x)
        ``grid[j, i]`` is the regime code at ``x = axis0[i]``, ``y = axis1[j]``.
    """
    shape = _check_rows(table, meta)
    if len(shape) != 2:
        raise ValueError(f"regime_grid needs a 2-axis table, this one has {len(shape)} axes")
    return regime_codes(table, meta, column).reshape(shape).T


def _grids(table: pa.Table, meta: TableMeta, game: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(codes, several) over the full grid shape; ``several`` is None for the SPE."""
    shape = _check_rows(table, meta)
    codes = regime_codes(table, meta, GAMES[game][0]).reshape(shape)
    if game != "nash":
        return codes, None
    count = np.asarray(_column(table, "nash_count"), dtype=np.int64).reshape(shape)
    if np.any((count == 0) != (codes == NO_NE)):
        raise ResultsError("columns 'nash_count' and 'nash_regimes' disagree on where no pure NE exists")
    return codes, count > 1


def _edges(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """Cell edges around sorted axis values, and whether the axis is geometric (log)."""
    v = np.asarray(values, dtype=float)
    if len(v) == 1:
        half = 0.5 * max(abs(v[0]) * 0.1, 0.5) if v[0] else 0.5
        return np.array([v[0] - half, v[0] + half]), False
    geometric = (
        len(v) >= 3 and np.all(v > 0) and not np.allclose(np.diff(v), np.diff(v)[0], rtol=1e-6)
        and np.allclose(v[1:] / v[:-1], v[1] / v[0], rtol=1e-6)
    )
    w = np.log(v) if geometric else v
    mid = 0.5 * (w[1:] + w[:-1])
    e = np.concatenate([[w[0] - (mid[0] - w[0])], mid, [w[-1] + (w[-1] - mid[-1])]])
    return (np.exp(e) if geometric else e), geometric


# ----------------------------------------------------------------------------- drawing


def _cmap(meta: TableMeta) -> tuple[ListedColormap, BoundaryNorm]:
    colours = [NO_NE_COLOUR, *regime_colours(meta.regimes).values()]
    return ListedColormap(colours), BoundaryNorm(np.arange(-1.5, len(meta.regimes) + 0.5), len(colours))


def _uniform(edges: np.ndarray) -> bool:
    d = np.diff(edges)
    return bool(np.allclose(d, d[0], rtol=1e-9, atol=0))


def _mesh(ax: Axes, xe: np.ndarray, ye: np.ndarray, grid: np.ndarray, meta: TableMeta):
    cmap, norm = _cmap(meta)
    if grid.size >= IMAGE_CELLS and _uniform(xe) and _uniform(ye) and ax.get_xscale() == "linear" \
            and ax.get_yscale() == "linear":
        # many evenly spaced cells: an image draws the same picture far faster than a mesh
        im = ax.imshow(grid, cmap=cmap, norm=norm, origin="lower", aspect="auto", interpolation="nearest",
                       extent=(xe[0], xe[-1], ye[0], ye[-1]), resample=False)
        ax.set_xlim(xe[0], xe[-1])
        ax.set_ylim(ye[0], ye[-1])
        return im
    return ax.pcolormesh(xe, ye, grid, cmap=cmap, norm=norm, shading="flat", antialiased=False,
                         linewidth=0, rasterized=True)


def _hatch(ax: Axes, xe: np.ndarray, ye: np.ndarray, mask: np.ndarray) -> None:
    """Hatch the cells where ``mask[j, i]`` (one rectangle per run of cells in a row)."""
    rects = []
    for j, row in enumerate(np.asarray(mask, dtype=bool)):
        d = np.diff(np.concatenate([[0], row.astype(np.int8), [0]]))
        for i0, i1 in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
            rects.append(Rectangle((xe[i0], ye[j]), xe[i1] - xe[i0], ye[j + 1] - ye[j]))
    if rects:
        ax.add_collection(PatchCollection(rects, facecolor="none", edgecolor=HATCH_COLOUR, linewidth=0,
                                          hatch=HATCH, zorder=2), autolim=False)


def _side_length(ax: Axes, which: str) -> float:
    """Length (in) of the side of ``ax`` along ``which`` ("x" or "y") before the layout runs
    (the layout gives it at least this much, less only what labels take)."""
    box = ax.get_window_extent()
    return (box.width if which == "x" else box.height) / ax.get_figure(root=True).dpi


def fit_label(ax: Axes, which: str, text: str) -> str:
    """``text`` wrapped to the length of the side of ``ax`` it labels (a y label to 4/5 of
    the height it has before the layout: titles and x labels take some of it)."""
    from sim.textfit import wrap_text

    return wrap_text(text, max(_side_length(ax, which) * (1.0 if which == "x" else 0.8), 1.0), "axes.labelsize")


def _setup_axis(ax: Axes, which: str, axis: dict, edges: np.ndarray, log: bool, scenario: str | None = None) -> None:
    """Scale, limits and label (:func:`axis_label`, wrapped to the side) of one axis of ``ax``."""
    set_label, set_lim, set_scale = (
        (ax.set_xlabel, ax.set_xlim, ax.set_xscale) if which == "x" else (ax.set_ylabel, ax.set_ylim, ax.set_yscale)
    )
    if log:
        set_scale("log")
        axis_ = ax.xaxis if which == "x" else ax.yaxis
        axis_.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis_.set_major_formatter(FormatStrFormatter("%g"))
        axis_.set_minor_formatter(NullFormatter())
    set_lim(edges[0], edges[-1])
    set_label(fit_label(ax, which, axis_label(axis, scenario)), parse_math=False)


def _inside(value, edges: np.ndarray) -> bool:
    return value is not None and edges[0] <= float(value) <= edges[-1]


def _baseline_handle(label: str = BASELINE_LABEL) -> Line2D:
    return Line2D([], [], linestyle="none", label=label, **BASELINE_MARKER)


def legend_handles(meta: TableMeta, codes: np.ndarray, several: bool = False, baseline: bool = True,
                   baseline_handle=None, baseline_label: str = BASELINE_LABEL) -> list:
    """Legend entries for the regimes present in ``codes`` (in regime order).

    Parameters
    ----------
    meta : TableMeta
        Gives the regime order and colours.
    codes : array of int
        Regime codes shown (any shape); :data:`NO_NE` adds a grey "no pure NE" entry.
    several : bool
        Add a hatched "several pure NE" entry.
    baseline : bool
        Add the baseline entry (``baseline_handle``, or the star marker by default).
    baseline_label : str
        Text of the default star entry (:func:`baseline_text`).

    Returns
    -------
    list of matplotlib artists
        Proxy artists whose labels are the regime names present, then the extras.
    """
    present = set(np.unique(np.asarray(codes)).tolist())
    colours = regime_colours(meta.regimes)
    handles: list = [Patch(facecolor=colours[r], edgecolor="none", label=r)
                     for k, r in enumerate(meta.regimes) if k in present]
    if NO_NE in present:
        handles.append(Patch(facecolor=NO_NE_COLOUR, edgecolor="none", label=NO_NE_LABEL))
    if several:
        handles.append(Patch(facecolor="white", edgecolor=HATCH_COLOUR, linewidth=0.6, hatch=HATCH,
                             label=SEVERAL_LABEL))
    if baseline:
        handles.append(baseline_handle if baseline_handle is not None else _baseline_handle(baseline_label))
    return handles


def _legend_right(ax: Axes, handles: list):
    from sim.textfit import wrap_text

    for h in handles:
        h.set_label(wrap_text(h.get_label(), 2.0, "legend.fontsize"))
    leg = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                    frameon=False, handlelength=1.6)
    for t in leg.get_texts():
        t.set_parse_math(False)
    return leg


def _common_legend(fig: Figure, handles: list):
    """One legend for the whole figure, below the panels: in at most two rows (a page
    width holds five short entries in a row), in fewer columns if the entries are wider
    than the figure (a long entry is wrapped first)."""
    from sim.textfit import legend_ncols, wrap_text

    width = fig.get_size_inches()[0] - 0.2
    for h in handles:
        h.set_label(wrap_text(h.get_label(), min(width, 3.2), "legend.fontsize"))
    ncols = len(handles) if len(handles) <= 5 else math.ceil(len(handles) / 2)
    ncols = legend_ncols([h.get_label() for h in handles], width, max_cols=ncols)
    leg = fig.legend(handles=handles, loc="outside lower center", ncols=ncols, frameon=False,
                     handlelength=1.6, columnspacing=1.6)
    for t in leg.get_texts():
        t.set_parse_math(False)
    return leg


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def _baseline_xy(meta: TableMeta, z: float | None = None) -> tuple:
    """The baseline's (x, y); (None, None) in the panel of a 3rd-axis value ``z`` that is
    not the baseline's (the star marks the run's baseline point, not its x and y alone)."""
    if z is not None and len(meta.axes) > 2:
        bz = meta.baseline.get(meta.axes[2]["param"])
        if bz is not None and not np.isclose(float(z), float(bz), rtol=1e-9, atol=1e-12):
            return (None, None)
    return tuple(meta.baseline.get(a["param"]) for a in meta.axes[:2])


def _draw_2d(ax: Axes, meta: TableMeta, xs, ys, codes2: np.ndarray, several2, baseline_xy) -> dict:
    """Draw one 2-D panel (codes2 has shape (n_y, n_x)); returns what the legend needs."""
    ox, oy = np.argsort(xs, kind="stable"), np.argsort(ys, kind="stable")  # 'list' axes may be unsorted
    codes2 = codes2[np.ix_(oy, ox)]
    several2 = None if several2 is None else several2[np.ix_(oy, ox)]
    (xe, xlog), (ye, ylog) = _edges(xs[ox]), _edges(ys[oy])
    _mesh(ax, xe, ye, codes2, meta)
    has_several = several2 is not None and bool(np.any(several2))
    if has_several:
        _hatch(ax, xe, ye, several2)
    _setup_axis(ax, "x", meta.axes[0], xe, xlog, meta.scenario)
    _setup_axis(ax, "y", meta.axes[1], ye, ylog, meta.scenario)
    bx, by = baseline_xy
    shown = _inside(bx, xe) and _inside(by, ye)
    if shown:
        ax.plot([bx], [by], linestyle="none", zorder=5, clip_on=False, label="_baseline", **BASELINE_MARKER)
    return {"codes": codes2, "several": has_several, "baseline": shown}


def _check_axes(meta: TableMeta, n: int, what: str) -> None:
    if len(meta.axes) != n:
        raise ValueError(f"{what} needs a {n}-axis table, this one has {len(meta.axes)} axes")


@_styled
def _diagram(table, meta, column, game, ax, title, legend, baseline_label=BASELINE_LABEL) -> Figure:
    """One 2-D panel of ``column`` (hatched where several NE when ``game == "nash"``)."""
    _check_axes(meta, 2, "a phase diagram")
    xs, ys = axis_values(table, meta)
    if game is None:
        codes, several = regime_codes(table, meta, column).reshape(grid_shape(meta)), None
    else:
        codes, several = _grids(table, meta, game)
    ax = _new_axes(ax, (6.4, 4.5))
    info = _draw_2d(ax, meta, xs, ys, codes.T, None if several is None else several.T, _baseline_xy(meta))
    if title is not None:
        ax.set_title(title, parse_math=False)
    if legend:
        _legend_right(ax, legend_handles(meta, info["codes"], info["several"], info["baseline"],
                                         baseline_label=baseline_label))
    return ax.figure


def phase_diagram(table: pa.Table, meta: TableMeta, ax: Axes | None = None, column: str = "spe_regime",
                  title: str | None = None, legend: bool = True, baseline_label: str = BASELINE_LABEL) -> Figure:
    """Categorical map of the regime in ``column`` over a 2-axis sweep.

    Parameters
    ----------
    table, meta
        A 2-axis equilibria table and its metadata (:func:`sim.table.read_table`).
    ax : Axes, optional
        Axes to draw into; a new 6.4 x 4.5 in figure if omitted.
    column : str
        Regime column, ``"spe_regime"`` by default (see :func:`regime_codes`).
    title : str, optional
        Axes title.
    legend : bool
        Draw a legend (regimes present, then the baseline) to the right of the axes.
    baseline_label : str
        The baseline's legend entry (:func:`baseline_text`).

    Returns
    -------
    Figure
        The figure holding ``ax``. x = first axis, y = second axis, labelled by
        :func:`axis_label`; the baseline point is a white-edged black star.
    """
    return _diagram(table, meta, column, None, ax, title, legend, baseline_label)


def nash_diagram(table: pa.Table, meta: TableMeta, ax: Axes | None = None, title: str | None = None,
                 legend: bool = True, baseline_label: str = BASELINE_LABEL) -> Figure:
    """Map of the simultaneous game's pure Nash equilibria over a 2-axis sweep.

    Colour = the first regime (in regime order) among the pure NE at each point; grey
    where ``nash_count == 0``; ``///`` hatching where ``nash_count > 1``.

    Parameters
    ----------
    table, meta
        A 2-axis equilibria table with the ``nash`` columns, and its metadata.
    ax : Axes, optional
        Axes to draw into; a new figure if omitted.
    title : str, optional
        Axes title.
    legend : bool
        Draw a legend (regimes present, "no pure NE", "several pure NE", the baseline).
    baseline_label : str
        The baseline's legend entry (:func:`baseline_text`).

    Returns
    -------
    Figure
        The figure holding ``ax``.
    """
    return _diagram(table, meta, "nash_regimes", "nash", ax, title, legend, baseline_label)


@_styled
def regime_strip(table: pa.Table, meta: TableMeta, ax: Axes | None = None, legend: bool = True,
                 baseline_label: str = BASELINE_LABEL) -> Figure:
    """Band plot of a 1-axis sweep: SPE regime (top) and pure-NE regime(s) (bottom).

    Parameters
    ----------
    table, meta
        A 1-axis equilibria table with the ``spe`` and ``nash`` columns.
    ax : Axes, optional
        Axes to draw into; a new 10 x 2.8 in figure if omitted.
    legend : bool
        Draw a common legend below the axes.
    baseline_label : str
        The baseline's legend entry (:func:`baseline_text`).

    Returns
    -------
    Figure
        The lower band shows the first NE regime, grey where there is none and hatched
        where several pure NE coexist; a dashed vertical line marks the baseline.
    """
    _check_axes(meta, 1, "a regime strip")
    (xs,) = axis_values(table, meta)
    order = np.argsort(xs, kind="stable")  # 'list' axes may be unsorted
    xs = xs[order]
    games = games_in(table)
    if not games:
        raise ResultsError("results table has no regime column to draw")
    ax = _new_axes(ax, (PAGE_WIDTH, 0.8 + 0.8 * len(games)))
    xe, xlog = _edges(xs)
    all_codes, several_any, ticks = [], False, []
    for row, game in enumerate(games):
        codes, several = _grids(table, meta, game)
        lo = len(games) - 1 - row  # first concept on top
        band = np.array([lo + 0.05, lo + 0.95])
        _mesh(ax, xe, band, codes[order][None, :], meta)
        if several is not None:
            _hatch(ax, xe, band, several[order][None, :])
            several_any |= bool(several.any())
        all_codes.append(codes)
        ticks.append((lo + 0.5, BAND_LABELS[game]))
    _setup_axis(ax, "x", meta.axes[0], xe, xlog, meta.scenario)
    ax.set_ylim(0, len(games))
    ax.set_yticks([t for t, _ in ticks], [lab for _, lab in ticks])
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    bx = meta.baseline.get(meta.axes[0]["param"])
    shown = _inside(bx, xe)
    line = dict(color="black", linestyle="--", linewidth=1.4)
    if shown:
        ax.axvline(float(bx), zorder=5, **line)
    if legend:
        handles = legend_handles(meta, np.concatenate(all_codes), several_any, shown,
                                 Line2D([], [], label=baseline_label, **line))
        _common_legend(ax.figure, handles)
    return ax.figure


def facet_values(n: int, max_facets: int = 6) -> np.ndarray:
    """Indices of at most ``max_facets`` evenly spaced values out of ``n`` (ends included)."""
    if n <= max_facets:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, max_facets)).astype(int))


@_styled
def phase_facets(table: pa.Table, meta: TableMeta, games: Sequence[str] | None = None,
                 max_facets: int = 6, baseline_label: str = BASELINE_LABEL) -> Figure:
    """Small multiples of the 2-D diagrams over the values of a 3rd axis.

    Parameters
    ----------
    table, meta
        A 3-axis equilibria table and its metadata.
    games : sequence of {"spe", "nash"}
        One block of rows per game (sequential SPE, simultaneous pure NE).
    max_facets : int
        At most this many panels in all: ``max_facets // len(games)`` evenly spaced
        values of the 3rd axis (first and last included), in rows of at most 3.
    baseline_label : str
        The baseline's legend entry (:func:`baseline_text`).

    Returns
    -------
    Figure
        Shared x/y axes, one common legend below; each panel titled by the value of the
        3rd axis (:func:`facet_title`).
    """
    _check_axes(meta, 3, "a faceted phase diagram")
    games = tuple(games or games_in(table))
    xs, ys, zs = axis_values(table, meta)
    picks = facet_values(len(zs), max(1, max_facets // len(games)))
    ncols = min(3, len(picks))
    rows_per_game = math.ceil(len(picks) / ncols)
    fig = Figure(figsize=(PAGE_WIDTH, 0.7 + 2.4 * rows_per_game * len(games)), layout="constrained")
    subfigs = np.atleast_1d(fig.subfigures(len(games), 1, squeeze=False).ravel())
    za = meta.axes[2]
    shown, several_any, codes_all = False, False, []
    first = None
    for g, (game, sf) in enumerate(zip(games, subfigs)):
        sf.suptitle(panel_title(g, len(games), GAMES[game][1]), parse_math=False)
        axs = sf.subplots(rows_per_game, ncols, squeeze=False)
        codes, several = _grids(table, meta, game)
        for j, ax in enumerate(axs.flat):
            if j >= len(picks):
                ax.set_visible(False)
                continue
            if first is None:
                first = ax
            else:
                ax.sharex(first)
                ax.sharey(first)
            k = picks[j]
            info = _draw_2d(ax, meta, xs, ys, codes[:, :, k].T, None if several is None else several[:, :, k].T,
                            _baseline_xy(meta, zs[k]))
            shown |= info["baseline"]
            several_any |= info["several"]
            codes_all.append(info["codes"].ravel())
            ax.set_title(facet_title(za, zs[k], meta.scenario, PAGE_WIDTH / ncols - 0.2), parse_math=False)
            last_block = g == len(games) - 1 and j + ncols >= len(picks)
            if not last_block:
                ax.set_xlabel("")
                ax.tick_params(labelbottom=False)
            if j % ncols:
                ax.set_ylabel("")
                ax.tick_params(labelleft=False)
    _common_legend(fig, legend_handles(meta, np.concatenate(codes_all), several_any, shown,
                                       baseline_label=baseline_label))
    return fig


def facet_title(axis: dict, value: float, scenario: str | None, width: float) -> str:
    """``"<label> = <value> <unit>"`` of a 3rd-axis value (:func:`param_label`), wrapped to
    ``width`` inches in the title font."""
    from sim.textfit import wrap_text

    name = axis.get("label") or param_label(scenario, axis["param"])
    text = f"{name} = {quantity(float(f'{value:.3g}'), axis.get('unit'))}"
    return wrap_text(text, width, "axes.titlesize")


@_styled
def run_figure(table: pa.Table, meta: TableMeta, baseline_label: str = BASELINE_LABEL) -> Figure:
    """The standard figure of a run: two panels (2 axes), strip (1 axis) or facets (3).

    Parameters
    ----------
    table, meta
        An equilibria table and its metadata.
    baseline_label : str
        The baseline's legend entry: :func:`baseline_text` of what the run changed.

    Returns
    -------
    Figure
        For 2 axes: one panel per solution concept in the table (SPE, pure NE, uncertain
        resolve, QRE), side by side and sharing axes, then for the probabilistic concepts
        a panel of the probability of confrontation; one common legend below. With SPE
        and pure NE only: 7 x 3.9 in (a page width; :data:`PAGE_WIDTH`). Panels are
        lettered (a), (b), ... when there are several.
    """
    n = len(_check_rows(table, meta))
    if n == 1:
        return regime_strip(table, meta, baseline_label=baseline_label)
    if n == 3:
        return phase_facets(table, meta, baseline_label=baseline_label)
    games = games_in(table)
    if not games:
        raise ResultsError("results table has no regime column to draw")
    probs = [g for g in games if PROB_COLUMNS.get(g) in table.column_names]
    n_panels = len(games) + len(probs)
    ncols = n_panels if n_panels <= 3 else math.ceil(n_panels / 2)
    nrows = math.ceil(n_panels / ncols)
    fig = Figure(figsize=(PAGE_WIDTH, 0.7 + (3.2 if ncols <= 2 else 2.5) * nrows), layout="constrained")
    axs = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True)).ravel()
    for ax in axs[n_panels:]:
        ax.set_visible(False)
    xs, ys = axis_values(table, meta)
    base = _baseline_xy(meta)
    infos = []
    for k, (ax, game) in enumerate(zip(axs, games)):
        codes, several = _grids(table, meta, game)
        infos.append(_draw_2d(ax, meta, xs, ys, codes.T, None if several is None else several.T, base))
        title = GAMES[game][1].replace(": ", ":\n", 1) if ncols <= 2 else \
            SHORT_TITLES[game] + ":\n" + GAMES[game][1].split(": ", 1)[1].replace("subgame-perfect equilibrium", "SPE")
        ax.set_title(panel_title(k, n_panels, title), parse_math=False)
    for k, game in enumerate(probs, start=len(games)):
        _probability_panel(fig, axs[k], table, meta, PROB_COLUMNS[game], base)
        head = GAMES[game][1].split(":")[0] if ncols <= 2 else SHORT_TITLES[game]
        axs[k].set_title(panel_title(k, n_panels, f"{head}:\nP(confrontation)"), parse_math=False)
    for ax in axs[:n_panels]:
        ax.label_outer()
    handles = legend_handles(meta, np.concatenate([i["codes"].ravel() for i in infos]),
                             any(i["several"] for i in infos), any(i["baseline"] for i in infos),
                             baseline_label=baseline_label)
    _common_legend(fig, handles)
    return fig


@_styled
def qre_path_figure(path_table: pa.Table, meta: TableMeta, baseline_label: str = BASELINE_LABEL) -> Figure:
    """Regime probabilities of the sequential agent QRE at the run's baseline against λ.

    ``path_table``: ``lam`` and ``prob_<regime slug>`` columns (``sim.qre.lambda_path``);
    its metadata gives the run's λ, marked by a dashed vertical line. ``baseline_label``
    (:func:`baseline_text`) names the point in the title.
    """
    from sim.textfit import wrap_text

    from sim.solvers import slug

    fig = Figure(figsize=(6.5, 3.6), layout="constrained")
    ax = fig.add_subplot()
    lam = np.asarray(path_table.column("lam"), dtype=float)
    colours = regime_colours(meta.regimes)
    for regime in meta.regimes:
        col = f"prob_{slug(regime)}"
        if col in path_table.column_names:
            ax.plot(lam, np.asarray(path_table.column(col)), color=colours[regime], linewidth=1.8, label=regime)
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlim(0, lam.max())
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Logit rationality λ (per $bn/yr; 0 = uniform play, large = subgame-perfect)",
                  parse_math=False)
    ax.set_ylabel("Probability of the regime")
    info = json.loads((path_table.schema.metadata or {}).get(b"sim", b"{}"))
    if "lam" in info:
        ax.axvline(info["lam"], color="black", linestyle="--", linewidth=1, label=f"this run: λ = {info['lam']:g}")
    ax.set_title(wrap_text(f"Logit QRE of the sequential game at the {baseline_label}, traced over λ", 6.3,
                           "axes.titlesize"), parse_math=False)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return fig


def _probability_panel(fig: Figure, ax: Axes, table: pa.Table, meta: TableMeta, column: str, base) -> None:
    """A probability (0..1) over a 2-axis grid, with a colour bar and the baseline."""
    shape = _check_rows(table, meta)
    grid = np.asarray(_column(table, column), dtype=float).reshape(shape).T
    xs, ys = axis_values(table, meta)
    xe, xlog = _edges(xs)
    ye, ylog = _edges(ys)
    mesh = ax.pcolormesh(xe, ye, grid, cmap=PROB_CMAP, vmin=0.0, vmax=1.0, shading="flat",
                         antialiased=False, linewidth=0, rasterized=True)
    _setup_axis(ax, "x", meta.axes[0], xe, xlog, meta.scenario)
    _setup_axis(ax, "y", meta.axes[1], ye, ylog, meta.scenario)
    if base[0] is not None and base[1] is not None and _inside(base[0], xe) and _inside(base[1], ye):
        ax.plot([base[0]], [base[1]], linestyle="none", zorder=6, **BASELINE_MARKER)
    fig.colorbar(mesh, ax=ax, label="probability", shrink=0.9)
    if np.all(grid == grid.flat[0]):  # one flat colour: say what it means
        say_in_panel(ax, f"probability {grid.flat[0]:.2g} everywhere")


# ----------------------------------------------------------------------------- files


@_styled
def freeze_layout(fig: Figure) -> Figure:
    """Lay ``fig`` out once, now, and keep that layout for every file saved from it.

    A layout engine would otherwise run again on each save, and the second format's
    layout could depend on the first's; frozen, each file's bytes are the same whichever
    formats are asked for, and the layout (a third of a save) is paid once.
    """
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig


def _save_atomic(fig: Figure, path: Path, fmt: str) -> None:
    """Save ``fig`` to a temporary file next to ``path``, then rename it into place.

    Raises :class:`sim.rundir.WriteError` (an OSError: the path, then the cause) when the
    file cannot be written, also when matplotlib's writer, failing on the way out after
    the OSError (a full disk), raises something else.
    """
    metadata = {"png": {"Software": None}, "pdf": {"CreationDate": None}, "svg": {"Date": None}}[fmt]
    with rundir.atomic_path(path) as tmp, matplotlib.rc_context(STYLE):
        fig.savefig(tmp, format=fmt, dpi=PNG_DPI, metadata=metadata)


def draw_run(run_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS) -> list[Path]:
    """Redraw a run's figures from its saved tables.

    Parameters
    ----------
    run_dir : path
        Directory holding the equilibria table.
    formats : sequence of {"png", "pdf", "svg"}
        Files to write, ``run_dir/phase_diagram.<fmt>`` (PNG at 200 dpi), then the
        agent-based figures of :func:`sim.plot_abm.draw_abm` when the run has them.

    Returns
    -------
    list of Path
        The files written, in ``formats`` order (phase diagram first). Each is written
        atomically, without timestamps, so the same table gives the same bytes. A run
        with agent-based results but no ``spe`` columns gets no phase diagram (its
        ``abm_selection`` figure shows the pure NE).

    Raises
    ------
    ResultsError
        If the table is missing, unreadable or inconsistent with its metadata.
    ValueError
        If a format is not supported.
    """
    from sim.plot_abm import draw_abm, has_abm  # imports this module

    run_dir = Path(run_dir)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unsupported format {bad[0]!r}; allowed: {', '.join(FORMATS)}")
    if not (run_dir / TABLE_NAME).exists() and (run_dir / SENSITIVITY_TABLE).is_file():
        return _draw_sensitivity(run_dir, formats)
    table, meta = read_table(run_dir / TABLE_NAME, labels_as_dictionary=True, columns=figure_columns)
    paths = []
    if (run_dir / QRE_PATH_NAME).exists():
        path_table = read_parquet(run_dir / QRE_PATH_NAME)
        for fmt in dict.fromkeys(formats):
            path = run_dir / rundir.figure_name(rundir.QRE_FIGURE, fmt)
            _save_atomic(qre_path_figure(path_table, meta, baseline_text(run_changes(run_dir))), path, fmt)
            paths.append(path)
    if formats and not (has_abm(table) and GAMES["spe"][0] not in table.column_names):
        fig = freeze_layout(run_figure(table, meta, baseline_text(run_changes(run_dir))))  # one layout, every format
        for fmt in dict.fromkeys(formats):
            path = run_dir / f"{FIGURE_NAME}.{fmt}"
            _save_atomic(fig, path, fmt)
            paths.append(path)
    return paths + draw_abm(run_dir, formats, (table, meta))


def _draw_sensitivity(run_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Redraw a sensitivity run's figure (``sensitivity.top`` parameters a panel, as the run had)."""
    from sim import sensitivity

    path = run_dir / SENSITIVITY_TABLE
    try:
        table = read_parquet(path)
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path} is not a readable Parquet file: {exc}") from None
    top = 10
    if (run_dir / rundir.CONFIG).is_file():
        config = yaml.safe_load((run_dir / rundir.CONFIG).read_text()) or {}
        top = int(((config.get("sensitivity") or {}).get("top")) or top)
    return sensitivity.save_figure(sensitivity.figure(table, top_k=top), run_dir, formats)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.plot RUN_DIR [--format FMT ...]``: redraw a run's figures.

    Returns
    -------
    int
        0 on success; 2 (after one ``sim.plot: error: ...`` line on stderr) if the
        table is missing or corrupt or a figure cannot be written.
    """
    matplotlib.use("Agg")
    parser = OneLineParser(prog="sim.plot", description="Redraw a run's figures (phase diagram, "
                                     "agent-based selection and trajectories) from its saved tables (nothing "
                                     "is solved or simulated).")
    parser.add_argument("run_dir", type=Path, help=f"run directory holding {TABLE_NAME}")
    parser.add_argument("--format", dest="formats", action="append", choices=FORMATS,
                        help="output format (repeatable; default: png and pdf)")
    args = parser.parse_args(argv)
    try:
        verify_run(args.run_dir)
        paths = draw_run(args.run_dir, tuple(args.formats or rundir.DEFAULT_FORMATS))
    except (ResultsError, OSError) as exc:
        msg = " ".join(str(exc).split())
        print(f"sim.plot: error: {msg}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
