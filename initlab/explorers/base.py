"""The one explorer base: controls → render → PNG image, with a static fallback.

    Explorer(controls, render, rows=None, header_html="", fallback_text=...,
             max_width="1000px", scale=1, static_grid=None, quick=None, delay=0.4)
        controls   dict name -> ipywidgets control (its ``.value`` is read)
        render     callable(**values) -> (figure_or_png_bytes, html_text)
                   a matplotlib Figure, an object with ``.png()``, PNG bytes, or None
                   (nothing to draw: the image is hidden, the text explains); the text
                   goes under the image (Russian; no wall-clock numbers: the static book
                   would freeze them)
        rows       optional list of lists of control names, one HBox per row (default:
                   all controls in one wrapping row)
        header_html  an HTML line between the controls and the image (e.g. a legend)
        max_width  the image is never wider than this NOR than its own size in CSS pixels
                   (PNG width / scale): sized to the column, never stretched
        scale      pixels per CSS pixel of the live image (2 = crisp on retina screens,
                   ~2-3× the drawing cost of 1); at least 2 while the book is built.
                   A render that returns PNG bytes is redrawn at that scale from the
                   explorer's ``.figure`` (a Figure or an object with ``.fig``) if it
                   has one, else shown at 1×
        static_grid  control name -> list of values: in the HTML book (no kernel) the
                   explorer is shown as views precomputed for every combination, switched
                   in the browser (``initlab.explorers.static``); Jupyter keeps the live
                   widget. E.g. ``static_grid={"act": ["tanh", "relu"], "depth": [10, 50]}``
        quick      optional callable(**values) -> (figure, text): a cheap picture (e.g. the
                   theory curve alone) shown at once while a slider is dragged
                   (``continuous_update``); the full ``render`` follows ``delay`` seconds
                   after the last change (only with a running event loop, i.e. in a live
                   kernel; otherwise every change renders in full)

    .values() -> dict      the current settings
    .render_png(scale=None) -> (bytes | None, html)  one render, the widgets untouched
    .figure                optional (or ``figure=`` argument): the figure object the
                           render draws into
    .update()              re-render and show (called on every change)
    .last_seconds          seconds of the last update (benchmarks read it; never shown)

An explorer is an ``ipywidgets.VBox``. A front end that cannot show widgets (the static HTML
book, GitHub) falls back to the current PNG: the mime bundle also carries ``image/png`` and a
Russian ``text/plain``; while the book is built, and with a ``static_grid``, also the
precomputed viewer as ``text/html`` (what the book shows).
"""
from __future__ import annotations

import base64
import re
import time

import ipywidgets as W

from ..figures.style import png_scaled, png_size
from .static import add_static_html, usable_grid
from .static import enabled as static_enabled

STYLE = {"description_width": "initial"}
BOOK_SCALE = 2
FALLBACK_TEXT = "Интерактивный график: запустите ячейку в Jupyter, чтобы двигать ползунки."


class Explorer(W.VBox):
    """Controls, an optional header line, the figure as a PNG image, a text line."""

    def __init__(self, controls: dict, render, rows=None, header_html: str = "",
                 fallback_text: str = FALLBACK_TEXT, max_width: str = "1000px",
                 scale: float = 1, static_grid: dict | None = None, figure=None,
                 quick=None, delay: float = 0.4, **kwargs):
        self.controls = controls
        self.quick = quick
        self.delay = delay
        self._pending = None
        if figure is not None:
            self.figure = figure
        self.render = render
        self.fallback_text = fallback_text
        self.header_html = header_html      # the static views repeat it (a legend)
        # in the book build the saved image is drawn at 2× too (crisp, sized by max_width)
        self.scale = max(scale, BOOK_SCALE) if static_enabled() else scale
        self.static_grid = usable_grid(controls, static_grid)
        self._max_width = max_width
        self._image_scale = 1           # the scale the current image was drawn at
        self.image = W.Image(format="png", layout=W.Layout(width="100%", max_width=max_width))
        self.status = W.HTML()
        self.last_seconds = 0.0
        wrap = W.Layout(flex_flow="row wrap")
        if rows is None:
            rows = [list(controls)]
        children = [W.HBox([controls[k] for k in row], layout=wrap) for row in rows]
        if header_html:
            children.append(W.HTML(f'<div style="font-size:90%">{header_html}</div>'))
        children += [self.image, self.status]
        super().__init__(children, **kwargs)
        for w in controls.values():
            w.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, _change):
        """Every change redraws. With ``quick`` and a running event loop (a live kernel), a
        burst of changes (a slider being dragged) shows the quick picture at once and the
        full one ``delay`` seconds after the last change."""
        loop = _running_loop() if self.quick is not None else None
        if loop is None:
            self.update()
            return
        out, text = self.quick(**self.values())
        data, self._image_scale = png_scaled(out, self.scale, getattr(self, "figure", None))
        self._show(data, text)
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.delay, self._settled)

    def _settled(self):
        self._pending = None
        self.update()

    def values(self) -> dict:
        return {k: w.value for k, w in self.controls.items()}

    def render_png(self, scale: float | None = None):
        out, text = self.render(**self.values())
        data, self._image_scale = png_scaled(out, self.scale if scale is None else scale,
                                             getattr(self, "figure", None))
        return data, text

    def css_max_width(self, data: bytes, scale: float | None = None) -> str:
        """The image's own width in CSS pixels, capped by ``max_width`` if that is in px."""
        natural = png_size(data)[0] / (self._image_scale if scale is None else scale)
        m = re.fullmatch(r"\s*([\d.]+)px\s*", self._max_width or "")
        return f"{min(natural, float(m.group(1))) if m else natural:.0f}px"

    def update(self):
        t0 = time.perf_counter()
        self._show(*self.render_png())
        self.last_seconds = time.perf_counter() - t0

    def _show(self, data, text):
        if data is None:                      # nothing to draw (e.g. an invalid setting)
            self.image.layout.display = "none"
        else:
            self.image.value = data
            self.image.layout.display = None
            width = self.css_max_width(data)
            if self.image.layout.max_width != width:
                self.image.layout.max_width = width
        self.status.value = f'<span style="font-size:90%">{text}</span>' if text else ""

    def _repr_mimebundle_(self, **kwargs):
        if static_enabled() and self._image_scale != self.scale and self.image.value:
            self.update()   # the book: a .figure set after construction draws at 2× now
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, tuple):       # (data, metadata)
            data = data[0]
        data = dict(data or {})
        data["text/plain"] = self.fallback_text
        if self.image.value and self.image.layout.display != "none":
            data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
            if self._image_scale != 1:   # the fallback PNG at its CSS size, not pixel size
                width = round(png_size(self.image.value)[0] / self._image_scale)
                data = (data, {"image/png": {"width": width}})
        return add_static_html(data, self, self.static_grid)


def _running_loop():
    import asyncio
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
