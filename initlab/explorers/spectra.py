"""Explorer of the Jacobian spectrum: activation, weights, depth, q* and σ_w² → histogram
of log₁₀ s and a summary line.

    spectrum_explorer(act="tanh", weights="orthogonal", depth=20, q_star=1/64,
                      sigma_factor=1.0, n=200, seed=0) -> Explorer

σ_w² = ``sigma_factor`` × its critical value (χ₁ = 1 at factor 1); for tanh the slider q*
sets the fixed point (and σ_b²), for the linear net and ReLU q* does not matter.
The width is fixed (N = 200), the depth goes up to 100: one update costs depth matrix
products and one SVD of 200×200 (the direct product is accurate above the histogram's
floor 1e-8, ``jacobian_spectrum(accurate_above=...)``); the weights are cached per layer.
"""
from __future__ import annotations

import ipywidgets as W

from ..figures.spectra import ACT_LABEL, WEIGHT_LABEL, SpectrumFigure, ru
from ..figures.style import BLUE, RED
from ..numerics import spectra as sp
from .base import STYLE, Explorer

__all__ = ["render", "spectrum_explorer"]

MAX_DEPTH = 100
HIST_FLOOR = 1e-8     # the histogram's first bin collects every s below it


def render(act, weights, depth, q_star, sigma_factor, n=200, seed=0, figure=None):
    """(PNG bytes, Russian summary) for one setting; ``figure`` is a reused SpectrumFigure."""
    sw2, sb2 = sp.critical_parameters(act, q_star)
    spec = sp.jacobian_spectrum(act, weights, n, [depth], seed=seed, sigma_w2=sw2 * sigma_factor,
                                sigma_b2=sb2, q_star=q_star, accurate_above=HIST_FLOOR)[0]
    figure = figure or SpectrumFigure()
    data = figure.update(spec, BLUE if weights == "orthogonal" else RED)
    s = spec.summary()
    text = (f"{ACT_LABEL[act]}, {WEIGHT_LABEL[weights]}, L = {depth}, N = {n}: "
            f"среднее s² = {ru(s['s2_mean'], '.3g')}; дисперсия s² = {ru(s['s2_var'], '.3g')}; "
            f"в [1/2, 2] лежит {100 * s['within_half_two']:.0f} % сингулярных чисел")
    if spec.n_zero:
        text += f"; ровно нулевых — {100 * s['zero_fraction']:.0f} %"
    if abs(sigma_factor - 1) < 1e-12:
        th = sp.isometry_variance_theory(act, weights, depth, q_star)
        text += f". Теория (N → ∞) для дисперсии: {ru(th, '.3g')}"
    else:
        text += ". Вне критической точки среднее s² экспоненциально растёт или убывает с глубиной"
    return data, text


def spectrum_explorer(act: str = "tanh", weights: str = "orthogonal", depth: int = 20,
                      q_star: float = 1 / 64, sigma_factor: float = 1.0, n: int = 200,
                      seed: int = 0) -> Explorer:
    controls = {
        "act": W.Dropdown(options=[(ACT_LABEL[a], a) for a in sp.ACTS], value=act,
                          description="функция активации", style=STYLE),
        "weights": W.ToggleButtons(options=[("нормальные", "gaussian"),
                                            ("ортогональные", "orthogonal")],
                                   value=weights, description="веса", style=STYLE),
        "depth": W.IntSlider(value=depth, min=1, max=MAX_DEPTH, description="глубина L",
                             continuous_update=False, style=STYLE),
        "q_star": W.FloatLogSlider(value=q_star, base=10, min=-3, max=0, step=0.25,
                                   description="q* (для tanh)", continuous_update=False,
                                   readout_format=".3g", style=STYLE),
        "sigma_factor": W.FloatSlider(value=sigma_factor, min=0.8, max=1.2, step=0.05,
                                      description="σ_w² / σ_w²(крит.)",
                                      continuous_update=False, style=STYLE),
    }

    figure = SpectrumFigure()

    def _render(**v):
        return render(n=n, seed=seed, figure=figure, **v)

    return Explorer(controls, _render, rows=[["act", "weights"], ["depth", "q_star",
                                                                  "sigma_factor"]],
                    static_grid={"act": ["linear", "tanh", "relu"],
                                 "weights": ["gaussian", "orthogonal"]},
                    figure=figure)
