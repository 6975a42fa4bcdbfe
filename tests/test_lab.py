"""JupyterLab is part of the course's runtime, and its interface is in Russian.

requirements.txt pins JupyterLab and the Russian language pack; the environment the tests
run in is built from it (Makefile, Binder). A real ``jupyter lab`` server is started with
the course's settings (``JUPYTER_CONFIG_PATH=.jupyter``, as ``make lab`` does; Binder copies
the same file in ``postBuild``) and with empty user config/data folders, so no setting of
this machine leaks in. The server must list the Russian pack and default to it; a control
start without the course's settings defaults to English, so the setting is what does it.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PACK = "jupyterlab-language-pack-ru-RU"
LOCALE_PLUGIN = "@jupyterlab/translation-extension:plugin"


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line.split("#")[0].strip())
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_requirements_pin_jupyterlab_and_the_russian_pack():
    pins = _pins()
    for name in ("jupyterlab", PACK.lower()):
        assert name in pins, f"{name} is not pinned in requirements.txt"
        assert version(name) == pins[name], f"installed {name} differs from requirements.txt"
    constraints = (REPO / "constraints.txt").read_text(encoding="utf-8")
    assert f"{PACK}=={pins[PACK.lower()]}" in constraints


def test_course_settings_choose_russian():
    settings = json.loads((REPO / ".jupyter" / "labconfig" / "default_setting_overrides.json")
                          .read_text(encoding="utf-8"))
    assert settings[LOCALE_PLUGIN]["locale"] == "ru_RU"
    post_build = (REPO / "postBuild").read_text(encoding="utf-8")
    assert ".jupyter/labconfig/default_setting_overrides.json" in post_build
    assert os.access(REPO / "postBuild", os.X_OK)
    assert "JUPYTER_CONFIG_PATH=$(CURDIR)/.jupyter" in (REPO / "Makefile").read_text()


@pytest.mark.slow
def test_jupyter_lab_version():
    proc = subprocess.run([str(BIN / "jupyter"), "lab", "--version"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == _pins()["jupyterlab"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read().decode("utf-8"))


def _lab_locale(tmp_path: Path, course_settings: bool) -> tuple[dict, str]:
    """Start a server, return (languages it offers, default locale of the interface)."""
    port, token = _free_port(), "initlab-test"
    env = dict(os.environ, HOME=str(tmp_path / "home"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_DATA_DIR=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    env.pop("JUPYTER_CONFIG_PATH", None)
    if course_settings:
        env["JUPYTER_CONFIG_PATH"] = str(REPO / ".jupyter")
    cmd = [str(BIN / "jupyter"), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={REPO / 'exercises'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp_path / f"lab-{course_settings}.log", "w+", encoding="utf-8")  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                _get(f"{base}/api/status?token={token}")
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            pytest.fail("jupyter lab did not answer within a minute")
        log.seek(0)
        assert proc.poll() is None, "jupyter lab exited:\n" + log.read()[-3000:]
        languages = _get(f"{base}/lab/api/translations/?token={token}")["data"]
        plugin = _get(f"{base}/lab/api/settings/{LOCALE_PLUGIN}?token={token}")
        default = plugin["schema"]["properties"]["locale"]["default"]
        user = (plugin.get("settings") or {}).get("locale")
        req = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
        urllib.request.urlopen(req, timeout=10).close()
        proc.wait(timeout=30)
        return languages, user or default
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        log.close()


@pytest.mark.slow
def test_lab_starts_in_russian_and_stops(tmp_path):
    languages, locale = _lab_locale(tmp_path, course_settings=True)
    assert "ru_RU" in languages, languages
    assert languages["ru_RU"]["nativeName"].startswith("Русский")
    assert locale == "ru_RU"
    # control: the same server without the course's settings stays in English
    _, control = _lab_locale(tmp_path, course_settings=False)
    assert control in ("en", "default"), control
