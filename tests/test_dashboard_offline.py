"""The public observatoire in a real browser through the real server: charts, no external request."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workspace_lib.config import Workspace
from workspace_lib.ingest import import_sources
from workspace_lib.server.testing import CHROMIUM, CHROMIUM_ARGS
from workspace_lib.synth import generate

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "artefacts" / "tableaux-de-bord"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    generate(data, departement="48", years=[2024, 2025], seed=2, formats=("csv",))
    ws = Workspace.locate(tmp_path_factory.mktemp("ws")).ensure()
    import_sources(ws, [str(data / "csv")], show_progress=False)
    port = _free_port()
    home = tmp_path_factory.mktemp("home")
    proc = subprocess.Popen(
        [sys.executable, "-m", "workspace_lib.cli", "--workspace", str(ws.root), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
             "JUPYTER_DATA_DIR": str(home / "data"), "IPYTHONDIR": str(home / "ipython")})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    yield f"https://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # a kernel still busy: stop it all
        proc.kill()
        proc.wait()


def test_public_observatoire_renders_offline_and_reacts_to_the_year(server):
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(ignore_https_errors=True, viewport={"width": 1200, "height": 1600})
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(("https://127.0.0.1", "data:", "blob:")) else None)
        page.goto(f"{server}/voila/render/observatoire_departemental.ipynb", wait_until="commit", timeout=120_000)
        page.wait_for_selector("svg[role=img]", timeout=120_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTEFACTS / "observatoire-avant.png"))
        before = page.locator("body").inner_text()
        assert "Chiffres clés" in before and "NaN" not in before and "Traceback" not in before
        page.locator("select").first.select_option("2024")
        page.wait_for_function("() => document.body.innerText.includes('2024')", timeout=60_000)
        page.wait_for_timeout(2000)
        after = page.locator("body").inner_text()
        page.screenshot(path=str(ARTEFACTS / "observatoire-apres.png"))
        browser.close()
    assert after != before
    assert "l'emploi territorial 2024" in after
    assert outside == [], outside
