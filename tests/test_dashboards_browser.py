"""The seven dashboards of ``notebooks/`` in a real browser (Debian chromium driven by Playwright),
through the real server (HTTPS, accounts, Voilà), on Lozère demo data for 2024-2025.

For each dashboard: log in (an analyst; nobody for the public observatoire), open its Voilà page,
wait for the first chart or table, screenshot it, change the year (and, for the employer
dashboards, the employer: part of its name typed in the Combobox, then one of its suggestions),
wait until the outputs are redrawn and differ (numbers, charts), screenshot again. No « NaN »,
no Python traceback, and no request to any other host than the server (127.0.0.1).

Screenshots: ``artefacts/tableaux-de-bord/<notebook>-avant.png`` and ``-apres.png`` at the
repository's root (ignored by git).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from workspace_lib.config import Workspace
from workspace_lib.dashboard.specs import SPECS
from workspace_lib.ingest import import_sources
from workspace_lib.server.settings import PUBLIC, ServerSettings
from workspace_lib.server.testing import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORDS,
    LiveServer,
    free_port,
    isolated_env,
    run_cli,
)
from workspace_lib.synth import generate

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ARTEFACTS = ROOT / "artefacts" / "tableaux-de-bord"
YEARS = [2024, 2025]
ANALYST = "ana"
# Typed in the employer Combobox (the Lozère prefecture: its commune and CCAS are in the demo data).
EMPLOYER_FRAGMENT = "Mende"

CHART = ".rsu-sortie .rsu-bloc svg, .rsu-sortie .rsu-bloc table"
FORBIDDEN_TEXT = re.compile(r"\bNaN\b|\bnan\b|Traceback|There was an error when executing|\bundefined\b")
RANDOM_IDS = re.compile(r"rsu-[0-9a-f]{8}")
NUMBER = re.compile(r"\d[\d\u202f\u00a0 ]*(?:,\d+)?")

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium (Debian) non installé")


def _dashboards() -> list[str]:
    return sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def _spec_of(notebook: str):
    metadata = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["metadata"]
    return SPECS[metadata["rsu"]["tableau_de_bord"]]


def _offline_boundaries(workspace: Workspace) -> None:
    """The Lozère communes' boundaries of ../shared/geo into the workspace cache (no download)."""
    from workspace_lib.charts.geo import cache_path

    shared = ROOT.parent / "shared" / "geo"
    source = next(iter(sorted(shared.glob("communes-48-*.geojson"))), None)
    target = cache_path("communes", "48", workspace)
    if source is not None and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Lozère 2024-2025 imported into a new workspace (default settings: the seven dashboards
    published), an analyst account, and the server on a free 127.0.0.1 port serving notebooks/."""
    base = tmp_path_factory.mktemp("tableaux-navigateur")
    env = isolated_env(base)
    data = base / "donnees"
    generate(data, departement="48", years=YEARS, seed=1, formats=("csv",))
    workspace = Workspace.locate(base / "espace").ensure()
    import_sources(workspace, [str(data / "csv")], show_progress=False)
    _offline_boundaries(workspace)
    result = run_cli(env, workspace.root, "users", "add", ANALYST, "--role", "analyste",
                     stdin=PASSWORDS[ANALYST] + "\n")
    assert result.returncode == 0, result.stderr
    server = LiveServer(base, workspace.root, NOTEBOOKS, free_port(), env)
    server.extra["publications"] = ServerSettings.from_workspace(workspace).dashboards
    server.start(timeout=90)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(live):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={**live.env})
        try:
            yield browser
        finally:
            browser.close()


# ---- helpers ---------------------------------------------------------------------------------------
def _only_local(context, outside: list[str]) -> None:
    """Every request of the context: to the server (127.0.0.1) it goes, elsewhere it is recorded
    and aborted (a page must work without Internet and leak nothing to third parties)."""

    def handle(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", handle)
    context.on("page", lambda page: page.on(
        "websocket", lambda ws: None if urlsplit(ws.url).hostname == "127.0.0.1" else outside.append(ws.url)))


def _log_in(page, live) -> None:
    page.goto(live.url + "/login")
    page.fill("#username", ANALYST)
    page.fill("#password", PASSWORDS[ANALYST])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.inner_text("body")[:500]


def _open(page, url: str) -> None:
    """Open a dashboard; the analyst's previous tab frees its kernel on closing (Voilà's beacon),
    which may take a moment: a 429 (too many kernels) is retried for a few seconds."""
    deadline = time.monotonic() + 15
    while True:
        response = page.goto(url, wait_until="commit", timeout=60_000)
        if response is None or response.status != 429 or time.monotonic() > deadline:
            break
        page.wait_for_timeout(1000)
    assert response is not None and response.status == 200, \
        f"{url} : statut {response.status if response else '?'}\n{page.inner_text('body')[:500]}"


def _outputs(page) -> list[str]:
    """The text of every output area of the dashboard (numbers, table cells, chart labels)."""
    return page.eval_on_selector_all(".rsu-sortie", "els => els.map(e => e.innerText)")


def _charts(page) -> list[str]:
    """The SVG of every chart, without the random ids of the fragments."""
    return [RANDOM_IDS.sub("rsu-id", svg)
            for svg in page.eval_on_selector_all(".rsu-sortie .rsu-bloc svg", "els => els.map(e => e.outerHTML)")]


def _status_text(page) -> str:
    return page.eval_on_selector_all(".widget-hbox .widget-html", "els => els.map(e => e.innerText).join(' ')")


def _wait_redrawn(page, before: list[str], expected: str, what: str) -> None:
    """Until the header shows ``expected``, the « Calcul… » status is gone and the outputs changed."""
    try:
        page.wait_for_function(
            """([before, expected]) => {
                const outs = Array.from(document.querySelectorAll('.rsu-sortie')).map(e => e.innerText);
                const status = Array.from(document.querySelectorAll('.widget-hbox .widget-html'))
                    .map(e => e.innerText).join(' ');
                return outs.length > 0 && outs[0].includes(expected) && !status.includes('Calcul')
                    && JSON.stringify(outs) !== JSON.stringify(before);
            }""", arg=[before, expected], timeout=60_000)
    except playwright_api.TimeoutError:
        head = (_outputs(page) or ["(aucune sortie)"])[0]
        pytest.fail(f"{what} : le tableau n'a pas été redessiné en 60 s (en-tête : {head!r}, "
                    f"état : {_status_text(page)!r}).")


def _check_clean(page, where: str) -> None:
    text = page.inner_text("body")
    found = FORBIDDEN_TEXT.findall(text)
    assert not found, f"{where} : {found} dans la page"
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0, \
        f"{where} : sortie d'erreur : {page.locator('[data-mime-type*=stderr]').first.inner_text()[:500]}"


def _screenshot(page, path: Path) -> None:
    """The whole dashboard: Voilà scrolls inside #rendered_cells, so the viewport is stretched."""
    height = page.evaluate("() => (document.getElementById('rendered_cells') || document.body).scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 8000))})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def _numbers(texts: list[str]) -> list[str]:
    return [n.strip() for t in texts for n in NUMBER.findall(t)]


def _assert_changed(before_text, after_text, before_charts, after_charts, what: str) -> None:
    assert after_text != before_text, f"{what} : le contenu affiché n'a pas changé"
    assert _numbers(after_text) != _numbers(before_text), f"{what} : aucun nombre n'a changé"
    assert after_charts and after_charts != before_charts, f"{what} : aucun graphique n'a changé"


def _choose_employer(page, fragment: str) -> str:
    """Type part of a name in the employer Combobox, then take one of its suggestions (the options
    of its datalist containing the typed text, as the browser proposes them). Chromium's native
    suggestion popup cannot be clicked by Playwright: choosing it fills the input with the
    suggestion's full text, which is what is done here."""
    box = page.locator(".widget-text", has=page.locator("label", has_text="Employeur")).locator("input")
    current = box.input_value()
    box.click()
    box.press("Control+a")
    box.press_sequentially(fragment, delay=20)
    suggestions = box.evaluate(
        """(input, typed) => Array.from(input.list.options).map(o => o.value)
               .filter(v => v.toLowerCase().includes(typed.toLowerCase()))""", fragment)
    choices = [s for s in suggestions if s != current]
    assert choices, f"aucune suggestion pour « {fragment} »"
    label = next((s for s in choices if s.startswith("Commune de ")), choices[0])
    box.fill(label)
    box.press("Tab")
    return label


# ---- the test ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("notebook", _dashboards(), ids=lambda name: name.removesuffix(".ipynb"))
def test_dashboard_in_the_browser_redraws_on_a_widget_change(notebook, live, browser):
    spec = _spec_of(notebook)
    public = live.extra["publications"].get(notebook) == PUBLIC
    stem = notebook.removesuffix(".ipynb")
    outside: list[str] = []
    context = browser.new_context(ignore_https_errors=True, locale="fr-FR", viewport={"width": 1280, "height": 1000})
    _only_local(context, outside)
    page = context.new_page()
    try:
        if not public:
            _log_in(page, live)
        _open(page, f"{live.url}/voila/render/{notebook}")
        try:
            page.wait_for_selector(CHART, state="visible", timeout=90_000)
        except playwright_api.TimeoutError:
            loading = page.locator("#loading_text")
            pytest.fail(f"{notebook} : aucun graphique ni tableau en 90 s "
                        f"({loading.inner_text() if loading.count() else page.inner_text('body')[:300]!r}).")
        page.wait_for_timeout(500)  # the other widget views
        _check_clean(page, f"{notebook} (avant)")
        _screenshot(page, ARTEFACTS / f"{stem}-avant.png")
        text, charts = _outputs(page), _charts(page)

        # The year: the other one.
        year = page.locator(".widget-dropdown", has=page.locator("label", has_text="Année")).locator("select")
        current = year.input_value()
        other = next(str(y) for y in YEARS if str(y) != current)
        year.select_option(other)
        _wait_redrawn(page, text, other, f"{notebook}, année {other}")
        after_text, after_charts = _outputs(page), _charts(page)
        _assert_changed(text, after_text, charts, after_charts, f"{notebook}, année {other}")
        assert other in after_text[0] and current not in after_text[0]

        if spec.niveau == "employeur":
            label = _choose_employer(page, EMPLOYER_FRAGMENT)
            name = label.split(" — ")[0]
            _wait_redrawn(page, after_text, name, f"{notebook}, employeur {label}")
            final_text, final_charts = _outputs(page), _charts(page)
            _assert_changed(after_text, final_text, after_charts, final_charts, f"{notebook}, employeur {label}")
            assert other in final_text[0], "le changement d'employeur a perdu l'année choisie"
            assert page.locator(CHART).count() > 0

        page.wait_for_timeout(300)
        _check_clean(page, f"{notebook} (après)")
        _screenshot(page, ARTEFACTS / f"{stem}-apres.png")
        assert outside == [], f"{notebook} : requêtes vers d'autres hôtes que le serveur : {outside}"
    finally:
        page.close(run_before_unload=True)  # Voilà's beacon shuts the kernel down
        time.sleep(0.3)
        context.close()
