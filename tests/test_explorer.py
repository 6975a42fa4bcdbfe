"""The variance explorer (real ipywidgets, no kernel) and the static figures.

Widget observers fire synchronously when a control's value is set, so setting a value
here is what moving a slider does in Jupyter; the figure is read back as PNG bytes.
"""
import io
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import ipywidgets as W
import numpy as np
import pytest
from matplotlib.figure import Figure

from initlab import text
from initlab.explorers.base import Explorer
from initlab.explorers.variance import variance_explorer
from initlab.figures import fastdraw
from initlab.figures import variance as plots
from initlab.numerics import propagate

PNG = b"\x89PNG\r\n\x1a\n"


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    return buf.getvalue()


def _unwrapped(text_artist):
    """The text of a message box with its line breaks (wrapping) undone."""
    return " ".join(text_artist.get_text().split())


def _has_cyrillic(s):
    return any("а" <= ch.lower() <= "я" or ch in "ёЁ" for ch in s)


@pytest.fixture(scope="module")
def ex():
    # a small batch keeps the module fast; the defaults are tested in test_defaults
    return variance_explorer(depth=12, batch=64)


def test_defaults_build_real_widgets():
    e = variance_explorer()
    assert isinstance(e, Explorer) and isinstance(e, W.VBox)
    c = e.controls
    assert set(c) == {"n_in", "n_out", "depth", "act", "scheme", "batch", "seed"}
    for key in ("n_in", "n_out", "depth"):
        assert isinstance(c[key], W.IntSlider)
    assert isinstance(c["act"], W.Dropdown) and isinstance(c["scheme"], W.Dropdown)
    assert (c["n_in"].min, c["n_in"].max, c["depth"].min, c["depth"].max) == (8, 1024, 1, 100)
    assert (c["n_in"].value, c["n_out"].value, c["depth"].value, c["batch"].value) == (
        256, 256, 30, 512)
    assert (c["act"].value, c["scheme"].value) == ("tanh", "seed_uniform")
    acts = [v for _, v in c["act"].options]
    schemes = [v for _, v in c["scheme"].options]
    assert {"linear", "tanh", "sigmoid", "relu", "leaky_relu"} <= set(acts)
    assert {"seed_uniform", "uniform_fixed", "lecun_normal", "xavier_uniform",
            "xavier_normal", "he_normal", "constant"} <= set(schemes)
    for label, _ in c["act"].options + c["scheme"].options:
        assert label
    for key in ("act", "scheme", "n_in", "depth", "batch", "seed"):
        assert _has_cyrillic(c[key].description)
    assert isinstance(e.image, W.Image) and bytes(e.image.value).startswith(PNG)
    assert e in [e] and e.image in e.children
    assert set(e.last_timing) == {"simulate", "theory", "draw"}
    assert "Ширины слоёв: 256 → 256" in e.status.value


def test_mimebundle_has_static_fallback(ex):
    data = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["image/png"] and _has_cyrillic(data["text/plain"])
    import base64
    assert base64.b64decode(data["image/png"]) == bytes(ex.image.value)


@pytest.mark.parametrize("key,value", [("depth", 7), ("n_in", 64), ("n_out", 512),
                                       ("act", "relu"), ("scheme", "he_normal"),
                                       ("seed", 5), ("batch", 128)])
def test_changing_a_control_redraws(ex, key, value):
    before = bytes(ex.image.value)
    ex.controls[key].value = value
    after = bytes(ex.image.value)
    assert after.startswith(PNG) and after != before
    v = ex.values()
    sim_line = ex.figure.var.sm_f
    assert len(sim_line.get_xdata()) == v["depth"]
    # the plotted simulation is the simulation of the current settings
    sm = propagate.simulate(**v)
    np.testing.assert_array_equal(sim_line.get_ydata(), np.where(sm.pre_var > 0, sm.pre_var,
                                                                 np.nan))
    th_line = ex.figure.var.th_b
    th = propagate.theory(v["act"], v["scheme"], v["n_in"], v["n_out"], v["depth"])
    np.testing.assert_allclose(th_line.get_ydata(), th.grad_var, rtol=1e-12)


def test_restricted_options():
    e = variance_explorer(depth=3, batch=64, acts=["linear", "relu"],
                          schemes=["seed_uniform", "he_normal"], act="relu",
                          scheme="he_normal")
    assert [v for _, v in e.controls["act"].options] == ["linear", "relu"]
    assert [v for _, v in e.controls["scheme"].options] == ["seed_uniform", "he_normal"]


EXTREME = [
    {"n_in": 8, "n_out": 1024, "depth": 100, "act": "sigmoid", "scheme": "constant"},
    {"n_in": 1024, "n_out": 8, "depth": 100, "act": "relu", "scheme": "seed_uniform"},
    {"n_in": 8, "n_out": 8, "depth": 100, "act": "sigmoid", "scheme": "seed_uniform"},
    {"n_in": 8, "n_out": 8, "depth": 100, "act": "linear", "scheme": "he_normal"},
    {"n_in": 1024, "n_out": 1024, "depth": 1, "act": "softplus", "scheme": "he_uniform"},
    {"n_in": 16, "n_out": 16, "depth": 100, "act": "tanh", "scheme": "zeros"},
    {"n_in": 8, "n_out": 1024, "depth": 100, "act": "leaky_relu", "scheme": "xavier_uniform"},
]


@pytest.mark.parametrize("setting", EXTREME, ids=lambda s: "-".join(map(str, s.values())))
def test_extreme_settings_never_raise(setting):
    e = variance_explorer(**setting, batch=64)       # one update, at these settings
    assert bytes(e.image.value).startswith(PNG)
    msg = e.figure.var.msg
    th = propagate.theory(setting["act"], setting["scheme"], setting["n_in"],
                          setting["n_out"], setting["depth"])
    for m in text.profile_messages(th):    # every breakdown the theory sees is written on the figure
        assert m.split(" на слое")[0] in _unwrapped(msg)
    if msg.get_visible():
        assert _has_cyrillic(msg.get_text())


def test_sliders_to_the_extremes_one_by_one(ex):
    """Every intermediate state of moving the controls one at a time is drawn too."""
    for key, value in (("batch", 64), ("depth", 100), ("act", "sigmoid"),
                       ("scheme", "constant"), ("n_in", 8), ("n_out", 1024),
                       ("scheme", "zeros"), ("depth", 1)):
        ex.controls[key].value = value
        assert bytes(ex.image.value).startswith(PNG)
    for key, value in (("n_in", 64), ("n_out", 64), ("act", "tanh"),
                       ("scheme", "xavier_normal"), ("depth", 12)):
        ex.controls[key].value = value


def test_breakdown_is_written_on_the_figure(ex):
    for key, value in (("n_in", 64), ("n_out", 64), ("act", "sigmoid"),
                       ("scheme", "seed_uniform"), ("depth", 100)):
        ex.controls[key].value = value
    text = _unwrapped(ex.figure.var.msg)
    assert ex.figure.var.msg.get_visible()
    assert "Градиент исчез: ушёл ниже диапазона float32 на слое" in text
    ex.controls["scheme"].value = "zeros"
    text = _unwrapped(ex.figure.var.msg)
    assert "Сигнал обратился в точный ноль на слое 1" in text
    assert "Нет данных для гистограмм" in ex.figure.hist.msg.get_text()
    ex.controls["scheme"].value = "xavier_normal"
    ex.controls["depth"].value = 10
    assert not ex.figure.var.msg.get_visible()


# ------------------------------------------------------------------ static figures

def _small_profiles(act="tanh", scheme="xavier_normal", depth=8):
    th = propagate.theory(act, scheme, 64, 64, depth)
    sm = propagate.simulate(act, scheme, 64, 64, depth, batch=64)
    return th, sm


def test_plot_grid():
    settings = [("linear", "seed_uniform"), ("sigmoid", "zeros"),
                {"act": "linear", "scheme": "xavier_normal", "n_in": 64, "n_out": 16}]
    fig = plots.plot_grid(settings, n_in=64, n_out=64, depth=6, batch=64, ncols=2)
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3 and len(fig.axes) == 4      # 2×2 grid, the 4th hidden
    assert all(ax.get_yscale() == "log" for ax in visible)
    assert _has_cyrillic(visible[0].get_title())
    assert "ширина 64 → 16" in visible[2].get_title()
    assert "точный ноль на слое 1" in " ".join(t.get_text() for t in visible[1].texts)
    assert _png(fig).startswith(PNG)


def test_plot_grid_key_settings_are_valid():
    # the default list the book shows: every entry resolves (checked cheaply on theory)
    for s in plots.KEY_SETTINGS:
        act, scheme, ni, no, d = plots._setting(s, 256, 256, 30)
        propagate.theory(act, scheme, ni, no, d)


def test_plot_profile_and_variance_and_histograms():
    th, sm = _small_profiles()
    for fig in (plots.plot_profile(th, sm), plots.plot_variance(theory=th),
                plots.plot_histograms(sm, kind="grad", layers=(1, 8))):
        assert isinstance(fig, Figure)
        assert _png(fig).startswith(PNG)
    fig = plots.plot_histograms(propagate.simulate("relu", "he_normal", 64, 64, 4, batch=64))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("нулей" in lab for lab in labels)       # ReLU's atom at 0 is reported


def test_explorer_figure_update_in_place():
    f = plots.ExplorerFigure()
    th, sm = _small_profiles()
    assert f.update(th, sm) is f.fig
    a = f.png()
    th2, sm2 = _small_profiles("relu", "he_normal", depth=5)
    f.update(th2, sm2)
    b = f.png()
    assert a.startswith(PNG) and b.startswith(PNG) and a != b
    assert len(f.var.th_f.get_xdata()) == 5


# ------------------------------------------------------------ in-place redraw (fastdraw)

def _pixels(png_bytes):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB"))


def test_in_place_redraw_equals_a_fresh_full_draw():
    """After several control changes the image (cached background + redrawn artists) is
    exactly what a full draw of the same figure and a freshly built explorer show."""
    e = variance_explorer(depth=12, batch=64)
    first = bytes(e.image.value)
    changes = [("act", "relu"), ("depth", 20), ("scheme", "he_normal"), ("n_out", 128),
               ("seed", 3), ("act", "sigmoid"), ("scheme", "constant"), ("batch", 128)]
    for key, value in changes:
        before = bytes(e.image.value)
        e.controls[key].value = value
        assert bytes(e.image.value) != before
        moved = _pixels(e.image.value)
        buf = io.BytesIO()
        e.figure.fig.savefig(buf, format="png", dpi=e.figure.fig.dpi)   # draws every artist
        assert np.array_equal(moved, _pixels(buf.getvalue())), (key, value)
    settings = {k: c.value for k, c in e.controls.items()}
    fresh = variance_explorer(**settings)
    assert np.array_equal(_pixels(e.image.value), _pixels(fresh.image.value))
    # the message box is wrapped inside the variance axes (not into the histogram panel)
    box = e.figure.var.msg.get_window_extent(e.figure.canvas.get_renderer())
    assert e.figure.var.msg.get_visible() and box.x1 < e.figure.ax_var.bbox.x1
    # back to the first settings: the cached background gives the first picture again
    for key, value in (("act", "tanh"), ("depth", 12), ("scheme", "seed_uniform"),
                       ("n_out", 256), ("seed", 0), ("batch", 64)):
        e.controls[key].value = value
    assert np.array_equal(_pixels(e.image.value), _pixels(first))


def test_explorer_limits_are_rounded_and_contain_the_data():
    e = variance_explorer(depth=12, batch=64)
    for key, value in (("act", "relu"), ("scheme", "he_normal"), ("act", "linear"),
                       ("n_out", 32)):
        e.controls[key].value = value
        lo, hi = e.figure.ax_var.get_ylim()
        for x in (lo, hi):                          # 1, 2 or 5 × 10ⁿ
            m = x / 10.0 ** np.floor(np.log10(x) + 1e-12)
            assert min(abs(m - s) for s in (1, 2, 5, 10)) < 1e-9
        ys = np.concatenate([ln.get_ydata() for ln in (e.figure.var.th_f, e.figure.var.sm_b)])
        ys = ys[np.isfinite(ys)]
        assert lo < ys.min() and ys.max() < hi
        top = max(float(np.max(ln.get_ydata(), initial=0)) for ln in e.figure.hist.lines)
        assert top < e.figure.ax_hist.get_ylim()[1] <= 1.25 * top
    rng = np.random.default_rng(0)
    for _ in range(200):
        lo, hi = np.sort(rng.normal(size=2)) * 10.0 ** rng.uniform(-5, 5)
        a, b = fastdraw.nice_range(lo, hi)
        step = fastdraw.nice_down((hi - lo) / 10)
        assert a <= lo and hi <= b and (b - a) <= (hi - lo) + 2 * step * (1 + 1e-9)


def test_static_profile_keeps_the_plain_limits():
    th, sm = _small_profiles()
    f = plots.ExplorerFigure(live=False)
    f.update(th, sm)
    live = plots.ExplorerFigure()
    live.update(th, sm)
    assert not any(a.get_animated() for a in f.fig.findobj())
    hi = f.ax_var.get_ylim()[1]
    allv = np.concatenate([th.pre_var, th.grad_var, sm.pre_var, sm.grad_var, [1.0]])
    assert hi == pytest.approx(3 * allv.max())      # the static figure's margin, not rounded
    assert live.ax_var.get_ylim()[1] >= hi / 2


# ------------------------------------------------------------ bounded cost at any setting

def test_the_work_budget_keeps_the_defaults_and_shrinks_big_networks():
    from initlab.explorers.variance import MAX_WORK
    assert propagate.batch_for(256, 256, 30, 512, MAX_WORK) == 512          # defaults unchanged
    b = propagate.batch_for(1024, 1024, 100, 512, MAX_WORK)
    per_row = 100 * 1024 * 1024                                             # Σ n_{l−1} n_l
    assert 8 <= b < 512 and b * per_row <= MAX_WORK < (b + 1) * per_row
    assert propagate.batch_for(8, 8, 1, 64, None) == 64


def test_a_smaller_batch_is_the_first_rows_of_the_same_simulation():
    full = propagate.simulate("tanh", "xavier_normal", 64, 64, 5, batch=256, seed=3)
    small = propagate.simulate("tanh", "xavier_normal", 64, 64, 5, batch=256, seed=3,
                               max_work=100 * 5 * 64 * 64)
    assert small.batch == 100 and full.batch == 256
    # the same network and inputs, fewer rows: the estimates agree within their noise
    # (relative se of a variance from m ≈ 100·64 values is about √(2/m) ≈ 1.8 %)
    np.testing.assert_allclose(small.pre_var, full.pre_var, rtol=5 * np.sqrt(2 / 6400))


def test_memory_stays_bounded_at_the_largest_setting():
    import tracemalloc

    from initlab.explorers.variance import MAX_WORK
    tracemalloc.start()
    try:
        sim = propagate.simulate("tanh", "he_normal", 1024, 1024, 100, batch=1024, seed=11,
                                 max_work=MAX_WORK)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sim.batch < 1024 and np.isfinite(sim.pre_var).all()
    assert propagate._cache_bytes[0] <= propagate._CACHE_BYTES
    assert peak < 400 * 2**20, peak / 2**20          # weights 400 MB are never all held


def test_dragging_shows_the_theory_at_once_and_the_simulation_after(monkeypatch):
    import asyncio

    e = variance_explorer(depth=6, batch=64)
    e.delay = 0.05

    async def drag():
        for d in (7, 8, 9):
            e.controls["depth"].value = d          # continuous_update: many changes
            assert len(e.figure.var.sm_f.get_xdata()) == 0       # theory only, no markers
            assert len(e.figure.var.th_f.get_xdata()) == d
        await asyncio.sleep(0.3)                    # released: the full update follows
        assert len(e.figure.var.sm_f.get_xdata()) == 9

    asyncio.run(drag())
    assert "моделирование" in e.figure.suptitle.get_text()


def test_dragging_keeps_the_axes_and_the_settled_picture_depends_on_the_setting_only():
    """While the depth slider is dragged (the quick picture) the axis limits are kept while
    the curves fit them, so a few static backgrounds serve many frames; the picture after
    the slider settles is the one a fresh explorer draws at that setting."""
    e = variance_explorer(depth=12, batch=64)
    values, full = e.values(), e.figure._key()
    values["n_in"] = 264
    e.quick(**values)              # the first frame of a drag: the full picture's axes
    assert e.figure._key() == full
    values, keys = e.values(), set()
    for depth in range(13, 61):
        values["depth"] = depth
        e.quick(**values)
        keys.add(e.figure._key())
        lo, hi = e.figure.ax_var.get_ylim()
        th = propagate.theory(values["act"], values["scheme"], values["n_in"],
                              values["n_out"], depth)
        shown = np.concatenate([th.pre_var, th.grad_var])
        shown = shown[np.isfinite(shown) & (shown > 0)]
        assert lo <= shown.min() and shown.max() <= hi               # the curves fit
        assert depth <= e.figure.ax_var.get_xlim()[1]
    assert len(keys) <= 8, len(keys)                                  # 48 frames
    e.controls["depth"].value = 60              # settles: the full picture
    assert e.image.value == variance_explorer(depth=60, batch=64).image.value
