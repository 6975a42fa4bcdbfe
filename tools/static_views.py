"""Sphinx extension: explorers are shown as precomputed views in the HTML book.

While the book is built, ``INITLAB_STATIC_VIEWS=1`` is set for the notebook kernels (they
inherit the builder's environment), so an explorer with a ``static_grid`` adds its
precomputed viewer as ``text/html`` to its output (``initlab/explorers/static.py``). In
Jupyter, nbval and Binder the variable is unset and nothing extra is computed.
``_static/initlab-views.js`` switches the views in the browser; ``_static/initlab.css``
styles them (Jupyter Book includes both on every page).

A page whose explorers all became precomputed views shows no live widget, so the saved
widget state (with every widget's last PNG) and the widget scripts are dropped from it:
the page gets lighter and the browser has nothing to render.

Enabled in ``_config.yml`` through ``sphinx: local_extensions: {static_views: tools}``.
"""
from __future__ import annotations

import os

ENV = "INITLAB_STATIC_VIEWS"


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def drop_unused_widget_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list) or WIDGET_VIEW in (context.get("body") or ""):
        return
    widget_js = {str(k) for k in (getattr(app.config, "nb_ipywidgets_js", None) or {})}

    def is_widget(js) -> bool:
        attrs = getattr(js, "attributes", {}) or {}
        filename = str(getattr(js, "filename", js) or "").split("?")[0]
        return attrs.get("type") == WIDGET_STATE or filename in widget_js

    scripts[:] = [js for js in scripts if not is_widget(js)]


def setup(app) -> dict:
    os.environ[ENV] = "1"
    app.connect("html-page-context", drop_unused_widget_scripts, priority=950)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
