"""The one figure style of the course: palette, fonts, dpi, figure factory, log axes, PNG.

Every figure module builds its figures with ``new_figure`` and colours from the palette, so
changing how all figures look is a change of this file.

    PALETTE / BLUE, RED, GREEN, ORANGE, GREY, PURPLE; FWD (forward pass), BWD (backward)
    FONT (the type scale: FONT.base, .large, .medium, .small, .tiny, .grid_title,
    .grid_small), DPI
    new_figure(w, h, ncols=1, nrows=1, dpi=DPI, adjust=None, **subplots_kw) -> (fig, axes)
        a ``matplotlib.figure.Figure`` (no pyplot state) with a fixed layout (the
        constrained layout costs ~0.2 s per redraw); ``axes`` is always a 2-d array
    constrained_figure(w, h, dpi=DPI) -> Figure   a static figure with the constrained layout
    log_axis(ax, which="y")     log scale with Unicode tick labels 10⁻³
    pow10(y, pos=None) -> str   the tick label itself
    png(fig, dpi=None, scale=1) -> bytes
        PNG bytes of a figure (or of anything with ``.png()``); ``scale=2`` renders twice
        the pixels (a crisp «retina» image, to be shown at half its pixel width)
    png_scaled(out, scale, figure=None) -> (bytes | None, scale_obtained)
        what an explorer's render returned (Figure, object with ``.png()``/``.fig``, PNG
        bytes or None) as PNG at ``scale`` where possible; bytes are redrawn from
        ``figure`` (the explorer's figure object) when a scale ≠ 1 is asked
    png_size(data) -> (width, height)   pixel size read from a PNG header
    figure_of(obj) -> Figure | None     a Figure itself or an object's ``.fig``
"""
from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

BLUE, RED, GREEN, GREY, ORANGE, PURPLE = (
    "#1f5fa8", "#c0392b", "#1e7b34", "#7f8c8d", "#d68910", "#8e44ad")
PALETTE = (BLUE, RED, GREEN, ORANGE, GREY, PURPLE)
FWD, BWD = BLUE, RED


class FONT:
    """The type scale in points; figure modules use these names, never a number."""

    base = 10           # titles: the base size
    large = 11          # the title of a whole figure above its panels
    medium = 9          # axis labels, titles of small panels, notes inside the axes
    small = 8           # legends, tick labels, annotations
    tiny = 7            # legends of crowded panels
    grid_title = 9.5    # a grid of many small panels: the title of one cell
    grid_small = 8.5    # ... the titles of the cell's axes and the grid's legend


DPI = 100

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def pow10(y, pos=None) -> str:
    """Tick label 10ⁿ in plain Unicode (mathtext is slow to render on every redraw)."""
    if not np.isfinite(y) or y <= 0:
        return ""
    e = np.log10(y)
    if abs(e - round(e)) > 1e-6:
        return ""
    e = round(e)
    return "1" if e == 0 else "10" + str(e).translate(_SUP)


def new_figure(w: float, h: float, ncols: int = 1, nrows: int = 1, dpi: int = DPI,
               adjust: dict | None = None, **kw):
    """A figure of ``w × h`` inches with a fixed layout and a 2-d array of axes."""
    fig = Figure(figsize=(w, h), dpi=dpi)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    pad = {"left": 0.8 / w, "right": 1 - 0.25 / w, "bottom": 0.6 / h, "top": 1 - 0.45 / h,
           "wspace": 0.32, "hspace": 0.4}
    fig.subplots_adjust(**{**pad, **(adjust or {})})
    return fig, axes


def constrained_figure(w: float, h: float, dpi: int = DPI) -> Figure:
    """A static figure of ``w × h`` inches with matplotlib's constrained layout (small
    multiples whose axes the caller adds); explorers use ``new_figure`` (fixed layout)."""
    return Figure(figsize=(w, h), dpi=dpi, layout="constrained")


def log_axis(ax, which: str = "y") -> None:
    """Log scale with Unicode tick labels 10⁻³ and no minor labels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    for name in which:
        axis = ax.yaxis if name == "y" else ax.xaxis
        (ax.set_yscale if name == "y" else ax.set_xscale)("log")
        axis.set_major_locator(LogLocator(base=10, numticks=8))
        axis.set_major_formatter(FuncFormatter(pow10))
        axis.set_minor_formatter(NullFormatter())


def png(fig, dpi: float | None = None, scale: float = 1) -> bytes:
    """PNG bytes of a Figure at its own dpi (or ``dpi``), times ``scale``.

    An object with ``.png()`` (a fast-drawing explorer figure) is asked for its PNG; with
    ``scale != 1`` its matplotlib figure (``.fig``), if it has one, is rendered instead.
    """
    if not isinstance(fig, Figure):
        inner = getattr(fig, "fig", None)
        if scale != 1 and isinstance(inner, Figure):
            return png(inner, dpi=dpi, scale=scale)
        if hasattr(fig, "png"):
            return fig.png()
    buf = io.BytesIO()
    target = (dpi or fig.dpi) * scale
    if target != fig.dpi:
        fig.savefig(buf, format="png", dpi=target)
        return buf.getvalue()
    from .fastdraw import encode_png
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return encode_png(canvas)


def figure_of(obj):
    """The matplotlib Figure of ``obj`` (itself, or its ``.fig``), else None."""
    return obj if isinstance(obj, Figure) else (
        obj.fig if isinstance(getattr(obj, "fig", None), Figure) else None)


def png_scaled(out, scale: float = 1, figure=None):
    """(PNG bytes or None, the scale they were drawn at) — see the module docstring."""
    if out is None:
        return None, 1
    if isinstance(out, bytes | bytearray):
        if scale != 1 and figure_of(figure) is not None:
            return png(figure, scale=scale), scale
        return bytes(out), 1
    if scale != 1 and figure_of(out) is not None:
        return png(out, scale=scale), scale
    return png(out), 1


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of PNG bytes (from the IHDR chunk)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
