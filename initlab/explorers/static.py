"""Explorers that respond in the HTML book without a kernel: precomputed views.

In the book there is no kernel, so an ipywidgets explorer cannot recompute. Instead, at
build time, its figure is rendered for every combination of a small grid of key settings
and the page switches between those images in the browser: a manifest of PNGs (inline, as
JSON) plus ``_static/initlab-views.js`` (a few lines, no dependency, no network). The
controls carry the same Russian labels as the live widgets; a line under the figure says
which settings are precomputed and that Binder/Colab/local Jupyter give the full range.

    static_views(explorer, grid, scale=2, ...) -> StaticViews
        ``explorer``: a ``initlab.explorers.base.Explorer`` (its ``render`` is called for
        each combination, nothing on screen changes) or any widget with a ``.controls``
        dict and an ``.image`` (its controls are set, its image read, then restored).
        ``grid``: control name -> list of values (a subset of the control's options / of
        the slider's range). Views = the product of the lists; other controls keep their
        current values.
    StaticViews: .html (the viewer), .n_views, .n_images, .nbytes; shown via _repr_html_
    with_static_views(widget, grid, **kw) -> a displayable: the live widget in Jupyter,
        plus the precomputed viewer as ``text/html`` when the book is being built
    enabled() -> bool    True while the book is built (INITLAB_STATIC_VIEWS=1, set by
        tools/static_views.py); Jupyter, nbval and Binder never pay for the views

Enabling it on an explorer is one argument, ``Explorer(..., static_grid={...})``, or, for
an explorer built elsewhere, ``e.static_grid = {...}`` before it is displayed, or
``with_static_views(e, {...})`` as the last expression of the cell. Pick 2–3 values of the
2–3 settings that teach something: a view costs 0.06–0.35 s of CPU (figure at 2× plus the
explorer's own numerics) and 15–60 kB (``benchmarks/bench_static_views.py``).

In the book, ``text/html`` outranks the widget view (``nb_mime_priority_overrides`` in
_config.yml), so the page shows the viewer; JupyterLab keeps preferring the live widget.
Budgets (issue #15): ≤ 3 MB per page, so ``max_bytes`` defaults to 2.5 MB per explorer
and ``max_views`` to 48; exceeding them is an error at build time, not a slow page.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import os
from dataclasses import dataclass

from ..figures.style import figure_of, png, png_scaled

ENV = "INITLAB_STATIC_VIEWS"
MAX_VIEWS = 48
MAX_BYTES = 2_500_000
PALETTE_COLORS = 128
FULL_RANGE_NOTE = ("Полный диапазон настроек — в Binder, Colab или у себя в Jupyter "
                   "(кнопка с ракетой вверху страницы).")


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


@dataclass
class StaticViews:
    html: str
    n_views: int
    n_images: int
    nbytes: int

    def _repr_html_(self):
        return self.html


# ------------------------------------------------------------------- controls
def _option_pairs(control) -> list[tuple[str, object]]:
    opts = control.options
    if isinstance(opts, dict):
        return [(str(k), v) for k, v in opts.items()]
    return [(str(o[0]), o[1]) if isinstance(o, tuple | list) and len(o) == 2 else (str(o), o)
            for o in opts]


def _kind(control) -> str:
    if hasattr(control, "options"):
        return "select"
    if isinstance(control.value, bool):
        return "checkbox"
    if isinstance(control.value, int | float):
        return "range"
    raise TypeError(f"static views: cannot show a {type(control).__name__} control")


def _label(control, value) -> str:
    if hasattr(control, "options"):
        for label, v in _option_pairs(control):
            if v == value:
                return label
        raise ValueError(f"{value!r} is not an option of {control.description!r}")
    if isinstance(value, bool):
        return "да" if value else "нет"
    fmt = getattr(control, "readout_format", None)
    if isinstance(value, float) and fmt:
        return format(value, fmt)
    return str(value)


def _description(name, control) -> str:
    return (getattr(control, "description", "") or name).strip()


def _control_html(name, control, values, index) -> str:
    desc = html.escape(_description(name, control))
    labels = [_label(control, v) for v in values]
    kind = _kind(control)
    key = html.escape(name, quote=True)
    if kind == "checkbox" and sorted(values) == [False, True]:
        checked = " checked" if values[index] else ""
        return (f'<label class="initlab-views-control"><input type="checkbox" data-key="{key}"'
                f' data-values="{html.escape(json.dumps([bool(v) for v in values]))}"'
                f'{checked}> {desc}</label>')
    if kind == "range":
        return (f'<label class="initlab-views-control"><span>{desc}</span> '
                f'<input type="range" min="0" max="{len(values) - 1}" step="1"'
                f' value="{index}" data-key="{key}">'
                f' <output>{html.escape(labels[index])}</output></label>')
    opts = "".join(f'<option value="{i}"{" selected" if i == index else ""}>'
                   f"{html.escape(lab)}</option>" for i, lab in enumerate(labels))
    return (f'<label class="initlab-views-control"><span>{desc}</span> '
            f'<select data-key="{key}">{opts}</select></label>')


# ------------------------------------------------------------------- rendering
def _image(out, scale, figure):
    """(PIL RGB(A) image or None, the scale it was drawn at) for what a render returned.

    A matplotlib figure is rendered straight to pixels (``savefig(format="rgba")``: no PNG
    encoding and decoding on the way; animated artists included); PNG bytes are redrawn
    from the explorer's ``figure`` when a scale ≠ 1 is asked (as ``png_scaled`` does).
    """
    from PIL import Image

    if out is None:
        return None, 1
    target = figure_of(figure) if isinstance(out, bytes | bytearray) else figure_of(out)
    if scale == 1 or target is None:
        data, s = png_scaled(out, scale, figure)
        return Image.open(io.BytesIO(data)), s
    dpi = target.dpi * scale
    buf = io.BytesIO()
    target.savefig(buf, format="rgba", dpi=dpi)
    raw = buf.getvalue()
    w, h = int(target.get_figwidth() * dpi), int(target.get_figheight() * dpi)
    if len(raw) != 4 * w * h:                 # unexpected layout: the PNG way
        return Image.open(io.BytesIO(png(target, scale=scale))), scale
    return Image.frombuffer("RGBA", (w, h), raw, "raw", "RGBA", 0, 1), scale


def _encode(img, colors: int = PALETTE_COLORS) -> bytes:
    """A palette PNG (line figures need few colours): several times smaller, same look."""
    from PIL import Image

    img = img.convert("RGB")
    out = io.BytesIO()
    if not colors:
        img.save(out, format="PNG")
        return out.getvalue()
    small = img.quantize(colors=colors, method=Image.Quantize.FASTOCTREE)
    # the octree averages colours: snap the near-white background back to white
    palette = small.getpalette()
    small.putpalette([255 if min(palette[i:i + 3]) >= 248 else c
                      for i in range(0, len(palette), 3) for c in palette[i:i + 3]])
    small.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _renderer(explorer, scale):
    """A function values -> (image or None, css width, html text), and a cleanup."""
    controls = explorer.controls
    figure = getattr(explorer, "figure", None)
    if callable(getattr(explorer, "render", None)) and callable(getattr(explorer, "values",
                                                                       None)):
        base = explorer.values()

        def render(combo):
            out, text = explorer.render(**{**base, **combo})
            img, s = _image(out, scale, figure)
            return img, (img.width / s if img is not None else 0), text or ""

        return render, lambda: None

    # any widget with .controls and .image: drive its controls, read its image (or
    # redraw its .figure at the scale asked)
    original = {k: w.value for k, w in controls.items()}

    def render(combo):
        for k, v in combo.items():
            if controls[k].value != v:
                controls[k].value = v
        img, s = _image(bytes(explorer.image.value), scale, figure)
        status = getattr(explorer, "status", None)
        return img, img.width / s, getattr(status, "value", "") or ""

    def restore():
        for k, v in original.items():
            if controls[k].value != v:
                controls[k].value = v

    return render, restore


def usable_grid(controls: dict, grid: dict | None) -> dict | None:
    """``grid`` restricted to what the controls can show: values outside a drop-down's options
    or a slider's range are dropped (a factory may restrict its options), and the control's
    current value is added, so the static page opens on the same picture as the widget."""
    if not grid:
        return grid
    out = {}
    for key, values in grid.items():
        control = controls.get(key)
        if control is None:
            continue
        options = getattr(control, "options", None)
        if options:
            allowed = [o[1] if isinstance(o, tuple) else o for o in options]
            ok = [v for v in values if v in allowed]
        else:
            lo, hi = getattr(control, "min", None), getattr(control, "max", None)
            ok = [v for v in values if (lo is None or v >= lo) and (hi is None or v <= hi)]
        if control.value not in ok:
            ok.append(control.value)
        if len(ok) > 1:
            out[key] = ok
    return out or None


def static_views(explorer, grid: dict, *, scale: float = 2, note: str | None = None,
                 max_views: int = MAX_VIEWS, max_bytes: int = MAX_BYTES,
                 colors: int = PALETTE_COLORS) -> StaticViews:
    """Render the explorer for every combination of ``grid``; the HTML/JS viewer."""
    controls = explorer.controls
    unknown = [k for k in grid if k not in controls]
    if unknown:
        raise KeyError(f"static views: no control named {unknown}")
    keys = [k for k in grid if len(grid[k]) > 0]
    values = {k: list(grid[k]) for k in keys}
    n_views = 1
    for k in keys:
        n_views *= len(values[k])
    if n_views > max_views:
        raise ValueError(f"static views: {n_views} views > max_views={max_views}; "
                         "shrink the grid")
    current = {k: controls[k].value for k in keys}
    start = [values[k].index(current[k]) if current[k] in values[k] else 0 for k in keys]

    render, restore = _renderer(explorer, scale)
    images: list[str] = []
    seen: dict[str, int] = {}
    views: dict[str, list] = {}
    css_width = 0.0
    try:
        for idx in itertools.product(*(range(len(values[k])) for k in keys)):
            combo = {k: values[k][i] for k, i in zip(keys, idx)}
            img, width, text = render(combo)
            if img is None:                     # nothing to draw at this setting
                views[",".join(map(str, idx))] = [-1, text]
                continue
            data = _encode(img, colors)
            digest = hashlib.sha1(data).hexdigest()
            if digest not in seen:
                seen[digest] = len(images)
                images.append(base64.b64encode(data).decode("ascii"))
            css_width = max(css_width, width)
            views[",".join(map(str, idx))] = [seen[digest], text]
    finally:
        restore()
    nbytes = sum(len(b) for b in images) + sum(len(v[1]) for v in views.values())
    if nbytes > max_bytes:
        raise ValueError(f"static views: {nbytes} bytes > max_bytes={max_bytes}; "
                         "shrink the grid")

    first = views[",".join(map(str, start))]
    hidden = ";display:none" if first[0] < 0 else ""
    fixed = [f"{_description(k, w).rstrip(':')} — {_label(w, w.value)}"
             for k, w in controls.items() if k not in keys and _is_shown(w)]
    precomputed = "; ".join(
        f"{_description(k, controls[k]).rstrip(':')}: "
        + ", ".join(_label(controls[k], v) for v in values[k]) for k in keys)
    precomputed = precomputed[:1].upper() + precomputed[1:]   # a new sentence
    note_text = note or (
        f"Без Jupyter рисунок показан для заранее рассчитанных значений. {precomputed}"
        + (f" (остальные настройки: {'; '.join(fixed)})" if fixed else "") + ". " + FULL_RANGE_NOTE)
    manifest = {"keys": keys,
                "labels": [[_label(controls[k], v) for v in values[k]] for k in keys],
                "images": images, "views": views}
    payload = json.dumps(manifest, ensure_ascii=False).replace("</", "<\\/")
    controls_html = "".join(_control_html(k, controls[k], values[k], i)
                            for k, i in zip(keys, start))
    alt = html.escape(getattr(explorer, "fallback_text", "") or "Рисунок", quote=True)
    header = getattr(explorer, "header_html", "") or ""
    page = (
        '<div class="initlab-views" data-initlab-views="1">'
        f'<div class="initlab-views-controls">{controls_html}</div>'
        + (f'<div class="initlab-views-header">{header}</div>' if header else "") +
        f'<img class="initlab-views-image" alt="{alt}" '
        f'style="width:100%;max-width:{css_width:.0f}px;height:auto{hidden}" '
        f'src="data:image/png;base64,{images[first[0]] if first[0] >= 0 else ""}">'
        f'<div class="initlab-views-text">{first[1]}</div>'
        f'<p class="initlab-views-note">{html.escape(note_text)}</p>'
        f'<script type="application/json" class="initlab-views-data">{payload}</script>'
        "</div>")
    return StaticViews(html=page, n_views=len(views), n_images=len(images), nbytes=len(page))


def _is_shown(control) -> bool:
    try:
        _kind(control)
    except TypeError:
        return False
    return bool(getattr(control, "description", ""))


class with_static_views:
    """The widget itself in Jupyter; plus the precomputed viewer while the book is built."""

    def __init__(self, widget, grid: dict, **kwargs):
        self.widget, self.grid, self.kwargs = widget, grid, kwargs

    def __getattr__(self, name):
        if name.startswith(("_repr_", "_ipython_")):   # display goes through our bundle
            raise AttributeError(name)
        return getattr(self.widget, name)

    def _repr_mimebundle_(self, **kwargs):
        return add_static_html(self.widget._repr_mimebundle_(**kwargs), self.widget,
                               self.grid, **self.kwargs)


def add_static_html(bundle, widget, grid, **kwargs):
    """A widget's mime bundle, plus ``text/html`` of its static views when enabled()."""
    meta = None
    if isinstance(bundle, tuple):
        bundle, meta = bundle
    bundle = dict(bundle or {})
    if grid and enabled():
        bundle["text/html"] = static_views(widget, grid, **kwargs).html
    return (bundle, meta) if meta is not None else bundle
