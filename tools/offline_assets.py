"""Sphinx extension: the HTML book works offline, with its own MathJax and widget scripts.

By default Sphinx loads MathJax 3 and myst-nb loads RequireJS and the
@jupyter-widgets/html-manager embed bundle from CDNs; on a slow or filtered network the
formulas then stay raw LaTeX and the saved widgets do not render. This extension

* points ``mathjax_path`` and myst-nb's ``nb_ipywidgets_js`` at copies under
  ``_static/npm/`` (only where they still name a remote URL, so an explicit local
  setting in ``_config.yml`` wins), with ``tools/widgets_setup.js`` between RequireJS
  and the embed bundle (it maps the bundle's AMD path to its copy, so its icon fonts
  load, and lets the widgets typeset labels through MathJax 3);
* copies those files from ``node_modules/`` (installed by ``npm ci`` from
  ``package.json``/``package-lock.json``; the Makefile does it) into ``_static/npm/``
  when the HTML build finishes, copying only what changed, so a no-op rebuild stays fast;
* leaves out sphinx-thebe's scripts (and so Thebe's CDN address) while no Thebe launch
  button is configured;
* removes what the browser reports as errors on every page of Jupyter Book 1.0.4:
  inline scripts that Sphinx 7.4 emits twice (sphinx-thebe's ``const THEBE_JS_URL``:
  "Identifier has already been declared") and the empty initial colour mode of
  pydata-sphinx-theme ("Got invalid theme mode"); and fills in the search summary that
  Sphinx's Russian catalogue leaves empty.

Enabled in ``_config.yml`` through ``sphinx: local_extensions: {offline_assets: tools}``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

VENDOR = "npm"  # sub-folder of _static (pydata-sphinx-theme already uses _static/vendor)
MATHJAX_PATH = f"{VENDOR}/mathjax/tex-mml-chtml.js"
REQUIRE_JS = f"{VENDOR}/requirejs/require.js"
EMBED_AMD_JS = f"{VENDOR}/html-manager/embed-amd.js"
WIDGETS_SETUP_JS = "widgets_setup.js"  # ours, from tools/: RequireJS paths + MathJax 2 shim
HERE = Path(__file__).resolve().parent

RU_SEARCH_MESSAGES_JS = """(function () {
  // doctools.js declares Documentation with const: not a property of window.
  var t = typeof Documentation !== "undefined" && Documentation.TRANSLATIONS;
  if (!t) return;
  var ru = {
    "Search finished, found ${resultCount} page(s) matching the search query.":
      "Поиск завершён, найдено страниц: ${resultCount}."
  };
  for (var k in ru) { if (!t[k]) t[k] = ru[k]; }
})();"""

# Every browser the book targets reads WOFF2 (WOFF as a fallback); the bundle's CSS also
# lists EOT/TTF/SVG copies (2.5 MB) that no current browser requests.
FONT_SUFFIXES = (".woff2", ".woff")

# (package folder in node_modules, folder under _static/npm, entries to copy).
# A trailing "/" copies a whole folder; "*.fonts" copies the font files of the folder.
ASSETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # MathJax: the combined component the pages load, plus what it loads on demand
    # (TeX extensions via autoload, fonts, the menu, accessibility/speech, SVG output).
    ("mathjax/es5", "mathjax", ("tex-mml-chtml.js", "input/", "output/", "ui/", "a11y/", "sre/")),
    ("requirejs", "requirejs", ("require.js",)),
    # The embed bundle finds its fonts next to itself (webpack public path = its own URL).
    ("@jupyter-widgets/html-manager/dist", "html-manager", ("embed-amd.js", "*.fonts")),
)


def _node_modules(app: Sphinx) -> Path:
    env = os.environ.get("INITLAB_NODE_MODULES")
    if env:
        return Path(env)
    # The book root holds _config.yml, package.json and node_modules/.
    return Path(app.confdir) / "node_modules"


def _is_remote(url: str) -> bool:
    return "://" in url or url.startswith("//")


def set_local_urls(app: Sphinx, config: Config) -> None:
    """Replace remote URLs of MathJax and the widget scripts by the vendored copies."""
    if _is_remote(config.mathjax_path or "https://"):
        config.mathjax_path = MATHJAX_PATH
    widgets_js = getattr(config, "nb_ipywidgets_js", None)
    if widgets_js is None or any(_is_remote(url) for url in widgets_js):
        # Same order as myst-nb's default: RequireJS first, then the AMD embed bundle,
        # with our setup between them. No data-jupyter-widgets-cdn: the core widgets are
        # built into the bundle, and a third-party widget module must not come from a CDN.
        config.nb_ipywidgets_js = {REQUIRE_JS: {}, WIDGETS_SETUP_JS: {}, EMBED_AMD_JS: {}}
    if (config.language or "").startswith("ru"):
        # Sphinx's Russian catalogue leaves this message of the search page empty, so the
        # page never says how many pages it found. Fill in what is missing, after
        # translations.js (priority 500) and before the search runs.
        app.add_js_file(None, body=RU_SEARCH_MESSAGES_JS, priority=600)
    # pydata-sphinx-theme reads the initial colour mode from html_context; without it the
    # first visit logs "Got invalid theme mode" as a console error.
    config.html_context.setdefault("default_mode", "auto")


def _thebe_enabled(app: Sphinx) -> bool:
    options = app.config.html_theme_options or {}
    return bool((options.get("launch_buttons") or {}).get("thebe"))


def _is_thebe(js: object) -> bool:
    filename = getattr(js, "filename", js) or ""
    body = str(getattr(js, "attributes", {}).get("body", ""))
    return str(filename).split("?")[0].endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body


def clean_scripts(app: Sphinx, pagename: str, templatename: str, context: dict,
                  doctree: object) -> None:
    """Drop repeated <script> entries, and sphinx-thebe's scripts while Thebe is off.

    Inline scripts added after the builder started (sphinx-thebe's ``const THEBE_JS_URL``,
    sphinx-togglebutton's selector) end up twice in Sphinx 7.4 (once with filename None,
    once with ""), and a repeated ``const`` declaration is a page error in the browser.
    Jupyter Book loads sphinx-thebe on every page even without a Thebe launch button;
    its only job would be to fetch Thebe from a CDN on that button's click, so without
    the button the page keeps neither the script nor the CDN address.
    """
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    drop_thebe = not _thebe_enabled(app)
    seen: set[tuple] = set()
    unique = []
    for js in scripts:
        if drop_thebe and _is_thebe(js):
            continue
        attrs = tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items()))
        key = (getattr(js, "filename", js) or "", attrs)
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def _files_to_copy(src_root: Path, entries: tuple[str, ...]) -> list[tuple[Path, Path]]:
    """Pairs (source file, path relative to the destination folder)."""
    pairs: list[tuple[Path, Path]] = []
    for entry in entries:
        if entry == "*.fonts":
            pairs += [(p, Path(p.name)) for p in sorted(src_root.iterdir())
                      if p.suffix in FONT_SUFFIXES]
        elif entry.endswith("/"):
            folder = src_root / entry.rstrip("/")
            if not folder.is_dir():
                raise FileNotFoundError(folder)
            pairs += [(p, p.relative_to(src_root)) for p in sorted(folder.rglob("*"))
                      if p.is_file()]
        else:
            path = src_root / entry
            if not path.is_file():
                raise FileNotFoundError(path)
            pairs.append((path, Path(entry)))
    return pairs


def _copy_if_changed(src: Path, dst: Path) -> bool:
    s = src.stat()
    if dst.exists():
        d = dst.stat()
        if d.st_size == s.st_size and int(d.st_mtime) == int(s.st_mtime):
            return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    return True


def copy_assets(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    node_modules = _node_modules(app)
    static = Path(app.outdir) / "_static" / VENDOR
    copied = 0
    for package_dir, target, entries in ASSETS:
        src_root = node_modules / package_dir
        try:
            pairs = _files_to_copy(src_root, entries)
        except FileNotFoundError as missing:
            raise ExtensionError(
                f"offline_assets: {missing} is missing; run `npm ci` in the book root "
                "(`make book` does it) to install the browser assets of the book"
            ) from None
        for src, rel in pairs:
            copied += _copy_if_changed(src, static / target / rel)
    copied += _copy_if_changed(HERE / WIDGETS_SETUP_JS, static.parent / WIDGETS_SETUP_JS)
    if copied:
        logger.info("offline_assets: copied %d file(s) into _static/%s", copied, VENDOR)


def setup(app: Sphinx) -> dict:
    # Run after myst-nb and sphinx.ext.mathjax registered their config values.
    app.connect("config-inited", set_local_urls, priority=900)
    app.connect("html-page-context", clean_scripts, priority=900)
    app.connect("build-finished", copy_assets)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
