"""Explorers respond in the HTML book without a kernel; figures are crisp.

Fast tests drive ``initlab.explorers.static`` and the retina formatter directly. The slow
browser tests build a small demo book (the course's _config.yml, _static/ and tools/, one
notebook with a static figure, an ``Explorer`` with a ``static_grid`` — a drop-down, a
slider and a check box — and the chapter-6 ``variance_explorer`` wrapped generically),
then open it in Chromium with every request outside localhost blocked: changing each
control changes the image, nothing is logged as an error, the page stays within the
budget, and every figure has at least twice the pixels of its displayed size.
"""
from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import ipywidgets as W
import nbformat
import numpy as np
import pytest

from initlab.explorers import static
from initlab.explorers.base import Explorer
from initlab.figures.style import new_figure, png, png_size

REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ fast
def _render(kind, freq, grid, seed=0):
    fig, ax = new_figure(6.5, 2.4)
    x = np.linspace(0, 6, 200)
    ax[0, 0].plot(x, np.sin(freq * x) if kind == "sin" else np.cos(freq * x))
    ax[0, 0].grid(grid)
    return fig, f"частота {freq}"


def _controls():
    return {
        "kind": W.Dropdown(options=[("синус", "sin"), ("косинус", "cos")], value="sin",
                           description="Функция:"),
        "freq": W.IntSlider(value=2, min=1, max=5, description="Частота:"),
        "grid": W.Checkbox(value=True, description="Сетка"),
        "seed": W.IntText(value=0, description="Зерно:"),
    }


GRID = {"kind": ["sin", "cos"], "freq": [1, 2, 3], "grid": [False, True]}


def _manifest(page_html: str) -> dict:
    m = re.search(r'<script type="application/json" class="initlab-views-data">(.*?)</script>',
                  page_html, flags=re.DOTALL)
    return json.loads(m.group(1).replace("<\\/", "</"))


def test_views_cover_the_grid_with_the_jupyter_labels():
    e = Explorer(_controls(), _render, header_html="<b>легенда</b>")
    sv = static.static_views(e, GRID)
    assert sv.n_views == 2 * 3 * 2
    assert sv.n_images == sv.n_views          # every setting draws something different
    m = _manifest(sv.html)
    assert m["keys"] == ["kind", "freq", "grid"]
    assert m["labels"] == [["синус", "косинус"], ["1", "2", "3"], ["да", "нет"][::-1]]
    for label in ("Функция:", "Частота:", "Сетка"):       # the widgets' own descriptions
        assert label in sv.html
    assert 'type="range"' in sv.html and "<select" in sv.html and 'type="checkbox"' in sv.html
    # the first view shown is the explorer's current setting: sin, freq 2, grid on
    assert 'data-key="freq"> <output>2</output>' in sv.html
    assert m["views"]["0,1,1"][1] == "частота 2"
    assert "Binder" in sv.html and "Зерно — 0" in sv.html
    assert '<div class="initlab-views-header"><b>легенда</b></div>' in sv.html
    # each view is the explorer's own figure at twice the pixels
    img = base64.b64decode(m["images"][m["views"]["1,2,0"][0]])
    direct = png(_render("cos", 3, False)[0], scale=2)
    assert png_size(img) == png_size(direct)
    assert f"max-width:{png_size(direct)[0] // 2}px" in sv.html
    # the widgets on screen were not touched
    assert e.values() == {"kind": "sin", "freq": 2, "grid": True, "seed": 0}


def test_budgets_are_enforced():
    e = Explorer(_controls(), _render)
    with pytest.raises(ValueError, match="max_views"):
        static.static_views(e, {"freq": [1, 2, 3, 4, 5], "kind": ["sin", "cos"]}, max_views=9)
    with pytest.raises(ValueError, match="max_bytes"):
        static.static_views(e, {"freq": [1, 2]}, max_bytes=1000)
    with pytest.raises(KeyError):
        static.static_views(e, {"nope": [1]})


def test_bundle_carries_views_only_while_the_book_is_built(monkeypatch):
    e = Explorer(_controls(), _render, static_grid={"freq": [1, 2]})
    monkeypatch.delenv(static.ENV, raising=False)
    assert "text/html" not in e._repr_mimebundle_()
    monkeypatch.setenv(static.ENV, "1")
    bundle = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle   # Jupyter: live widget
    assert 'data-initlab-views="1"' in bundle["text/html"]


class _OldStyleWidget(W.VBox):
    """A widget that is no Explorer: .controls, .image, .figure, redraws on every change."""

    def __init__(self):
        self.controls = _controls()
        self.figure, self.ax = new_figure(5, 2)
        self.image = W.Image(format="png")
        super().__init__([*self.controls.values(), self.image])
        for w in self.controls.values():
            w.observe(lambda _c: self.update(), names="value")
        self.update()

    def update(self):
        v = {k: w.value for k, w in self.controls.items()}
        self.ax[0, 0].clear()
        x = np.linspace(0, 6, 100)
        self.ax[0, 0].plot(x, np.sin(v["freq"] * x) if v["kind"] == "sin" else np.cos(x))
        self.image.value = png(self.figure)


def test_generic_widget_with_controls_and_image(monkeypatch):
    """Any widget with .controls and .image: controls are driven, then restored."""
    v = _OldStyleWidget()
    before = {k: w.value for k, w in v.controls.items()}
    sv = static.static_views(v, {"kind": ["sin", "cos"], "freq": [1, 3]})
    assert sv.n_views == 4 and sv.n_images == 3        # cos ignores freq: one image shared
    assert {k: w.value for k, w in v.controls.items()} == before
    m = _manifest(sv.html)
    assert m["views"]["1,0"][0] == m["views"]["1,1"][0] != m["views"]["0,0"][0]
    first = base64.b64decode(m["images"][0])
    assert png_size(first)[0] == 2 * png_size(bytes(v.image.value))[0]   # redrawn at 2×
    assert "Функция:" in sv.html and "Частота:" in sv.html
    wrapped = static.with_static_views(v, {"kind": ["sin", "cos"]})
    monkeypatch.delenv(static.ENV, raising=False)
    live = wrapped._repr_mimebundle_()
    assert "text/html" not in live and "application/vnd.jupyter.widget-view+json" in live
    monkeypatch.setenv(static.ENV, "1")
    assert "text/html" in wrapped._repr_mimebundle_()
    assert wrapped.controls is v.controls
    assert not hasattr(wrapped, "_repr_html_")     # IPython uses the bundle, not the widget
def test_book_build_draws_the_saved_image_at_twice_the_pixels(monkeypatch):
    monkeypatch.delenv(static.ENV, raising=False)
    live = Explorer(_controls(), _render)
    monkeypatch.setenv(static.ENV, "1")
    book = Explorer(_controls(), _render)
    assert png_size(book.image.value)[0] == 2 * png_size(live.image.value)[0]
    assert book.image.layout.max_width == live.image.layout.max_width


class _BytesFigure:
    """A figure object like the fast-drawing ones: .png() at 1×, .fig the Figure."""

    def __init__(self):
        self.fig, self.ax = new_figure(5, 2)
        (self.line,) = self.ax[0, 0].plot([0, 1], [0, 1])

    def update(self, freq):
        self.line.set_ydata([0, freq])
        self.ax[0, 0].set_ylim(0, 5)

    def png(self):
        return png(self.fig)


def test_bytes_are_redrawn_from_the_explorer_figure_and_none_hides(monkeypatch):
    monkeypatch.delenv(static.ENV, raising=False)
    fig = _BytesFigure()

    def render(freq):
        if freq == 4:
            return None, "при частоте 4 рисовать нечего"
        fig.update(freq)
        return fig.png(), f"частота {freq}"

    controls = {"freq": W.IntSlider(value=2, min=1, max=5, description="Частота:")}
    e = Explorer(controls, render)
    e.figure = fig
    assert png_size(e.image.value)[0] == 500 and e.image.layout.max_width == "500px"
    sv = static.static_views(e, {"freq": [2, 3, 4]})
    m = _manifest(sv.html)
    assert m["views"]["2"] == [-1, "при частоте 4 рисовать нечего"]
    imgs = [base64.b64decode(m["images"][m["views"][k][0]]) for k in ("0", "1")]
    assert [png_size(i)[0] for i in imgs] == [1000, 1000] and imgs[0] != imgs[1]
    assert "max-width:500px" in sv.html
    controls["freq"].value = 4
    assert e.image.layout.display == "none" and "image/png" not in e._repr_mimebundle_()
    monkeypatch.setenv(static.ENV, "1")
    book = Explorer({"freq": W.IntSlider(value=2, min=1, max=5)}, render, figure=fig)
    assert png_size(book.image.value)[0] == 1000 and book.image.layout.max_width == "500px"
    late = Explorer({"freq": W.IntSlider(value=2, min=1, max=5)}, render)
    late.figure = fig                       # set after construction, as explorers do
    late._repr_mimebundle_()                # displayed in the book build: redrawn at 2×
    assert png_size(late.image.value)[0] == 1000 and late.image.layout.max_width == "500px"


def test_live_image_is_sized_to_its_own_width(monkeypatch):
    monkeypatch.delenv(static.ENV, raising=False)
    e = Explorer(_controls(), _render, max_width="1100px")
    assert e.image.layout.max_width == f"{png_size(e.image.value)[0]}px"   # 650 < 1100
    e2 = Explorer(_controls(), _render, scale=2)
    assert png_size(e2.image.value)[0] == 2 * int(e2.image.layout.max_width[:-2])
    small = Explorer(_controls(), _render, max_width="300px")
    assert small.image.layout.max_width == "300px"


def test_static_figures_are_retina():
    from IPython.core.formatters import DisplayFormatter

    from initlab import display

    formatter = DisplayFormatter()
    formatter.formatters["image/png"].for_type_by_name(
        "matplotlib.figure", "Figure", display.figure_png_retina)
    fig, _ = new_figure(6, 3)
    data, meta = formatter.format(fig)
    raw = data["image/png"]
    raw = raw if isinstance(raw, bytes) else base64.b64decode(raw)
    w, h = png_size(raw)
    shown_w, shown_h = meta["image/png"]["width"], meta["image/png"]["height"]
    assert 0 <= w - 2 * shown_w <= 1 and 0 <= h - 2 * shown_h <= 1     # 2× its shown size
    assert abs(meta["image/png"]["width"] - 600) < 60      # bbox-cropped 6 in at 100 dpi


# ------------------------------------------------------------------ demo book
DEMO_CELLS = [
    ("code", ('import importlib.util\nif importlib.util.find_spec("initlab") is None:\n'
             '    %pip install -q initlab')),
    ("markdown", "# Демонстрация\n\nСтатический рисунок и исследователи."),
    ("code", ("import numpy as np\nimport ipywidgets as W\n"
             "from initlab.figures.style import new_figure\n"
             "from initlab.explorers.base import Explorer\n"
             "from initlab.explorers.static import with_static_views\n"
             "try:  # the chapter-6 explorer, before or after the reshape\n"
             "    from initlab.explorers.variance import variance_explorer\n"
             "except ImportError:\n"
             "    from initlab.explorers.variance import variance_explorer\n"
             "fig, ax = new_figure(6.5, 2.4)\nax[0, 0].plot([1, 3, 2])\nfig")),
    ("code", ("def render(kind, freq, grid):\n"
             "    fig, ax = new_figure(6.5, 2.4)\n"
             "    x = np.linspace(0, 6, 200)\n"
             "    ax[0, 0].plot(x, np.sin(freq * x) if kind == 'sin' else np.cos(freq * x))\n"
             "    ax[0, 0].grid(grid)\n"
             "    return fig, f'частота {freq}'\n"
             "controls = {\n"
             "    'kind': W.Dropdown(options=[('синус', 'sin'), ('косинус', 'cos')],\n"
             "                       value='sin', description='Функция:'),\n"
             "    'freq': W.IntSlider(value=2, min=1, max=5, description='Частота:'),\n"
             "    'grid': W.Checkbox(value=True, description='Сетка'),\n"
             "}\n"
             "Explorer(controls, render, scale=2, static_grid={'kind': ['sin', 'cos'],\n"
             "         'freq': [1, 2, 3], 'grid': [False, True]})")),
    ("code", ("with_static_views(variance_explorer(n_in=64, n_out=64, depth=10, "
             "batch=128),\n"
             "                  {'act': ['tanh', 'relu'], 'depth': [5, 10]})")),
]


def _demo_book(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "_config.yml", root / "_config.yml")
    for d in ("_static", "tools"):
        shutil.copytree(REPO / d, root / d, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (root / "node_modules").unlink(missing_ok=True)
    (root / "node_modules").symlink_to((REPO / "node_modules").resolve())
    (root / "_toc.yml").write_text("format: jb-book\nroot: demo\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for kind, src in DEMO_CELLS:
        nb.cells.append(nbformat.v4.new_code_cell(src) if kind == "code"
                        else nbformat.v4.new_markdown_cell(src))
    nbformat.write(nb, root / "demo.ipynb")
    return root


@pytest.fixture(scope="module")
def demo_html(tmp_path_factory) -> tuple[Path, float]:
    root = _demo_book(tmp_path_factory.mktemp("demo") / "book")
    exe = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1",
               PYTHONPATH=str(REPO))
    t0 = time.perf_counter()
    proc = subprocess.run([str(exe), "build", ".", "-W", "-n", "--keep-going"], cwd=root,
                          env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    return root / "_build" / "html", seconds


@pytest.fixture(scope="module")
def demo_page(demo_html):
    sync_api = pytest.importorskip("playwright.sync_api")
    from test_browser import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, Recorder, _QuietHandler

    html_dir, _ = demo_html
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    recorder = Recorder()

    def route(r):
        if (urllib.parse.urlsplit(r.request.url).hostname or "") in LOCAL_HOSTS:
            r.continue_()
        else:
            recorder.blocked.append(r.request.url)
            r.abort()

    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900},
                                          device_scale_factor=2, locale="ru-RU")
            context.route("**/*", route)
            page = context.new_page()
            page.on("console", recorder.on_console)
            page.on("pageerror", recorder.on_page_error)
            page.on("requestfailed", recorder.on_request_failed)
            page.on("response", recorder.on_response)
            page.goto(base + "demo.html", wait_until="load")
            page.wait_for_load_state("networkidle")
            yield page, recorder
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
@pytest.mark.browser
def test_every_kind_of_control_changes_the_image(demo_page):
    from test_browser import exercise_views

    page, recorder = demo_page
    viewers = page.locator("[data-initlab-views]")
    assert viewers.count() == 2
    assert page.locator(".jupyter-widgets").count() == 0       # no frozen live widget
    assert exercise_views(page) == {"select", "range", "checkbox"}
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    viewers.first.screenshot(path=str(REPO / "test-artifacts" / "static_views.png"))
    text = page.locator(".initlab-views-text").first.text_content()
    assert text.startswith("частота")
    assert "Binder" in page.locator(".initlab-views-note").first.text_content()
    assert not recorder.problems, recorder.problems
    assert not recorder.blocked, recorder.blocked


@pytest.mark.slow
@pytest.mark.browser
def test_page_weight_and_build_time(demo_html):
    html_dir, seconds = demo_html
    from test_browser import VIEWS_BUDGET, views_bytes

    page = (html_dir / "demo.html").read_bytes()
    assert page.count(b'class="initlab-views-data"') == 2
    added = views_bytes(html_dir / "demo.html")
    assert 0 < added <= VIEWS_BUDGET, added
    assert b"application/vnd.jupyter.widget-state+json" not in page   # dead weight dropped
    print(f"demo page: {len(page)} bytes, views {added} bytes; build {seconds:.0f} s")


CRISP_JS = """() => Array.from(document.querySelectorAll('.cell_output img, .initlab-views img'))
  .filter((img) => img.clientWidth > 0)
  .map((img) => ({src: img.currentSrc.slice(0, 80), natural: img.naturalWidth,
                  shown: img.clientWidth, svg: /\\.svg$|image\\/svg/.test(img.currentSrc)}))"""


def _blurry(figures) -> list:
    return [f for f in figures if not f["svg"] and f["natural"] < 2 * f["shown"] - 1]


@pytest.mark.slow
@pytest.mark.browser
def test_demo_figures_are_at_least_twice_their_displayed_size(demo_page):
    page, _ = demo_page
    figures = page.evaluate(CRISP_JS)
    # the static figure, the Explorer's views, the wrapped chapter-6 explorer (whose
    # render gives 1× bytes: its views are redrawn from its .figure at 2×)
    assert len(figures) == 3, figures
    assert not _blurry(figures), figures


def test_pixels_straight_from_the_figure_equal_its_png():
    """The fast path (savefig to raw RGBA) draws what the PNG path draws, animated
    artists (the fast-drawing figures' dynamic ones) included."""
    import io

    from PIL import Image

    fig, ax = new_figure(4, 2)
    (line,) = ax[0, 0].plot([0, 1, 2], [0, 2, 1], lw=2)
    line.set_animated(True)
    img, s = static._image(fig, 2, None)
    assert s == 2 and img.size == (800, 400)
    via_png = np.asarray(Image.open(io.BytesIO(png(fig, scale=2))).convert("RGB"))
    assert np.array_equal(np.asarray(img.convert("RGB")), via_png)
    line.set_visible(False)
    assert not np.array_equal(np.asarray(static._image(fig, 2, None)[0].convert("RGB")),
                              via_png)
