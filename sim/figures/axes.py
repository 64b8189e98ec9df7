"""Regime grids of an equilibria table and the axes they are drawn on, shared by the
figure modules (:mod:`sim.figures.phase`, :mod:`sim.figures.abm`).

Reading: a table's swept values (:func:`axis_values`) and its regimes as codes into
``meta.regimes`` (:func:`regime_codes`, :func:`regime_grid`). Drawing: one 2-D panel of
regimes (:func:`draw_2d`, :func:`phase_diagram`, :func:`nash_diagram`), its axes
(:func:`setup_axis`), the baseline star and the legends. Nothing here solves a game.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from sim.figures.style import (BASELINE_LABEL, BASELINE_MARKER, HATCH, HATCH_COLOUR, NO_NE, NO_NE_COLOUR, NO_NE_LABEL,
                          SEVERAL_LABEL, axis_label, param_label, regime_colours, styled)
from sim.engine.params import quantity
from sim.solvers.registry import SOLVERS, phase_concepts
from sim.store.table import ResultsError, TableMeta

IMAGE_CELLS = 100_000  #: evenly spaced grids this large are drawn as images, not meshes
def games_in(table: pa.Table) -> tuple[str, ...]:
    """The solution concepts whose regime column the table has, in registry order
    (:func:`sim.solvers.registry.phase_concepts`)."""
    return tuple(s.name for s in phase_concepts() if s.regime_column in table.column_names)


# ----------------------------------------------------------------------------- data


def table_column(table: pa.Table, name: str) -> np.ndarray:
    """Column ``name`` of ``table`` as a NumPy array; ResultsError if the table lacks it."""
    if name not in table.column_names:
        raise ResultsError(f"results table has no column '{name}'")
    return table.column(name).to_numpy(zero_copy_only=False)


def grid_shape(meta: TableMeta) -> tuple[int, ...]:
    """Number of values on each axis, in axis order (the table's C-order shape)."""
    return tuple(int(a["n"]) for a in meta.axes)


def check_rows(table: pa.Table, meta: TableMeta) -> tuple[int, ...]:
    """The grid shape (:func:`grid_shape`), checked: 1-3 axes whose sizes multiply to the row count."""
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
        As returned by :func:`sim.store.table.read_table`.

    Returns
    -------
    list of ndarray
        One 1-D float array of length ``n`` per axis, in axis order.

    Raises
    ------
    ResultsError
        If the table's rows do not form the C-order grid its metadata describes.
    """
    shape = check_rows(table, meta)
    out = []
    for k, a in enumerate(meta.axes):
        col = np.asarray(table_column(table, a["param"]), dtype=float).reshape(shape)
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
        As returned by :func:`sim.store.table.read_table`.
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
    shape = check_rows(table, meta)
    if len(shape) != 2:
        raise ValueError(f"regime_grid needs a 2-axis table, this one has {len(shape)} axes")
    return regime_codes(table, meta, column).reshape(shape).T


def game_grids(table: pa.Table, meta: TableMeta, game: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(codes, several) over the full grid shape; ``several`` (where the concept's
    ``<name>_count`` says several equilibria coexist) is None for a concept with one."""
    shape = check_rows(table, meta)
    spec = SOLVERS[game]
    codes = regime_codes(table, meta, spec.regime_column).reshape(shape)
    if not spec.several:
        return codes, None
    count = np.asarray(table_column(table, f"{game}_count"), dtype=np.int64).reshape(shape)
    if np.any((count == 0) != (codes == NO_NE)):
        raise ResultsError(f"columns '{game}_count' and '{spec.regime_column}' disagree on where no equilibrium exists")
    return codes, count > 1


def cell_edges(values: np.ndarray) -> tuple[np.ndarray, bool]:
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


def regime_mesh(ax: Axes, xe: np.ndarray, ye: np.ndarray, grid: np.ndarray, meta: TableMeta):
    """Fill the cells between edges ``xe``, ``ye`` with the colours of regime codes ``grid`` (n_y, n_x)."""
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


def true_runs(row: np.ndarray):
    """``(start, stop)`` index pairs of the runs of True in the 1-D bool array ``row``."""
    d = np.diff(np.concatenate([[0], np.asarray(row, dtype=np.int8), [0]]))
    return zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))


def hatch_mask(ax: Axes, xe: np.ndarray, ye: np.ndarray, mask: np.ndarray, colour: str = HATCH_COLOUR,
               hatch: str = HATCH, zorder: float = 2, gid: str | None = None) -> None:
    """Hatch the cells where ``mask[j, i]`` (shape (n_y, n_x), between edges ``xe`` (n_x + 1)
    and ``ye`` (n_y + 1)) in ``colour``: one rectangle per run of cells in a row."""
    rects = [Rectangle((xe[i0], ye[j]), xe[i1] - xe[i0], ye[j + 1] - ye[j])
             for j, row in enumerate(np.asarray(mask, dtype=bool)) for i0, i1 in true_runs(row)]
    if rects:
        ax.add_collection(PatchCollection(rects, facecolor="none", edgecolor=colour, linewidth=0,
                                          hatch=hatch, zorder=zorder, gid=gid), autolim=False)


def _side_length(ax: Axes, which: str) -> float:
    """Length (in) of the side of ``ax`` along ``which`` ("x" or "y") before the layout runs
    (the layout gives it at least this much, less only what labels take)."""
    box = ax.get_window_extent()
    return (box.width if which == "x" else box.height) / ax.get_figure(root=True).dpi


def fit_label(ax: Axes, which: str, text: str) -> str:
    """``text`` wrapped to the length of the side of ``ax`` it labels (a y label to 4/5 of
    the height it has before the layout: titles and x labels take some of it)."""
    from sim.figures.textfit import wrap_text

    return wrap_text(text, max(_side_length(ax, which) * (1.0 if which == "x" else 0.8), 1.0), "axes.labelsize")


def setup_axis(ax: Axes, which: str, axis: dict, edges: np.ndarray, log: bool, scenario: str | None = None) -> None:
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


def inside(value, edges: np.ndarray) -> bool:
    """Whether ``value`` (None: no) lies within the outer ``edges``."""
    return value is not None and edges[0] <= float(value) <= edges[-1]


def baseline_star(label: str = BASELINE_LABEL) -> Line2D:
    """Legend entry of the baseline star, labelled ``label``."""
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
        Text of the default star entry (:func:`sim.figures.style.baseline_text`).

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
        handles.append(baseline_handle if baseline_handle is not None else baseline_star(baseline_label))
    return handles


def _legend_right(ax: Axes, handles: list):
    from sim.figures.textfit import wrap_text

    for h in handles:
        h.set_label(wrap_text(h.get_label(), 2.0, "legend.fontsize"))
    leg = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                    frameon=False, handlelength=1.6)
    for t in leg.get_texts():
        t.set_parse_math(False)
    return leg


def common_legend(fig: Figure, handles: list):
    """One legend for the whole figure, below the panels: in at most two rows (a page
    width holds five short entries in a row), in fewer columns if the entries are wider
    than the figure (a long entry is wrapped first)."""
    from sim.figures.textfit import legend_ncols, wrap_text

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


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax``, or the axes of a new constrained-layout figure of ``figsize`` (in)."""
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def baseline_point(meta: TableMeta, z: float | None = None) -> tuple:
    """The baseline's (x, y); (None, None) in the panel of a 3rd-axis value ``z`` that is
    not the baseline's (the star marks the run's baseline point, not its x and y alone)."""
    if z is not None and len(meta.axes) > 2:
        bz = meta.baseline.get(meta.axes[2]["param"])
        if bz is not None and not np.isclose(float(z), float(bz), rtol=1e-9, atol=1e-12):
            return (None, None)
    return tuple(meta.baseline.get(a["param"]) for a in meta.axes[:2])


def draw_2d(ax: Axes, meta: TableMeta, xs, ys, codes2: np.ndarray, several2, baseline_xy) -> dict:
    """Draw one 2-D panel (codes2 has shape (n_y, n_x)); returns what the legend needs."""
    ox, oy = np.argsort(xs, kind="stable"), np.argsort(ys, kind="stable")  # 'list' axes may be unsorted
    codes2 = codes2[np.ix_(oy, ox)]
    several2 = None if several2 is None else several2[np.ix_(oy, ox)]
    (xe, xlog), (ye, ylog) = cell_edges(xs[ox]), cell_edges(ys[oy])
    regime_mesh(ax, xe, ye, codes2, meta)
    has_several = several2 is not None and bool(np.any(several2))
    if has_several:
        hatch_mask(ax, xe, ye, several2)
    shown = setup_2d(ax, meta, xe, xlog, ye, ylog, baseline_xy)
    return {"codes": codes2, "several": has_several, "baseline": shown}


def setup_2d(ax: Axes, meta: TableMeta, xe: np.ndarray, xlog: bool, ye: np.ndarray, ylog: bool,
             baseline_xy) -> bool:
    """Both axes of a 2-D panel between cell edges ``xe``, ``ye`` (:func:`setup_axis`), and
    the baseline star at ``baseline_xy`` if it lies inside; returns whether it does."""
    setup_axis(ax, "x", meta.axes[0], xe, xlog, meta.scenario)
    setup_axis(ax, "y", meta.axes[1], ye, ylog, meta.scenario)
    bx, by = baseline_xy
    shown = inside(bx, xe) and inside(by, ye)
    if shown:
        ax.plot([bx], [by], linestyle="none", zorder=5, clip_on=False, label="_baseline", **BASELINE_MARKER)
    return shown


def check_axes(meta: TableMeta, n: int, what: str) -> None:
    """ValueError unless the table has ``n`` axes (``what`` names the figure asked for)."""
    if len(meta.axes) != n:
        raise ValueError(f"{what} needs a {n}-axis table, this one has {len(meta.axes)} axes")


@styled
def _diagram(table, meta, column, game, ax, title, legend, baseline_label=BASELINE_LABEL) -> Figure:
    """One 2-D panel of ``column`` (hatched where several NE when ``game == "nash"``)."""
    check_axes(meta, 2, "a phase diagram")
    xs, ys = axis_values(table, meta)
    if game is None:
        codes, several = regime_codes(table, meta, column).reshape(grid_shape(meta)), None
    else:
        codes, several = game_grids(table, meta, game)
    ax = new_axes(ax, (6.4, 4.5))
    info = draw_2d(ax, meta, xs, ys, codes.T, None if several is None else several.T, baseline_point(meta))
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
        A 2-axis equilibria table and its metadata (:func:`sim.store.table.read_table`).
    ax : Axes, optional
        Axes to draw into; a new 6.4 x 4.5 in figure if omitted.
    column : str
        Regime column, ``"spe_regime"`` by default (see :func:`regime_codes`).
    title : str, optional
        Axes title.
    legend : bool
        Draw a legend (regimes present, then the baseline) to the right of the axes.
    baseline_label : str
        The baseline's legend entry (:func:`sim.figures.style.baseline_text`).

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
        The baseline's legend entry (:func:`sim.figures.style.baseline_text`).

    Returns
    -------
    Figure
        The figure holding ``ax``.
    """
    return _diagram(table, meta, "nash_regimes", "nash", ax, title, legend, baseline_label)


def facet_values(n: int, max_facets: int = 6) -> np.ndarray:
    """Indices of at most ``max_facets`` evenly spaced values out of ``n`` (ends included)."""
    if n <= max_facets:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, max_facets)).astype(int))



def facet_title(axis: dict, value: float, scenario: str | None, width: float) -> str:
    """``"<label> = <value> <unit>"`` of a 3rd-axis value (:func:`param_label`), wrapped to
    ``width`` inches in the title font."""
    from sim.figures.textfit import wrap_text

    name = axis.get("label") or param_label(scenario, axis["param"])
    text = f"{name} = {quantity(float(f'{value:.3g}'), axis.get('unit'))}"
    return wrap_text(text, width, "axes.titlesize")
