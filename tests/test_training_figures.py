"""The explorers of dropout, batch normalisation and pruning redraw one figure in place
(``figures.training.DropoutFigure``, ``ActivationsFigure``, ``PruningFigure``): after a
sequence of different settings the picture is that of a figure built afresh at the last
settings (no stale artists), and the ``plot_*`` function draws the same picture."""
from __future__ import annotations

import io

import numpy as np
import pytest

from initlab.explorers import training as W2
from initlab.figures import training as P2
from initlab.numerics import pruning
from initlab.numerics import regularization as reg

PNG = b"\x89PNG\r\n\x1a\n"


def _pixels(png_bytes):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB"))


def _full_draw(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)          # draws every artist in z-order
    return _pixels(buf.getvalue())


def _differing(a, b):
    assert a.shape == b.shape
    return int(np.count_nonzero(np.any(a != b, axis=2)))


def _changes_redraw_in_place(e, changes, make):
    """Apply ``changes`` to explorer ``e``; after each the image must change and equal an
    ordinary full draw of the figure; at the end it must equal a freshly built explorer at
    the same settings. Returns the first image (PNG bytes)."""
    first = bytes(e.image.value)
    assert first.startswith(PNG)
    for control, value in changes:
        before = bytes(e.image.value)
        e.controls[control].value = value
        assert bytes(e.image.value) != before, (control, value)
        # the cached static part plus the redrawn artists = an ordinary full draw
        assert _differing(_pixels(e.image.value), _full_draw(e.figure.fig)) <= 20, \
            (control, value)
    assert np.array_equal(_pixels(e.image.value), _pixels(make(**e.values()).image.value))
    return first


def _static_dropout(p):
    return P2.plot_dropout(reg.dropout_head(0), reg.DROPOUT_X, p)


def _static_bn(act, scale, depth):
    return P2.plot_activations(depth, 128, act, scale)


def _static_pruning(fraction):
    prob = pruning.pruning_problem()
    return P2.plot_pruning(prob, pruning.pruning_curves(prob), fraction)


CASES = {
    "dropout": (W2.dropout_explorer, _static_dropout,
                [("p", 0.8), ("p", 0.0), ("p", 0.9), ("p", 0.3)]),
    "bn": (W2.bn_explorer, _static_bn,
           [("act", "relu"), ("scale", 1.0), ("depth", 7), ("act", "sigmoid"),
            ("scale", 4.0), ("act", "tanh"), ("depth", 33)]),
    "pruning": (W2.pruning_explorer, _static_pruning,
                [("fraction", 0.95), ("fraction", 0.0), ("fraction", 0.25), ("fraction", 0.6)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_in_place_update_equals_a_fresh_figure(name):
    make, static, changes = CASES[name]
    e = make()
    first = _changes_redraw_in_place(e, changes, make)
    settings = e.values()
    moved = _pixels(e.image.value)
    # the static figure of the notebooks draws the same picture (all artists at once)
    assert _differing(moved, _full_draw(static(**settings))) <= 20
    # back to the first settings: the first picture again
    for control, value in ((c, make().controls[c].value) for c in e.controls):
        e.controls[control].value = value
    assert np.array_equal(_pixels(e.image.value), _pixels(first))


def test_static_figures_animate_nothing():
    for fig in (_static_dropout(0.5), _static_bn("relu", 1.0, 5), _static_pruning(0.5)):
        assert not any(a.get_animated() for a in fig.findobj())


def test_dropout_histograms_show_the_masks_and_the_right_panel_is_fixed():
    head, x = reg.dropout_head(0), reg.DROPOUT_X
    f = P2.DropoutFigure(head, x, n=4000, live=False)
    f.update(0.5)
    curves = [ln.get_ydata().copy() for ln in f.ax_sd.lines]
    raw = reg.head_outputs(head, x, 0.5, n=4000, inverted=False)
    inv = reg.head_outputs(head, x, 0.5, n=4000, inverted=True)
    heights_raw = np.array([r.get_height() for r in f.bars_raw])
    heights_inv = np.array([r.get_height() for r in f.bars_inv])
    # the bars are the histograms of the outputs, scaled by one common factor
    edges = np.r_[[r.get_x() for r in f.bars_raw], f.bars_raw[-1].get_x()
                  + f.bars_raw[-1].get_width()]
    c_raw, c_inv = np.histogram(raw, edges)[0], np.histogram(inv, edges)[0]
    top = max(c_raw.max(), c_inv.max())
    np.testing.assert_allclose(heights_raw * top, c_raw)
    np.testing.assert_allclose(heights_inv * top, c_inv)
    assert c_raw.sum() == c_inv.sum() == 4000
    assert f.mean_raw.get_xdata()[0] == pytest.approx(raw.mean())
    f.update(0.8)
    for ln, y in zip(f.ax_sd.lines, curves):
        assert np.array_equal(ln.get_ydata(), y)
    assert f.p_line.get_xdata()[0] == 0.8


def test_pruning_bars_are_the_weights_left_by_each_method():
    prob = pruning.pruning_problem()
    f = P2.PruningFigure(prob, pruning.pruning_curves(prob), live=False)
    p = len(prob["w"])
    for fraction in (0.0, 0.5, 0.95):
        f.update(fraction)
        k = round(fraction * p)
        for m, bars in f.bars.items():
            w = pruning.prune(prob, k, m)[0]
            np.testing.assert_allclose([r.get_height() for r in bars], np.abs(w))
            assert sum(r.get_height() == 0 for r in bars) >= k


def test_activation_histograms_are_shares_of_all_values_per_layer():
    """Each bin holds the share of ALL the layer's values that fall in it; values outside
    the range are in no bin (the end bins do not collect them: no false mode at the edge)."""
    acts = np.random.default_rng(0).normal(size=(4, 1000))
    H = P2._layer_histograms(acts, -2.0, 2.0, 8)
    assert H.shape == (8, 4)
    inside = ((acts >= -2) & (acts <= 2)).mean(axis=1)
    assert (inside < 1).all()
    np.testing.assert_allclose(H.sum(axis=0), inside)
    for layer in range(4):
        counts = np.histogram(acts[layer], np.linspace(-2, 2, 9))[0]
        np.testing.assert_allclose(H[:, layer], counts / 1000)


def test_maps_explorer_redraws_in_place_as_a_fresh_figure():
    """The mean-field maps explorer (``figures.meanfield.MapsFigure``, also a LiveFigure):
    through changes of σ_w², σ_b² and of the activation (the phase panel is rebuilt), the
    image equals a full draw and a freshly built explorer at the same settings."""
    from initlab.explorers import meanfield as E
    from initlab.figures import meanfield as F
    e = E.maps_explorer()
    first = _changes_redraw_in_place(
        e, [("sw2", 4.5), ("act", "relu"), ("sb2", 2.0), ("sw2", 1.0), ("act", "linear"),
            ("act", "tanh"), ("sb2", 0.5)], E.maps_explorer)
    settings = e.values()
    static = F.maps_figure(settings["sw2"], settings["sb2"], settings["act"])
    assert not any(a.get_animated() for a in static.findobj())
    for control in ("act", "sw2", "sb2"):
        e.controls[control].value = E.maps_explorer().controls[control].value
    assert np.array_equal(_pixels(e.image.value), _pixels(first))


def test_each_activation_panel_has_its_own_range_and_the_title_its_numbers():
    """An exploding plain network (ReLU, c = 3: sd ≈ 10⁶ at layer 20) does not squash the
    batch-normalised panel (unit-scale activations); the title prints c as set, with a
    decimal comma, and the activation by its Russian name."""
    f = P2.ActivationsFigure(live=False)
    f.update(depth=20, act="relu", scale=3.0)
    plain_top = f.images[0].axes.get_ylim()[1]
    normed_top = f.images[1].axes.get_ylim()[1]
    assert plain_top > 1e5 and normed_top < 10
    f.update(depth=5, act="sigmoid", scale=1.25)
    title = f.suptitle.get_text()
    assert "c = 1,25" in title and "сигмоида" in title


def test_pruning_title_names_each_loss():
    from initlab.text import METHOD_SHORT, fmt
    prob = pruning.pruning_problem()
    curves = pruning.pruning_curves(prob)
    f = P2.PruningFigure(prob, curves, live=False)
    f.update(0.5)
    title = f.ax_loss.get_title()
    for m in curves:
        assert f"{METHOD_SHORT[m]} {fmt(curves[m][6], 3)}" in title
    assert "." not in title.split("потери:")[1]            # decimal commas
