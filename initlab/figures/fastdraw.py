"""Fast in-place redrawing of explorer figures, with matplotlib's public blitting API only.

An explorer redraws one figure on every control change. Most of an Agg draw is text
(tick labels, axis labels, titles); these pieces keep it cheap (``copy_from_bbox``,
``restore_region`` and ``Artist.draw`` of the Agg canvas: no private matplotlib names):

    LiveFigure(fig, live=True)  the static part of a figure (axes, ticks, labels) is rendered
                                once per set of axis limits and kept; a redraw restores it and
                                draws only the changing artists (marked with ``_dynamic``).
    encode_png(canvas) -> bytes one fast PNG encoding of the canvas (RGB, zlib level 1)
    nice_up(x) / nice_down(x)   round to 1, 2, 5 × 10ⁿ (or other ``steps``) up / down
    log_limits(*values)         log-axis limits rounded outwards to 1, 2, 5 × 10ⁿ
    lin_limits(*values)         linear limits rounded outwards
    nice_range(lo, hi)          linear [lo, hi] rounded outwards to a tenth of the range

Rounded limits make an explorer meet few distinct static parts, so the cached background is
reused. Nothing here computes course numerics.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

__all__ = ["LiveFigure", "encode_png", "lin_limits", "log_limits", "nice_down", "nice_range",
           "nice_up"]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(canvas) -> bytes:
    """The canvas as an 8-bit RGB PNG: rows without a filter, zlib level 1.

    The same pixels and about the same size as PIL's ``compress_level=1`` for plots (mostly
    flat colour), in less than half the time: PIL also tries a filter per row."""
    rgba = np.asarray(canvas.buffer_rgba())
    h, w = rgba.shape[:2]
    raw = np.empty((h, 1 + 3 * w), np.uint8)
    raw[:, 0] = 0                                   # filter type 0 (None) on every row
    raw[:, 1:].reshape(h, w, 3)[...] = rgba[..., :3]
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)    # 8 bit, RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(raw.data, 1)) + _png_chunk(b"IEND", b""))


class LiveFigure:
    """A figure created once and redrawn in place by blitting.

    The artists that change (``_dynamic``) are marked animated: Agg's ordinary draw skips
    them. The rest — axes, ticks, tick labels, axis labels, fixed texts; rendering text is
    what costs most — is drawn once per *static state* and the bitmap kept; the state is the
    axis limits of every axes plus ``_extra_key()``. A redraw restores the bitmap and draws
    the dynamic artists over it in z-order. ``savefig`` (the inline backend of a notebook)
    draws everything as usual. With ``live=False`` nothing is animated (a static figure).
    """

    max_backgrounds = 12

    def __init__(self, fig, live=True):
        self.fig = fig
        self.live = live
        self.canvas = FigureCanvasAgg(fig)
        self._dyn = []
        self._bg = {}

    def _dynamic(self, *artists):
        if self.live:
            for a in artists:
                a.set_animated(True)
                self._dyn.append(a)
        return artists

    def _drop(self, *artists):
        for a in artists:
            if a in self._dyn:
                self._dyn.remove(a)
            a.remove()

    def _extra_key(self):
        return ()

    def _key(self):
        return tuple(ax.get_xlim() + ax.get_ylim() for ax in self.fig.axes) + self._extra_key()

    def draw(self):
        """Render with Agg (restore the cached static part, draw the dynamic artists)."""
        if not self.live:
            self.canvas.draw()
            return
        key = self._key()
        bg = self._bg.get(key)
        if bg is None:
            self.canvas.draw()
            if len(self._bg) >= self.max_backgrounds:
                self._bg.clear()
            self._bg[key] = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(bg)
        renderer = self.canvas.get_renderer()
        axes = self.fig.axes
        order = sorted((a for a in self._dyn if a.get_visible()),
                       key=lambda a: (axes.index(a.axes) if a.axes in axes else len(axes),
                                      a.get_zorder()))
        for a in order:
            a.draw(renderer)

    def png(self) -> bytes:
        """The current figure as PNG bytes."""
        self.draw()
        return encode_png(self.canvas)


_STEPS125 = np.array([1.0, 2.0, 5.0, 10.0])


def nice_up(x, steps=_STEPS125):
    """The smallest s·10ⁿ ≥ x (x > 0) with s in ``steps`` (ascending, 1 … 10)."""
    e = np.floor(np.log10(x))
    return float(steps[np.searchsorted(steps, x / 10 ** e - 1e-9)] * 10 ** e)


def nice_down(x, steps=_STEPS125):
    """The largest s·10ⁿ ≤ x (x > 0) with s in ``steps`` (ascending, 1 … 10)."""
    e = np.floor(np.log10(x))
    return float(steps[np.searchsorted(steps, x / 10 ** e + 1e-9, side="right") - 1] * 10 ** e)


def nice_range(lo, hi):
    """[lo, hi] (lo < hi) rounded outwards to a multiple of nice_down((hi − lo) / 10)."""
    step = nice_down((hi - lo) / 10.0)
    return float(np.floor(lo / step) * step), float(np.ceil(hi / step) * step)


def log_limits(*values):
    """Log-axis limits: autoscale's 5 % margins (at least a factor 1.3) around the positive
    finite values, rounded outwards to 1, 2, 5 × 10ⁿ (so that an explorer meets few distinct
    limits and reuses its cached background)."""
    v = np.concatenate([np.ravel(np.asarray(x, float)) for x in values])
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return 0.1, 10.0
    lo, hi = float(v.min()), float(v.max())
    pad = max(1.3, (hi / lo) ** 0.05)
    lo, hi = nice_down(lo / pad), nice_up(hi * pad)
    if hi / lo < 10:     # less than a decade: widen to whole decades, so that ticks are labelled
        lo, hi = 10.0 ** np.floor(np.log10(lo) + 1e-9), 10.0 ** np.ceil(np.log10(hi) - 1e-9)
    return float(lo), float(hi)


def lin_limits(*values, margin=0.05):
    """Linear limits: the data range with 5 % margins, rounded outwards to a fifth of the
    leading decimal digit of the range."""
    v = np.concatenate([np.ravel(np.asarray(x, float)) for x in values])
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    r = hi - lo if hi > lo else max(abs(hi), 1.0)
    lo, hi = lo - margin * r, hi + margin * r
    step = 2 * 10.0 ** (np.floor(np.log10(r)) - 1)
    return float(np.floor(lo / step) * step), float(np.ceil(hi / step) * step)

