"""Figures for the page: matplotlib on its Agg canvas, in the page's style, out as inline SVG.

No pyplot, no GUI, no global figure state. SVG keeps text as text (`svg.fonttype: none`)
and uses a fixed hash salt and no date, so the same results give the same bytes. Sizes are
CSS pixels at the width the page gives a chart (one SVG viewBox unit is one pixel there),
so a 12 px label reads as 12 px on a laptop.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, ParamSpec, cast

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler

from vanceqa.report.markup import esc, slug

# The page's colours (style.py): text, muted text, table lines.
PALETTE = ("#2563eb", "#d97706", "#059669", "#9333ea", "#dc2626", "#0891b2", "#4b5563")
TEXT = "#111827"
MUTED = "#6b7280"
GRID = "#e5e7eb"
AXIS = "#9ca3af"
ERRORS = PALETTE[4]
THROTTLED = PALETTE[1]

# Pixel widths of a chart's box on the page (main 1280 px, minus paddings and borders).
WIDE = 1180
HALF = 578

_STYLE: dict[str, Any] = {
    # DejaVu Sans ships with matplotlib, so labels are laid out with the metrics of a font
    # the browser either has too or replaces with a narrower sans-serif: text never overflows.
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 12,
    "text.parse_math": False,  # an operation or reason with "$" in it is text, not TeX
    "text.color": TEXT,
    "figure.titlesize": 14,
    "figure.titleweight": "bold",
    # Room inside the chart's border (inches; 72 px to the inch).
    "figure.constrained_layout.w_pad": 8 / 72,
    "figure.constrained_layout.h_pad": 6 / 72,
    "axes.labelsize": 12,
    "axes.labelcolor": MUTED,
    "axes.edgecolor": AXIS,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": AXIS,
    "ytick.color": AXIS,
    "xtick.labelcolor": MUTED,
    "ytick.labelcolor": MUTED,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.frameon": False,
    "legend.fontsize": 11,
    "legend.handlelength": 2.4,
    "lines.linewidth": 1.8,
    "lines.markersize": 4,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}

_P = ParamSpec("_P")


def _rc(settings: Mapping[str, Any]) -> AbstractContextManager[None]:
    # matplotlib >= 3.10 types the keys as a Literal of every rc name; 3.8 takes str.
    return mpl.rc_context(cast(Any, dict(settings)))


def styled(draw: Callable[_P, Figure]) -> Callable[_P, Figure]:
    """Run a chart function under the page's style (rc settings apply when artists are made)."""

    @functools.wraps(draw)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> Figure:
        with _rc(_STYLE):
            return draw(*args, **kwargs)

    return wrapper


def canvas(width: int, height: int, title: str) -> Figure:
    """A figure of `width` x `height` px with its title at the top left."""
    fig = Figure(figsize=(width / 72, height / 72), dpi=72, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(title, x=10 / width, ha="left")
    fig.set_label(title)  # becomes the SVG's <title> and aria-label; charts say more
    return fig


def figure(width: int, height: int, title: str) -> tuple[Figure, Axes]:
    fig = canvas(width, height, title)
    return fig, fig.add_subplot()


def legend(fig: Figure, axes: Sequence[Axes]) -> None:
    """A legend under the plot, and an SVG id per data series ("series-N-name", "...-bar-M")."""
    handles = [h for ax in axes for h in ax.get_legend_handles_labels()[0]]
    for number, handle in enumerate(handles, 1):
        name = f"series-{number}-{slug(str(handle.get_label()))}"
        if isinstance(handle, BarContainer):
            for index, bar in enumerate(handle.patches, 1):
                bar.set_gid(f"{name}-bar-{index}")
        else:
            handle.set_gid(name)
    if handles:
        fig.legend(handles=handles, loc="outside lower left", ncols=min(len(handles), 6))


_SVG_START = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_SIZE = re.compile(r'\s(?:width|height)="[\d.]+pt"')
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|\shref="#)([^")]+)')


def to_svg(fig: Figure, chart_id: str) -> str:
    """The figure as inline SVG markup with `chart_id`, a <title> and an aria-label.

    matplotlib numbers its groups (figure_1, axes_1, ...) in every file, so all ids are
    prefixed with the chart's id to stay unique on a page with several charts."""
    buffer = io.StringIO()
    # The style again: the SVG writer reads the font list when it writes each text.
    settings = {**_STYLE, "svg.fonttype": "none", "svg.hashsalt": f"vanceqa-{chart_id}"}
    with _rc(settings):
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Creator": f"Matplotlib v{mpl.__version__}", "Date": None, "Type": None},
        )
    svg = _SVG_START.sub("", buffer.getvalue(), count=1)
    # Indentation and one line per path vertex are a third of the bytes.
    svg = re.sub(r">\s*\n\s*<", ">\n<", svg).strip().replace(" \n", " ")
    svg = _ID.sub(lambda m: f'id="{chart_id}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{chart_id}-{m.group(2)}", svg)
    # matplotlib's own stylesheet would otherwise apply to the whole page: keep it here.
    svg = svg.replace("*{stroke-linejoin", f"#{chart_id} *{{stroke-linejoin", 1)
    label = esc(str(fig.get_label()) or chart_id)
    head, rest = svg.split(">", 1)
    head = _SIZE.sub("", head)
    return (
        f'{head} id="{chart_id}" class="chart-svg" role="img" aria-label="{label}">'
        f"<title>{label}</title>{rest}"
    )
