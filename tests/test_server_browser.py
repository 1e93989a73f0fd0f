"""Browser test (Debian chromium through Playwright): an analyst logs in, opens a dashboard,
changes a filter and sees the chart change, then is refused JupyterLab; a public dashboard
renders inside an iframe of the CDG's (allowed) site without login, a private page does not."""

from __future__ import annotations

import functools
import http.server
import os
import threading

import pytest

from workspace_lib.server.testing import CHROMIUM, CHROMIUM_ARGS, PASSWORDS, free_port, prepare_server


playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium (Debian) non installé")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The CDG's web site (a plain HTTP server on 127.0.0.1) with a page embedding dashboards."""
    folder = tmp_path_factory.mktemp("site")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def live(tmp_path_factory, site):
    server = prepare_server(tmp_path_factory.mktemp("navigateur"), frame_origins=(site[1],))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(live):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={**live.env})
        try:
            yield browser
        finally:
            browser.close()


def test_analyst_changes_a_filter_then_is_refused_jupyterlab(live, browser):
    context = browser.new_context(ignore_https_errors=True, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(live.url + "/voila/render/tableau_analystes.ipynb")
        assert "/login" in page.url  # not logged in yet
        page.fill("#username", "ana")
        page.fill("#password", PASSWORDS["ana"])
        page.click("button[type=submit]")
        page.wait_for_selector('svg.graphique[data-serie="Lozère"]', timeout=60_000)
        assert "tableau_analystes" in page.url
        assert "Total Lozère : 60" in page.inner_text("body")
        page.select_option("select", "Gard")
        page.wait_for_selector('svg.graphique[data-serie="Gard"]', timeout=20_000)
        assert "Total Gard : 97" in page.inner_text("body")
        response = page.goto(live.url + "/lab")
        assert response.status == 403 and "réservée aux développeurs" in page.inner_text("body")
    finally:
        context.close()


def test_public_dashboard_in_an_iframe_of_the_cdg_site(live, browser, site):
    folder, origin = site
    (folder / "observatoire.html").write_text(
        '<!DOCTYPE html><html lang="fr"><body><h1>Site du CDG</h1>'
        f'<iframe id="public" src="{live.url}/voila/render/tableau_public.ipynb" width="800" height="500"></iframe>'
        f'<iframe id="prive" src="{live.url}/voila/render/tableau_analystes.ipynb" width="400" height="200"></iframe>'
        "</body></html>", encoding="utf-8")
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    try:
        page.goto(f"{origin}/observatoire.html")
        frame = page.frame_locator("#public")
        frame.locator('svg.graphique[data-serie="Lozère"]').wait_for(timeout=60_000)
        frame.locator("select").select_option("Hérault")
        frame.locator('svg.graphique[data-serie="Hérault"]').wait_for(timeout=20_000)
        # Other pages refuse to be framed (CSP frame-ancestors 'none'): the second frame stays empty.
        page.wait_for_timeout(1000)
        private = page.frame_locator("#prive")
        assert private.locator("#username").count() == 0 and private.locator("svg.graphique").count() == 0
    finally:
        context.close()
