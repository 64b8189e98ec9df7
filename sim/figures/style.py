"""The look every figure shares, and the one way figures are saved.

Regimes keep one colour everywhere (:data:`PALETTE`, by position in ``meta.regimes``);
grey marks points with no pure Nash equilibrium and ``///`` hatching marks points where
several pure Nash equilibria coexist. Figures are drawn at the width they are printed at
(:data:`PAGE_WIDTH`, :data:`COLUMN_WIDTH`) under :data:`STYLE`, label parameters and
actions in the words of their scenario (:func:`param_label`, :func:`action_name`), and
are written by :func:`save_formats` alone (layout frozen once, then :func:`save` per format: atomically and without timestamps), so the same
tables give the same bytes. What a figure says about its run (the scenario, what the
run changed) comes from the table's metadata (:class:`sim.store.table.TableMeta`), never
from the run's ``config.yaml``. Imported by every figure module (:mod:`sim.figures.phase`,
the ``sim.figures.abm*`` modules, :mod:`sim.figures.sensitivity`); it imports none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache, wraps
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.store import rundir
from sim.engine.params import ConfigError, iter_params, with_unit
from sim.store.table import ResultsError, TableMeta, read_meta

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
PNG_DPI = 200
#: Print widths (in) of a two-column journal page. Figures are drawn at the width they are
#: printed at (a page or a column), so the font sizes below are the sizes on paper.
PAGE_WIDTH = 7.0
COLUMN_WIDTH = 3.4

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
    "svg.hashsalt": "sim.cli.plot",
    # PDF and PostScript embed TrueType (Type 42) fonts, as journals ask, not Type 3 bitmaps-as-glyphs
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def styled(func):
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
        from sim.scenarios import get_scenario  # imported on use: it imports every built-in scenario

        try:
            _SCENARIOS[scenario] = get_scenario(scenario) if scenario else None
        except ConfigError:
            _SCENARIOS[scenario] = None
    return _SCENARIOS[scenario]


def table_scenario(meta: TableMeta):
    """The scenario of a table (``meta.source``, how the run's config named it, else
    ``meta.scenario``), or None. A plug-in scenario is named by its import path in the
    config but by its own name in the tables; from now on that name finds it too, so
    every figure of the table shows its labels."""
    sc = _scenario(meta.source or meta.scenario)
    if sc is not None and _SCENARIOS.get(sc.name) is None:
        _SCENARIOS[sc.name] = sc
    return sc


@lru_cache(maxsize=None)
def _param_infos(params_cls: type) -> dict:
    return {i.name: i for i in iter_params(params_cls)}


def scenario_params(scenario) -> dict:
    """``{dotted name: ParamInfo}`` of ``scenario`` (a Scenario or its name; empty if unknown)."""
    sc = _scenario(scenario)
    return {} if sc is None else _param_infos(sc.params_cls)


def param_label(scenario: str | None, param: str) -> str:
    """The label of parameter ``param`` (dotted) in the scenario named ``scenario``, from its
    metadata (:func:`sim.engine.params.param`), e.g. "Iraqi nationalist cost of hosting US troops";
    ``param`` itself if the scenario or the parameter is unknown."""
    info = scenario_params(scenario).get(param)
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
    return f"({LETTERS[k]}) {title}" if n > 1 else title


def baseline_text(changes: Sequence[str] = ()) -> str:
    """Legend text of the baseline star (or line): :data:`BASELINE_LABEL` where the run kept
    the calibrated parameters, else ``"baseline of this run (us.credibility = 4 $bn/yr)"``
    naming what the run changed (``changes``: ``"name = value unit"`` each)."""
    return f"{BASELINE_LABEL} of this run ({', '.join(changes)})" if changes else BASELINE_LABEL


def run_changes(run_dir: Path) -> tuple[str, ...]:
    """``"name = value unit"`` for every parameter the run set away from its scenario's
    default (swept ones included: their value places the baseline), as the run stored
    them in its equilibria table's metadata (``TableMeta.changes``; the run's
    ``config.yaml`` is never read); empty if there is no such table, or it predates them."""
    try:
        return read_meta(Path(run_dir) / rundir.TABLE).changes
    except ResultsError:
        return ()


def say_in_panel(ax: Axes, text: str) -> None:
    """Write ``text`` across the middle of ``ax``: a panel with nothing to show says so."""
    from sim.figures.textfit import wrap_text

    width = ax.get_window_extent().width / ax.get_figure(root=True).dpi
    ax.text(0.5, 0.5, wrap_text(text, max(0.85 * width, 0.8), "font.size"), transform=ax.transAxes,
            ha="center", va="center", zorder=8, gid="panel_note", parse_math=False,
            bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor="0.55", linewidth=0.8))


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



# ----------------------------------------------------------------------------- files


@styled
def freeze_layout(fig: Figure) -> Figure:
    """Lay ``fig`` out once, now, and keep that layout for every file saved from it.

    A layout engine would otherwise run again on each save, and the second format's
    layout could depend on the first's; frozen, each file's bytes are the same whichever
    formats are asked for, and the layout (a third of a save) is paid once.
    """
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig


def save(fig: Figure, path: Path, fmt: str) -> None:
    """Save ``fig`` to a temporary file next to ``path``, then rename it into place.

    Raises :class:`sim.store.rundir.WriteError` (an OSError: the path, then the cause) when the
    file cannot be written, also when matplotlib's writer, failing on the way out after
    the OSError (a full disk), raises something else.
    """
    metadata = {"png": {"Software": None}, "pdf": {"CreationDate": None}, "svg": {"Date": None}}[fmt]
    with rundir.atomic_path(path) as tmp, matplotlib.rc_context(STYLE):
        fig.savefig(tmp, format=fmt, dpi=PNG_DPI, metadata=metadata)


def save_formats(fig: Figure, directory: Path, stem: str, formats) -> list[Path]:
    """Save ``fig`` as ``directory/<stem>.<fmt>`` for each of ``formats`` (each once), its
    layout frozen first (:func:`freeze_layout`): the one way every figure is written, so a
    file's bytes never depend on which other formats were asked for. Returns the paths."""
    fig = freeze_layout(fig)
    paths = []
    for fmt in dict.fromkeys(formats):
        path = Path(directory) / rundir.figure_name(stem, fmt)
        save(fig, path, fmt)
        paths.append(path)
    return paths
