"""Show matplotlib figures made without pyplot in Jupyter, whatever the backend.

The figures of the course are ``matplotlib.figure.Figure`` objects created directly (no
pyplot state). Jupyter's inline backend registers a PNG formatter for them, but only when
the inline backend is active; with ``MPLBACKEND=Agg`` (headless builds, CI) a returned
figure would show as «<Figure size …>». ``register()`` installs the formatter in the
running IPython shell, so a figure that is the last expression of a cell is always drawn.

The formatter renders at ``RETINA``× the figure's dpi and returns the displayed size as
output metadata (``width``/``height`` in CSS pixels): Jupyter and the book (myst-nb writes
them as the ``<img>`` size) show it at its usual size, crisp on high-density screens.

    figure_png(fig, scale=1) -> bytes             PNG bytes, cropped to the content
    figure_png_retina(fig) -> (bytes, metadata)   the formatter: 2× pixels, 1× displayed
"""
from __future__ import annotations

import io
import sys

RETINA = 2


def figure_png(fig, scale: float = 1) -> bytes:
    """PNG bytes of a figure, cropped to its content, at ``scale`` × its dpi."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi * scale, bbox_inches="tight")
    return buf.getvalue()


def figure_png_retina(fig):
    """(PNG at RETINA × dpi, {"width", "height"} in CSS pixels) for IPython's formatter."""
    data = figure_png(fig, scale=RETINA)
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return data, {"width": width // RETINA, "height": height // RETINA}


def register() -> bool:
    """Install the PNG formatter for ``Figure`` in the running IPython shell, if any."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    if shell is None:
        return False
    # by name: matplotlib is not imported until a figure is actually shown (a kernel that
    # only runs self-checks, e.g. when grading, starts faster)
    shell.display_formatter.formatters["image/png"].for_type_by_name(
        "matplotlib.figure", "Figure", figure_png_retina)
    return True
