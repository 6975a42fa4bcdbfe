"""The one explorer base: controls → render → PNG image, with a static fallback.

    Explorer(controls, render, rows=None, header_html="", fallback_text=...)
        controls   dict name -> ipywidgets control (its ``.value`` is read)
        render     callable(**values) -> (figure_or_png_bytes, html_text)
                   a matplotlib Figure, an object with ``.png()``, PNG bytes, or None
                   (nothing to draw: the image is hidden, the text explains); the text
                   goes under the image (Russian; no wall-clock numbers: the static book
                   would freeze them)
        rows       optional list of lists of control names, one HBox per row (default:
                   all controls in one wrapping row)
        header_html  an HTML line between the controls and the image (e.g. a legend)
        quick      optional callable(**values) -> (figure, text): a cheap picture (e.g. the
                   theory curve alone) shown at once while a slider is dragged; the full
                   ``render`` follows ``delay`` seconds after the last change (only in a
                   live kernel; without a running event loop every change renders in full)

    .values() -> dict      the current settings
    .render_png() -> (bytes, html)   one render without touching the widgets (benchmarks)
    .update()              re-render and show (called on every change)
    .last_seconds          seconds of the last update (benchmarks read it; never shown)

An explorer is an ``ipywidgets.VBox``. A front end that cannot show widgets (the static HTML
book, GitHub) falls back to the current PNG: the mime bundle also carries ``image/png`` and a
Russian ``text/plain``.
"""
from __future__ import annotations

import base64
import time

import ipywidgets as W

from ..figures.style import png

STYLE = {"description_width": "initial"}
FALLBACK_TEXT = "Интерактивный график: запустите ячейку в Jupyter, чтобы двигать ползунки."


class Explorer(W.VBox):
    """Controls, an optional header line, the figure as a PNG image, a text line."""

    def __init__(self, controls: dict, render, rows=None, header_html: str = "",
                 fallback_text: str = FALLBACK_TEXT, max_width: str = "1000px",
                 quick=None, delay: float = 0.4, **kwargs):
        self.controls = controls
        self.render = render
        self.quick = quick
        self.delay = delay
        self._pending = None
        self.fallback_text = fallback_text
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
        burst of changes (a slider being dragged, ``continuous_update``) shows the quick
        picture at once and the full one ``delay`` seconds after the last change."""
        loop = _running_loop() if self.quick is not None else None
        if loop is None:
            self.update()
            return
        self._show(*self._png(self.quick(**self.values())))
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.delay, self._settled)

    def _settled(self):
        self._pending = None
        self.update()

    def _png(self, result):
        out, text = result
        if out is None:
            return None, text
        return (out if isinstance(out, bytes | bytearray) else png(out)), text

    def _show(self, data, text):
        if data is None:                      # nothing to draw (e.g. an invalid setting)
            self.image.layout.display = "none"
        else:
            self.image.value = data
            self.image.layout.display = None
        self.status.value = f'<span style="font-size:90%">{text}</span>' if text else ""

    def values(self) -> dict:
        return {k: w.value for k, w in self.controls.items()}

    def render_png(self):
        return self._png(self.render(**self.values()))

    def update(self):
        t0 = time.perf_counter()
        self._show(*self.render_png())
        self.last_seconds = time.perf_counter() - t0

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, tuple):       # (data, metadata)
            data = data[0]
        data = dict(data or {})
        data["text/plain"] = self.fallback_text
        if self.image.value and self.image.layout.display != "none":
            data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return data


def _running_loop():
    import asyncio
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
