"""Shared test settings.

OpenBLAS defaults to one thread per core. On a 2-core machine that also runs notebook
kernels (nbval, the book build) its threads wait on each other and small matrix products
get several times slower; one thread per process is faster overall. Set before numpy is
imported by any test module; notebook kernels started by nbval inherit it.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


import pytest


@pytest.fixture(scope="module")
def playwright():
    """One Playwright (sync API) per test module, closed at the module's end: a second
    ``sync_playwright()`` while one is running fails («Sync API inside the asyncio loop»),
    and a running one leaves an asyncio loop that later tests (explorers' deferred redraw)
    would take for a live kernel."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under ``--dist loadfile`` (``make test``), tests/test_golden.py runs on the worker of
    tests/test_browser.py: both use the one book build of that process (tests/bookbuild.py)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    together = {"tests/test_golden.py": "tests/test_browser.py"}

    class BookModulesTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return together.get(scope, scope)

    return BookModulesTogether(config, log)
