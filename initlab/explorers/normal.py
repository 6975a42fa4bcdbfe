"""Explorer of problem 7: is the layer output h exactly N(0, σ²)?

    explorer(**defaults) -> Explorer
    render(key, sigma2, k, a, n, mode, seed) -> (png | None, html)   one redraw (benchmarks)
    DEFAULTS                      the default state

Controls: the weight construction, the randomness (over data and weights together, or over
data for fixed weights), σ², k, a, the number of samples n and the seed. Invalid
combinations are explained in Russian and not plotted. The slider ``a`` only matters for
the б) constructions (data U[0, a]); for а) (data N(0, 1)) it is disabled and says so.
No numerics here: ``initlab.numerics.exact_normal`` and ``initlab.figures.normal`` work.
"""
from __future__ import annotations

import html as _html

from .. import text
from ..figures.normal import Case, ExplorerFigure, run_case
from ..numerics import exact_normal as en
from .base import Explorer

__all__ = ["DEFAULTS", "explorer", "render_html"]

DEFAULTS = {"key": "seed_pm1", "sigma2": 6.0, "k": 4, "a": 1.0, "n": 5000, "mode": "joint",
            "seed": 0}
N_OPTIONS = (500, 1000, 2000, 5000, 10000, 20000, 50000)
MODE_LABELS = (("по данным и весам вместе", "joint"),
               ("по данным при фиксированных весах", "fixed"))
A_LABEL = "a (данные U[0, a])"
A_LABEL_OFF = "a: только для б)"
_WRAP = "overflow-wrap:normal;word-break:normal;hyphens:none"


def _params_line(state) -> str:
    par = en.parameters(state["key"], state["sigma2"], state["k"], state["a"])
    parts = []
    if "p" in par:
        parts.append(f"p = {text.fmt(par['p'])}")
    if "c" in par and par["c"] != 1.0:
        parts.append(f"c = {text.fmt(par['c'])}")
    parts.append(f"E w = {text.fmt(par['weight_mean'])}")
    parts.append(f"Var w = {text.fmt(par['weight_var'])}")
    parts.append(f"Var b = {text.fmt(par['bias_var'])}")
    return ", ".join(parts)


def render_html(res: dict) -> str:
    """The text panel for a ``run_case`` result (valid or not)."""
    case = res["case"]
    if res["error"]:
        return (f"<div style='color:#c0392b;{_WRAP}'><b>Такой конструкции нет.</b> "
                f"{_html.escape(res['error'])}</div>")
    mo, ex = res["moments"], res["exact"]

    def row(name, key):
        th = text.fmt(ex[key]) if ex is not None else "—"
        return f"<tr><td>{name}</td><td>{th}</td><td>{text.fmt(mo[key])}</td></tr>"

    color = "#1e7b34" if res["normal"] else "#c0392b"
    target = f"N(0, {text.fmt(case.sigma2)})"
    return (
        f"<div style='font-size:13px;{_WRAP}'>"
        f"<div>Параметры: {_html.escape(_params_line(case.__dict__))}</div>"
        "<table style='border-collapse:collapse'>"
        "<tr><th style='text-align:left'>момент h</th><th>теория (по всей случайности)</th>"
        f"<th>выборка, n = {mo['n']}</th></tr>"
        f"{row('среднее', 'mean')}{row('дисперсия', 'var')}"
        f"{row('коэффициент эксцесса', 'excess_kurtosis')}</table>"
        f"<div>Цель: {target}; на графиках — h/σ против N(0, 1). "
        f"Статистика Колмогорова–Смирнова D = {text.fmt(res['ks'])}, "
        f"p-значение {text.fmt(res['pvalue'], 2)}.</div>"
        f"<div style='color:{color}'><b>Вердикт теста: {_html.escape(res['verdict'])}.</b></div>"
        f"<div>Теория: {_html.escape(res['theory'])}.</div></div>")


def render(key, sigma2, k, a, n, mode, seed, figure=None):
    """(figure or None for an invalid combination, HTML text) for one state."""
    case = Case(key, float(sigma2), int(k), float(a), mode, int(n), int(seed))
    res = run_case(case)
    if res["error"]:
        return None, render_html(res)
    figure = figure if figure is not None else ExplorerFigure()
    figure.update(res)
    return figure, render_html(res)


def explorer(**defaults) -> Explorer:
    """The explorer widget (display it as the last expression of a cell)."""
    import ipywidgets as W

    st = dict(DEFAULTS, **defaults)
    style = {"description_width": "150px"}
    lay = W.Layout(width="480px")
    controls = {
        "key": W.Dropdown(options=[(text.label(c), c.key) for c in en.CONSTRUCTIONS.values()],
                          value=st["key"], description="Конструкция весов", style=style,
                          layout=W.Layout(width="calc(100% - 4px)", max_width="640px")),
        "mode": W.ToggleButtons(options=MODE_LABELS, value=st["mode"],
                                description="Случайность",
                                style={"description_width": "150px", "button_width": "auto"},
                                tooltips=[lab for lab, _ in MODE_LABELS]),
        "sigma2": W.FloatSlider(value=st["sigma2"], min=0.25, max=40.0, step=0.25,
                                description="σ² (целевая)", continuous_update=False,
                                style=style, layout=lay),
        "k": W.IntSlider(value=st["k"], min=1, max=40, description="k (число входов)",
                         continuous_update=False, style=style, layout=lay),
        "a": W.FloatSlider(value=st["a"], min=0.1, max=5.0, step=0.1, description=A_LABEL,
                           continuous_update=False, style=style, layout=lay),
        "n": W.SelectionSlider(options=N_OPTIONS, value=st["n"], description="n (объём выборки)",
                               continuous_update=False, style=style, layout=lay),
        "seed": W.BoundedIntText(value=st["seed"], min=0, max=10**6,
                                 description="Зерно генератора", style=style,
                                 layout=W.Layout(width="260px")),
    }
    figure = ExplorerFigure()

    def sync_a(key):
        off = en.get_construction(key).data == "normal"
        controls["a"].disabled = off
        controls["a"].description = A_LABEL_OFF if off else A_LABEL

    def draw(**values):
        sync_a(values["key"])
        return render(**values, figure=figure)

    sync_a(st["key"])
    e = Explorer(controls, draw, rows=[["key"], ["mode"], ["sigma2"], ["k"], ["a"], ["n", "seed"]],
                 fallback_text="Интерактивный график задачи 7: запустите ячейку в Jupyter, "
                               "чтобы двигать ползунки.", max_width="800px",
                 static_grid={"key": ["seed_bernoulli", "seed_pm1", "normal_weights", "pm1",
                                      "seed_quotient", "chi3"]})
    e.figure = figure
    return e
