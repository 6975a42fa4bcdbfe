"""Show matplotlib figures made without pyplot in Jupyter, whatever the backend.

The figures of the course are ``matplotlib.figure.Figure`` objects created directly (no
pyplot state). Jupyter's inline backend registers a PNG formatter for them, but only when
the inline backend is active; with ``MPLBACKEND=Agg`` (headless builds, CI) a returned
figure would show as «<Figure size …>». ``register()`` installs the formatter in the
running IPython shell, so a figure that is the last expression of a cell is always drawn.
"""
from __future__ import annotations

import io
import sys


def figure_png(fig) -> bytes:
    """PNG bytes of a figure, cropped to its content."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight")
    return buf.getvalue()


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
        "matplotlib.figure", "Figure", figure_png)
    return True
