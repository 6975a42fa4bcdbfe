"""The published HTML book works in a real browser with no network at all.

The book is built once per session, from scratch (``tests/bookbuild.py``: ``jupyter-book
build . -W -n --keep-going``), unless ``INITLAB_BOOK_FRESH=1`` says ``_build`` is already
up to date. ``_build/html`` is served by ``http.server`` on a free localhost port;
Debian's Chromium, driven by Playwright, opens EVERY page found under ``_build/html`` (so
chapters added later are covered without touching this file), while every request that
leaves localhost is aborted and recorded. Screenshots of a few pages go to ``test-artifacts/``.

``INITLAB_BOOK_ROOT`` builds and tests a copy of the book elsewhere (e.g. with a
temporary ``_toc.yml``); it defaults to the repository root.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import posixpath
import re
import threading
import urllib.parse
from pathlib import Path

import pytest
from bookbuild import BOOK_ROOT, HTML_DIR, REPO, build

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("INITLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# A word of the start page (its Russian stem is what the search index holds), and a word
# that is in no page, so the search test could fail both ways.
SEARCH_WORD = "инициализация"
ABSENT_WORD = "зюзюкалка"
MAX_SCREENSHOTS_OF_WIDGET_PAGES = 3
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
RAW_TEX = re.compile(r"\\frac|\\\(|\\\)|\\\[|\\\]|\$\$|\$[^$\s][^$]*?\$")


# ----------------------------------------------------------------------------- build
@pytest.fixture(scope="session")
def html_dir() -> Path:
    """The built book (tests/bookbuild.py; tests/test_golden.py uses the same build)."""
    build()
    return HTML_DIR


def _pages(html_root: Path) -> list[Path]:
    return sorted(
        p for p in html_root.rglob("*.html")
        if not p.relative_to(html_root).parts[0].startswith("_")
    )


def _is_redirect(page: Path) -> bool:
    text = page.read_text(encoding="utf-8")
    return len(text) < 500 and 'http-equiv="Refresh"' in text


# ----------------------------------------------------------------------- static HTML
class _Refs(html.parser.HTMLParser):
    """Collects the URLs a page references and the ids it defines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v for k, v in attrs if v is not None}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        for attr in ("href", "src"):
            if attr in a and tag in ("a", "link", "script", "img", "iframe", "source"):
                self.refs.append((tag, attr, a[attr]))
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            url = a.get("content", "").partition("url=")[2].strip()
            if url:
                self.refs.append((tag, "content", url))


@functools.cache
def _parse(page: Path) -> _Refs:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_no_external_script_or_stylesheet(html_dir: Path) -> None:
    """No page loads a script, stylesheet, image or frame from outside the book."""
    external = []
    for page in _pages(html_dir):
        for tag, attr, url in _parse(page).refs:
            if tag == "a":
                continue  # links to Binder, Colab, the repository are fine
            if "://" in url or url.startswith("//"):
                external.append(f"{page.relative_to(html_dir)}: <{tag} {attr}={url}>")
    assert not external, "\n".join(external)


CDN_HOSTS = re.compile(
    r"cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|unpkg\.com|fonts\.googleapis\.com"
    r"|fonts\.gstatic\.com|code\.jquery\.com|ajax\.googleapis\.com|polyfill\.io"
)


def test_no_cdn_address_in_any_page(html_dir: Path) -> None:
    """Not even an inline script or attribute names a CDN (none is loaded lazily later)."""
    found = [
        f"{page.relative_to(html_dir)}: {m.group(0)}"
        for page in _pages(html_dir)
        for m in CDN_HOSTS.finditer(page.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(sorted(set(found)))


def test_internal_links_resolve(html_dir: Path) -> None:
    """Every relative href/src points at an existing file, and its #anchor exists."""
    broken = []
    pages = _pages(html_dir)
    assert pages
    for page in pages:
        for tag, attr, url in _parse(page).refs:
            parsed = urllib.parse.urlsplit(url)
            if parsed.scheme or url.startswith("//") or not (parsed.path or parsed.fragment):
                continue  # external (checked elsewhere), mailto:, javascript:, data:
            rel = urllib.parse.unquote(parsed.path)
            target = (page.parent / rel).resolve() if rel else page
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(html_dir)}: <{tag} {attr}={url}>"
            if not target.is_file():
                broken.append(where + " -> missing file")
                continue
            if not target.is_relative_to(html_dir):
                broken.append(where + " -> outside the book")
                continue
            frag = urllib.parse.unquote(parsed.fragment)
            if frag and target.suffix == ".html" and frag not in _parse(target).ids:
                broken.append(where + " -> missing anchor")
    assert not broken, "\n".join(broken)


def test_every_chapter_of_the_toc_is_built(html_dir: Path) -> None:
    """Each file of _toc.yml became a page (so the browser test below really covers it)."""
    names = _toc_files()
    assert names
    missing = [n for n in names if not (html_dir / (posixpath.splitext(n)[0] + ".html")).is_file()]
    assert not missing, missing


def _toc_files() -> list[str]:
    toc = (BOOK_ROOT / "_toc.yml").read_text(encoding="utf-8")
    return re.findall(r"^\s*(?:-\s*)?(?:root|file):\s*(\S+)", toc, flags=re.MULTILINE)


def test_notebook_pages_offer_live_options(html_dir: Path) -> None:
    """Online readers keep Binder, Colab and the .ipynb download on every notebook page."""
    notebooks = [
        posixpath.splitext(n)[0] for n in _toc_files()
        if (BOOK_ROOT / (posixpath.splitext(n)[0] + ".ipynb")).is_file()
    ]
    missing = []
    for name in notebooks:
        page = html_dir / f"{name}.html"
        links = [url for tag, _attr, url in _parse(page).refs if tag == "a"]
        if not any(u.startswith("https://mybinder.org/v2/gh/") and f"{name}.ipynb" in u
                   for u in links):
            missing.append(f"{name}: Binder")
        if not any(u.startswith("https://colab.research.google.com/github/")
                   and u.endswith(f"{name}.ipynb") for u in links):
            missing.append(f"{name}: Colab")
        downloads = [u for u in links if u.endswith(f"_sources/{name}.ipynb")]
        if not downloads or not (page.parent / downloads[0]).is_file():
            missing.append(f"{name}: .ipynb download")
    assert not missing, missing


# ---------------------------------------------------------------------------- server
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def base_url(html_dir: Path):
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- browser
class Recorder:
    """Everything that went wrong on the current page."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.blocked: list[str] = []

    def reset(self) -> None:
        self.problems = []

    def on_request_failed(self, request) -> None:
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def on_response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def on_console(self, msg) -> None:
        # Chromium asks every server for /favicon.ico on its own; the book has no favicon
        # and that request is the browser's, not the page's.
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            self.problems.append(f"console error: {msg.text}")

    def on_page_error(self, error) -> None:
        self.problems.append(f"page error: {error}")


@pytest.fixture(scope="module")
def browser_page(base_url: str, playwright):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (tools/install-browser.sh)")
    recorder = Recorder()

    def route(route) -> None:
        host = urllib.parse.urlsplit(route.request.url).hostname or ""
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            recorder.blocked.append(route.request.url)
            route.abort()

    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ru-RU", service_workers="block"
    )
    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("requestfailed", recorder.on_request_failed)
    page.on("response", recorder.on_response)
    page.on("console", recorder.on_console)
    page.on("pageerror", recorder.on_page_error)
    try:
        yield page, recorder
    finally:
        context.close()
        browser.close()


# Runs in the page once everything is loaded: waits for MathJax and the widget manager,
# then reports what a reader would see.
_INSPECT_JS = r"""
async ([viewType, stateType]) => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const report = {};
  // MathJax: typesetting finished?
  const mathEls = document.querySelectorAll('.math, .math-container, span.math, div.math');
  report.mathElements = mathEls.length;
  if (mathEls.length) {
    for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
      await sleep(50);
    }
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      await MathJax.startup.promise;
    }
  }
  report.mathjaxLoaded = !!(window.MathJax && window.MathJax.version);
  report.mjxContainers = document.querySelectorAll('mjx-container').length;
  report.mjxErrors = Array.from(document.querySelectorAll('mjx-merror'))
                          .map((e) => e.getAttribute('data-mjx-error') || e.textContent);
  // Text a reader sees, outside code, scripts and typeset formulas.
  const skip = new Set(['SCRIPT', 'STYLE', 'PRE', 'CODE', 'TEXTAREA', 'MJX-CONTAINER',
                        'NOSCRIPT', 'TEMPLATE']);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      for (let el = node.parentElement; el; el = el.parentElement) {
        if (skip.has(el.tagName)) return NodeFilter.FILTER_REJECT;
      }
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  const texts = [];
  while (walker.nextNode()) texts.push(walker.currentNode.nodeValue);
  report.text = texts.join(' ');
  // Images: force lazy ones to load, then wait for every one to decode.
  const imgs = Array.from(document.images);
  imgs.forEach((img) => { img.loading = 'eager'; });
  await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
  report.badImages = imgs.filter((img) => !(img.complete && img.naturalWidth > 0))
                         .map((img) => img.currentSrc || img.src);
  report.images = imgs.length;
  // Widgets: each saved view becomes a rendered .jupyter-widgets element next to it.
  report.hasState = !!document.querySelector(`script[type="${stateType}"]`);
  const views = Array.from(document.querySelectorAll(`script[type="${viewType}"]`));
  report.views = views.length;
  const rendered = (v) => {
    const el = v.previousElementSibling;
    if (!el) return false;
    const w = el.classList.contains('jupyter-widgets') ? el : el.querySelector('.jupyter-widgets');
    return !!w && w.getBoundingClientRect().height > 0;
  };
  for (let i = 0; i < 300 && views.some((v) => !rendered(v)); i++) await sleep(50);
  report.unrenderedViews = views.filter((v) => !rendered(v)).map((v) => v.textContent);
  report.widgetElements = document.querySelectorAll('.jupyter-widgets').length;
  return report;
}
"""


def _check_page(page, recorder: Recorder, url: str) -> tuple[list[str], dict]:
    recorder.reset()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    report = page.evaluate(_INSPECT_JS, [WIDGET_VIEW, WIDGET_STATE])
    problems = list(recorder.problems)
    if report["mathElements"]:
        if not report["mathjaxLoaded"]:
            problems.append("MathJax did not load")
        elif report["mjxContainers"] < report["mathElements"]:
            problems.append(
                f"only {report['mjxContainers']} of {report['mathElements']} formulas typeset"
            )
    if report["mjxErrors"]:
        problems.append(f"TeX errors: {report['mjxErrors']}")
    raw = sorted({m.group(0)[:60] for m in RAW_TEX.finditer(report["text"])})
    if raw:
        problems.append(f"raw TeX in the text: {raw}")
    if report["badImages"]:
        problems.append(f"images not loaded: {report['badImages']}")
    if report["hasState"] and not report["views"]:
        problems.append("widget state saved but no widget view on the page")
    if report["views"] and not report["hasState"]:
        problems.append("widget views without saved widget state")
    if report["unrenderedViews"]:
        problems.append(f"widget views not rendered: {report['unrenderedViews']}")
    return problems, report


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_every_page_offline(html_dir: Path, base_url: str, browser_page) -> None:
    page, recorder = browser_page
    pages = [p for p in _pages(html_dir) if not _is_redirect(p)]
    assert pages
    failures: dict[str, list[str]] = {}
    totals = {"formulas": 0, "images": 0, "widget views": 0}
    widget_shots = 0
    for path in pages:
        rel = path.relative_to(html_dir).as_posix()
        problems, report = _check_page(page, recorder, base_url + rel)
        totals["formulas"] += report["mjxContainers"]
        totals["images"] += report["images"]
        totals["widget views"] += report["views"]
        if problems:
            failures[rel] = problems
        stem = rel.removesuffix(".html").replace("/", "__")
        if rel in ("book/intro.html", "book/howto.html") or (
            report["views"] and widget_shots < MAX_SCREENSHOTS_OF_WIDGET_PAGES
        ):
            if report["views"]:
                widget_shots += 1
                # Show the first explorer rather than the top of the page.
                page.locator(".widget-subarea").first.scroll_into_view_if_needed()
            _screenshot(page, stem)
    assert not recorder.blocked, f"requests outside localhost: {sorted(set(recorder.blocked))}"
    assert not failures, "\n".join(
        f"{rel}:\n  " + "\n  ".join(problems) for rel, problems in failures.items()
    )
    shots = sorted(ARTIFACTS.glob("*.png"))
    assert shots and all(s.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for s in shots)
    print(f"checked {len(pages)} pages: {totals}")


def _search(page, recorder: Recorder, base_url: str, word: str) -> list[str]:
    recorder.reset()
    page.goto(base_url + "search.html?q=" + urllib.parse.quote(word), wait_until="load")
    # When the search is done, Sphinx retitles the results and fills in the summary line.
    page.wait_for_function(
        "() => { const h = document.querySelector('#search-results h2');"
        " const s = document.querySelector('#search-results .search-summary');"
        " return h !== null && h.textContent === Documentation.gettext('Search Results')"
        " && s !== null && s.textContent.trim().length > 0; }"
    )
    assert not recorder.problems, recorder.problems
    return page.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(e => e.getAttribute('href'))"
    )


def test_search_finds_a_russian_word(html_dir: Path, base_url: str, browser_page) -> None:
    page, recorder = browser_page
    hits = _search(page, recorder, base_url, SEARCH_WORD)
    assert hits, f"search for «{SEARCH_WORD}» found nothing"
    assert any("book/intro.html" in h for h in hits), hits
    for href in hits:
        path = urllib.parse.urlsplit(href).path
        assert (html_dir / path).is_file(), href
    _screenshot(page, "search")
    assert _search(page, recorder, base_url, ABSENT_WORD) == []
    assert not recorder.blocked, sorted(set(recorder.blocked))


# Every figure a reader sees in a cell output has at least twice the pixels of its
# displayed size (crisp at device scale 2), or is SVG — the explorers' images too: every
# explorer declares a static_grid, so the book shows their precomputed views, no frozen
# live widget view.
_FIGURES_JS = r"""
async () => {
  const imgs = Array.from(document.querySelectorAll('.cell_output img'));
  imgs.forEach((img) => { img.loading = 'eager'; });
  await Promise.all(imgs.map((img) => img.decode().catch(() => null)));
  return imgs.filter((img) => img.clientWidth > 0).map((img) => ({
    src: (img.currentSrc || img.src).slice(-60), natural: img.naturalWidth,
    shown: img.clientWidth, widget: !!img.closest('.jupyter-widgets'),
    svg: /\.svg($|\?)|^data:image\/svg/.test(img.currentSrc || img.src)}));
}
"""


def test_every_figure_is_crisp(html_dir: Path, base_url: str, browser_page) -> None:
    page, _recorder = browser_page
    blurry, widget_images, total = [], [], 0
    for path in _pages(html_dir):
        if _is_redirect(path):
            continue
        rel = path.relative_to(html_dir).as_posix()
        page.goto(base_url + rel, wait_until="load")
        for fig in page.evaluate(_FIGURES_JS):
            total += 1
            if fig["widget"]:
                widget_images.append(f"{rel}: {fig}")
            if not fig["svg"] and fig["natural"] < 2 * fig["shown"] - 1:
                blurry.append(f"{rel}: {fig}")
    assert total, "no figure in any cell output"
    assert not blurry, "\n".join(blurry)
    assert not widget_images, "frozen live widget views:\n" + "\n".join(widget_images)
    print(f"{total} figures, all crisp")


_CUT_JS = """() => Array.from(document.querySelectorAll('.cell_output pre'))
  .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent.slice(0, 60))"""


def test_output_code_is_not_cut(html_dir: Path, base_url: str, browser_page) -> None:
    """Text a cell prints (e.g. a summary table) wraps at the column edge (_static/initlab.css)."""
    page, _recorder = browser_page
    cut, unwrapped = [], 0
    for path in _pages(html_dir):
        if _is_redirect(path):
            continue
        rel = path.relative_to(html_dir).as_posix()
        page.goto(base_url + rel, wait_until="load")
        cut += [f"{rel}: {t!r}" for t in page.evaluate(_CUT_JS)]
        # what the reader would lose without the wrapping rule
        page.add_style_tag(content=".cell_output pre { white-space: pre !important; }")
        unwrapped += len(page.evaluate(_CUT_JS))
    assert not cut, "\n".join(cut)
    print(f"output blocks that would be cut without wrapping: {unwrapped}")


# ------------------------------------------------------- precomputed explorer views
VIEWS_BUDGET = 3_000_000   # bytes of precomputed views a page may add (issue #15)


def exercise_views(page) -> set[str]:
    """Change every control of every precomputed explorer on the page once; the image must
    change each time. Returns the kinds of controls exercised (select, range, checkbox)."""
    viewers = page.locator("[data-initlab-views]")
    kinds: set[str] = set()

    def src(v) -> str:
        return v.locator("img.initlab-views-image").get_attribute("src")

    for i in range(viewers.count()):
        v = viewers.nth(i)
        assert v.get_attribute("data-initlab-ready") == "1", "initlab-views.js did not run"
        for sel in v.locator("select").all():
            before, n = src(v), sel.locator("option").count()
            sel.select_option(str((int(sel.input_value()) + 1) % n))
            assert src(v) != before, f"explorer {i}: the drop-down changed nothing"
            kinds.add("select")
        for rng in v.locator('input[type="range"]').all():
            before, out = src(v), rng.locator("xpath=../output").text_content()
            current = int(rng.input_value())
            rng.fill(str(current - 1 if current > 0 else current + 1))
            assert src(v) != before, f"explorer {i}: the slider changed nothing"
            assert rng.locator("xpath=../output").text_content() != out
            kinds.add("range")
        for box in v.locator('input[type="checkbox"]').all():
            before = src(v)
            box.click()
            assert src(v) != before, f"explorer {i}: the check box changed nothing"
            kinds.add("checkbox")
    return kinds


def views_bytes(html_page: Path) -> int:
    data = html_page.read_bytes()
    return sum(len(m) for m in re.findall(
        rb'class="initlab-views-data">(.*?)</script>', data, flags=re.DOTALL))


def test_precomputed_explorers_respond(html_dir: Path, base_url: str, browser_page) -> None:
    """Every page with precomputed explorers: each control changes the figure, no error,
    within the page budget; the note says where the full range is."""
    page, recorder = browser_page
    pages = [p for p in _pages(html_dir) if b"data-initlab-views" in p.read_bytes()]
    if not pages:
        pytest.skip("no explorer declares a static_grid yet")
    failures = []
    for path in pages:
        rel = path.relative_to(html_dir).as_posix()
        recorder.reset()
        page.goto(base_url + rel, wait_until="load")
        page.wait_for_load_state("networkidle")
        try:
            assert exercise_views(page)
            assert "Binder" in page.locator(".initlab-views-note").first.text_content()
        except AssertionError as exc:
            failures.append(f"{rel}: {exc}")
        if recorder.problems:
            failures.append(f"{rel}: {recorder.problems}")
        if views_bytes(path) > VIEWS_BUDGET:
            failures.append(f"{rel}: {views_bytes(path)} bytes of views > {VIEWS_BUDGET}")
    assert not recorder.blocked, sorted(set(recorder.blocked))
    assert not failures, "\n".join(failures)


def test_launch_buttons_follow_the_repository_setting(html_dir: Path) -> None:
    """Binder and Colab open the repository and branch of _config.yml — the same setting
    the setup cell of every notebook installs from (tests/test_repository.py)."""
    from initlab.repository import read_repository

    url, branch = read_repository(BOOK_ROOT)
    owner_repo = urllib.parse.urlsplit(url).path.strip("/")
    wrong = []
    for name in _toc_files():
        stem = posixpath.splitext(name)[0]
        if not (BOOK_ROOT / (stem + ".ipynb")).is_file():
            continue
        links = [u for tag, _a, u in _parse(html_dir / f"{stem}.html").refs if tag == "a"]
        binder = [u for u in links if u.startswith("https://mybinder.org/")]
        colab = [u for u in links if u.startswith("https://colab.research.google.com/")]
        if not binder or any(f"/v2/gh/{owner_repo}/{branch}?" not in u for u in binder):
            wrong.append(f"{stem}: {binder}")
        if not colab or any(f"/github/{owner_repo}/blob/{branch}/" not in u for u in colab):
            wrong.append(f"{stem}: {colab}")
    assert not wrong, "\n".join(wrong)
