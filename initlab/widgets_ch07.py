"""Explorer of problem 7: is the layer output h exactly N(0, σ²)?

    explorer(**defaults) -> ipywidgets.VBox  (its mime bundle also carries the current PNG)
    Explorer(**defaults)          .widget, .redraw(), .render(state) -> (png | None, html)
    DEFAULTS                      the default state (benchmarks use it)

Sliders σ², k, a, the number of samples n, the weight construction and the randomness
(over data and weights together, or over data for fixed weights). Invalid combinations
are explained in Russian and not plotted. No numerics here: ``initlab.exact_normal`` and
``initlab.plots_normal`` do the work.
"""
from __future__ import annotations

import html as _html

from .numerics import exact_normal as en
from .plots_normal import Case, ExplorerFigure, run_case

__all__ = ["DEFAULTS", "Explorer", "explorer", "render_html"]

DEFAULTS = dict(key="seed_pm1", sigma2=6.0, k=4, a=1.0, n=5000, mode="joint", seed=0)
N_OPTIONS = (500, 1000, 2000, 5000, 10000, 20000, 50000)
MODE_LABELS = (("по данным и весам вместе", "joint"),
               ("по данным при фиксированных весах", "fixed"))


def _params_line(state) -> str:
    par = en.parameters(state["key"], state["sigma2"], state["k"], state["a"])
    parts = []
    if "p" in par:
        parts.append(f"p = {en.fmt(par['p'])}")
    if "c" in par and par["c"] != 1.0:
        parts.append(f"c = {en.fmt(par['c'])}")
    parts.append(f"E w = {en.fmt(par['weight_mean'])}")
    parts.append(f"Var w = {en.fmt(par['weight_var'])}")
    parts.append(f"Var b = {en.fmt(par['bias_var'])}")
    return ", ".join(parts)


def render_html(res: dict) -> str:
    """The text panel for a ``run_case`` result (valid or not)."""
    case = res["case"]
    if res["error"]:
        return ("<div style='color:#c0392b'><b>Такой конструкции нет.</b> "
                f"{_html.escape(res['error'])}</div>")
    mo, ex = res["moments"], res["exact"]

    def row(name, key):
        th = en.fmt(ex[key]) if ex is not None else "—"
        return f"<tr><td>{name}</td><td>{th}</td><td>{en.fmt(mo[key])}</td></tr>"

    color = "#1e7b34" if res["normal"] else "#c0392b"
    target = f"N(0, {en.fmt(case.sigma2)})"
    return (
        f"<div style='font-size:13px'>"
        f"<div>Параметры: {_html.escape(_params_line(case.__dict__))}</div>"
        "<table style='border-collapse:collapse'>"
        "<tr><th style='text-align:left'>момент h</th><th>теория (по всей случайности)</th>"
        f"<th>выборка, n = {mo['n']}</th></tr>"
        f"{row('среднее', 'mean')}{row('дисперсия', 'var')}"
        f"{row('коэффициент эксцесса', 'excess_kurtosis')}</table>"
        f"<div>Цель: {target}; на графиках — h/σ против N(0, 1). "
        f"Статистика Колмогорова–Смирнова D = {en.fmt(res['ks'])}, "
        f"p-значение {en.fmt(res['pvalue'], 2)}.</div>"
        f"<div style='color:{color}'><b>Вердикт теста: {_html.escape(res['verdict'])}.</b></div>"
        f"<div>Теория: {_html.escape(res['theory'])}.</div></div>")


class Explorer:
    """The explorer; ``render`` is the whole redraw (numerics + PNG + text)."""

    def __init__(self, **defaults):
        self.state = dict(DEFAULTS, **defaults)
        self.figure = ExplorerFigure()
        self._widget = None

    def render(self, state=None):
        """(PNG bytes or None for an invalid combination, HTML text) for ``state``."""
        st = dict(self.state, **(state or {}))
        case = Case(st["key"], float(st["sigma2"]), int(st["k"]), float(st["a"]),
                    st["mode"], int(st["n"]), int(st["seed"]))
        res = run_case(case)
        if res["error"]:
            return None, render_html(res)
        self.figure.update(res)
        return self.figure.png(), render_html(res)

    # ------------------------------------------------------------------ widgets
    @property
    def widget(self):
        if self._widget is None:
            self._build()
        return self._widget

    def _build(self):
        import ipywidgets as W

        st = self.state
        style = {"description_width": "150px"}
        lay = W.Layout(width="480px")
        self.w_key = W.Dropdown(options=[(c.label, c.key) for c in en.CONSTRUCTIONS.values()],
                                value=st["key"], description="Конструкция весов",
                                style=style, layout=W.Layout(width="640px"))
        self.w_mode = W.ToggleButtons(options=MODE_LABELS, value=st["mode"],
                                      description="Случайность", style=style)
        self.w_sigma2 = W.FloatSlider(value=st["sigma2"], min=0.25, max=40.0, step=0.25,
                                      description="σ² (целевая)", continuous_update=False,
                                      style=style, layout=lay)
        self.w_k = W.IntSlider(value=st["k"], min=1, max=40, description="k (число входов)",
                               continuous_update=False, style=style, layout=lay)
        self.w_a = W.FloatSlider(value=st["a"], min=0.1, max=5.0, step=0.1,
                                 description="a (данные U[0, a])", continuous_update=False,
                                 style=style, layout=lay)
        self.w_n = W.SelectionSlider(options=N_OPTIONS, value=st["n"],
                                     description="n (объём выборки)", continuous_update=False,
                                     style=style, layout=lay)
        self.w_new = W.Button(description="Новая выборка")
        self.w_img = W.Image(format="png")
        self.w_html = W.HTML()
        for w in (self.w_key, self.w_mode, self.w_sigma2, self.w_k, self.w_a, self.w_n):
            w.observe(self._changed, names="value")
        self.w_new.on_click(self._reseed)
        self._widget = _box_class()([self.w_key, self.w_mode, self.w_sigma2, self.w_k,
                                     self.w_a, W.HBox([self.w_n, self.w_new]), self.w_img,
                                     self.w_html])
        self._widget.explorer = self
        self.redraw()

    def _changed(self, _change=None):
        self.state.update(key=self.w_key.value, mode=self.w_mode.value,
                          sigma2=self.w_sigma2.value, k=self.w_k.value, a=self.w_a.value,
                          n=self.w_n.value)
        self.redraw()

    def _reseed(self, _button=None):
        self.state["seed"] += 1
        self.redraw()

    def redraw(self):
        png, text = self.render()
        if png is None:
            self.w_img.layout.display = "none"
        else:
            self.w_img.value = png
            self.w_img.layout.display = None
        self.w_html.value = text


_BOX = None


def _box_class():
    """An ipywidgets.VBox whose mime bundle also carries the current PNG and a Russian line,
    so a front end without widgets (GitHub, nbviewer) shows the picture."""
    global _BOX
    if _BOX is None:
        import base64

        import ipywidgets as W

        class ExplorerBox(W.VBox):
            explorer = None

            def _repr_mimebundle_(self, **kwargs):
                data = super()._repr_mimebundle_(**kwargs)
                if isinstance(data, tuple):       # (data, metadata)
                    data = data[0]
                data = dict(data or {})
                data["text/plain"] = ("Исследователь задачи 7: запустите ячейку в Jupyter, "
                                      "чтобы двигать ползунки.")
                ex = self.explorer
                if ex is not None and ex.w_img.value and ex.w_img.layout.display != "none":
                    data["image/png"] = base64.b64encode(ex.w_img.value).decode("ascii")
                return data

        _BOX = ExplorerBox
    return _BOX


def explorer(**defaults):
    """The explorer widget (display it as the last expression of a cell)."""
    return Explorer(**defaults).widget
