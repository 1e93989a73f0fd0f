"""Benchmark of a dashboard in a real browser (Debian chromium through Playwright): time to the
first chart, and time to redraw after a widget change, for three ways of serving it, measured in
the same run on the same data and machine:

(a) the workspace server as configured (HTTPS, accounts, Voilà as a server extension; the browser
    trusts its certificate, as its users do) with its pool of preheated kernels
    (``[serveur] noyaux_prechauffes``, ``--prechauffes``, default 2);
(b) standalone Voilà (``voila NOTEBOOK --no-browser --port P``, HTTP on 127.0.0.1) without
    preheating;
(c) standalone Voilà with ``--preheat_kernel=True --pool_size=2`` (notebooks executed ahead).

Measures:
- first chart: from the page request (the document's ``performance`` time origin) to the first
  chart or table of the dashboard visible, N loads (``--chargements``, 5) each in a new tab after
  one unmeasured warm-up load; the preheated pools are left to refill between loads (for (a),
  until the server logs a new warm kernel, then ``--pause``; for (c), where the notebook itself is executed ahead, 1.5 × the median load of (b) or
  ``--attente-c``);
- widget change: the year Dropdown switched (2024 <-> 2025) on one page, N times
  (``--changements``, 20), from the change event to the header showing the new year
  (« 1re sortie ») and to every output redrawn and the « Calcul… » status gone (« tout »).

Target of issue #4 (national data, 2 cores, preheated kernels): first chart < 1.5 s, change
redrawn < 150 ms (p95).

    .venv/bin/python bench/bench_dashboards.py                    # Lozère 2024-2025 (quick)
    .venv/bin/python bench/bench_dashboards.py --france           # all of France 2024-2025 (long)
    .venv/bin/python bench/bench_dashboards.py --donnees DIR      # CSV files already generated
    .venv/bin/python bench/bench_dashboards.py --workspace DIR    # a workspace already imported
    options: --notebook synthese_employeur.ipynb --chargements 5 --changements 20 --prechauffes 2
             --configs a,b,c

National data: ``workspace demo-data --france --annees 2024-2025 --out DIR --formats csv`` (about
one minute per year with the import); ``--donnees DIR`` reuses them, ``--workspace`` reuses the
imported warehouse (it is only read: the bench's workspace links to it).

The standalone Voilà processes get the same work-around as the server against the lost ZMQ
wake-ups of this package set (``workspace_lib.server.app._poll_kernel_replies_in_slices``):
without it their pages often stay on « Executing n of m » for ever; and an ``_xsrf`` cookie, without
which standalone Voilà refuses the beacon that shuts a closed tab's kernel down. Everything else (Jupyter
and browser homes, accounts, certificates) lives in a temporary folder; every process started
is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workspace_lib.config import DEFAULT_SETTINGS, Workspace  # noqa: E402
from workspace_lib.fr import nombre  # noqa: E402
from workspace_lib.server.testing import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORDS,
    LiveServer,
    chromium_trust_option,
    free_port,
    isolated_env,
    run_cli,
)
from workspace_lib.server.tls import ensure_certificate  # noqa: E402

ANALYST = "ana"
YEARS = [2024, 2025]
CHART = ".rsu-sortie .rsu-bloc svg, .rsu-sortie .rsu-bloc table"
TARGET_FIRST_CHART = 1.5  # s
TARGET_CHANGE_P95 = 0.150  # s

# Standalone Voilà, with the server's work-around for lost ZMQ wake-ups (if present).
VOILA = """import sys
try:
    from workspace_lib.server.app import _poll_kernel_replies_in_slices
except ImportError:
    pass
else:
    _poll_kernel_replies_in_slices()
from voila.app import main
sys.argv[0] = "voila"
sys.exit(main())
"""

FIRST_CHART_JS = """(selector) => {
    const e = document.querySelector(selector);
    return e && e.checkVisibility() && e.getBoundingClientRect().height > 0 ? performance.now() : false;
}"""

# Switch the year, then watch the DOM: time to the header's new year, and to everything redrawn.
CHANGE_JS = """([year, timeout]) => new Promise((resolve) => {
    const select = Array.from(document.querySelectorAll('.widget-dropdown'))
        .find(d => (d.querySelector('label') || {}).textContent === 'Année').querySelector('select');
    const outputs = () => Array.from(document.querySelectorAll('.rsu-sortie')).map(e => e.textContent);
    const status = () => Array.from(document.querySelectorAll('.widget-hbox .widget-html'))
        .map(e => e.textContent).join(' ');
    const before = JSON.stringify(outputs());
    let first = null, done = false;
    const t0 = performance.now();
    const check = () => {
        if (done) return;
        const now = performance.now() - t0;
        const outs = outputs();
        const header = outs.length > 0 && outs[0].includes(year);
        if (header && first === null) first = now;
        if (header && !status().includes('Calcul') && JSON.stringify(outs) !== before) {
            done = true; observer.disconnect(); resolve([first, now]);
        } else if (now > timeout) {
            done = true; observer.disconnect(); resolve([first, null]);
        }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(check, timeout + 10);
    select.value = year;
    select.dispatchEvent(new Event('change', {bubbles: true}));
})"""


@dataclass
class Result:
    name: str
    loads: list[float] = field(default_factory=list)  # seconds
    load_failures: int = 0
    first_outputs: list[float] = field(default_factory=list)  # seconds
    changes: list[float] = field(default_factory=list)  # seconds
    change_failures: int = 0
    note: str = ""


# ---- data ------------------------------------------------------------------------------------------
def _settings(source: Path | None, pool: int) -> str:
    text = source.read_text(encoding="utf-8") if source and source.exists() else DEFAULT_SETTINGS
    text = re.sub(r"(?m)^noyaux_prechauffes\s*=.*\n", "", text)
    if re.search(r"(?m)^\[serveur\]\s*$", text):
        return re.sub(r"(?m)^\[serveur\]\s*$", f"[serveur]\nnoyaux_prechauffes = {pool}", text, count=1)
    return text + f"\n[serveur]\nnoyaux_prechauffes = {pool}\n"


def _boundaries(workspace: Workspace, departement: str) -> None:
    """The communes' boundaries of ../shared/geo (offline demo) into the cache, if present."""
    from workspace_lib.charts.geo import cache_path

    target = cache_path("communes", departement, workspace)
    source = next(iter(sorted((ROOT.parent / "shared" / "geo").glob(f"communes-{departement}-*.geojson"))), None)
    if source is not None and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def prepare_workspace(args, base: Path) -> tuple[Workspace, str]:
    """The bench's workspace (with its warehouse) and a description of the data."""
    from workspace_lib.ingest import import_sources
    from workspace_lib.warehouse import table_counts

    root = base / "espace"
    root.mkdir(parents=True)
    if args.workspace:
        source = Workspace.locate(args.workspace)
        if not source.warehouse_path.exists():
            sys.exit(f"Pas d'entrepôt dans {source.root}.")
        (root / "workspace.toml").write_text(_settings(source.settings_path, args.prechauffes), encoding="utf-8")
        os.symlink(source.warehouse_path, root / "warehouse.duckdb")
        if (source.root / "cache").is_dir():
            # Boundaries only: the views are computed afresh (none kept from an earlier run).
            shutil.copytree(source.root / "cache", root / "cache", ignore=shutil.ignore_patterns("vues"))
        label = f"espace {source.root}"
    else:
        (root / "workspace.toml").write_text(_settings(None, args.prechauffes), encoding="utf-8")
        if args.donnees:
            csv = Path(args.donnees)
            csv = csv / "csv" if (csv / "csv").is_dir() else csv
            label = f"fichiers {csv}"
        else:
            from workspace_lib.synth import generate

            out = base / "donnees"
            started = time.perf_counter()
            generate(out, departement=None if args.france else "48", years=YEARS, seed=1, formats=("csv",))
            csv = out / "csv"
            label = "France entière" if args.france else "Lozère"
            print(f"Données {label} {YEARS[0]}-{YEARS[-1]} générées en {time.perf_counter() - started:.0f} s",
                  flush=True)
        started = time.perf_counter()
        import_sources(Workspace.locate(root), [str(csv)], show_progress=False)
        print(f"Import en {time.perf_counter() - started:.0f} s", flush=True)
    workspace = Workspace.locate(root).ensure()
    departement = str(workspace.settings().get("espace", {}).get("departement", "48"))
    _boundaries(workspace, departement)
    counts = table_counts(workspace.warehouse_path)
    return workspace, (f"{label}, {nombre(counts['agent'])} agents-années, "
                       f"{nombre(counts['employeur'])} employeurs-années")


# ---- processes ------------------------------------------------------------------------------------
def _stop(process: subprocess.Popen | None, children: list[psutil.Process]) -> None:
    """Stop a process started here (its own session) and any child it left (kernels)."""
    if process is not None and process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
    for child in children:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


class Voila:
    """A standalone Voilà on 127.0.0.1 (HTTP) for one notebook."""

    def __init__(self, base: Path, workspace: Workspace, notebook: Path, env: dict, preheat: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = base / f"voila-{self.port}.log"
        self.preheat = preheat
        command = [sys.executable, "-c", VOILA, str(notebook), "--no-browser", f"--port={self.port}",
                   "--Voila.ip=127.0.0.1"]
        if preheat:
            command += ["--preheat_kernel=True", f"--pool_size={preheat}"]
        self.env = {**env, "WORKSPACE_DIR": str(workspace.root),
                    "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
        self.process = subprocess.Popen(command, env=self.env, cwd=str(notebook.parent), start_new_session=True,
                                        stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT)
        session = requests.Session()
        session.trust_env = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Voilà s'est arrêté :\n" + self.log_path.read_text(errors="replace")[-3000:])
            try:
                # Any answer: the server listens (a GET of the page would start a kernel).
                session.head(self.url + "voila/static/", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.3)

    def filled(self) -> int:
        """How many times Voilà has logged its pool as filled."""
        return self.log_path.read_text(errors="replace").count("is filled with")

    def wait_pool(self, before: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.filled() <= before and time.monotonic() < deadline:
            time.sleep(0.25)
        time.sleep(0.5)

    def stop(self) -> None:
        _stop(self.process, _descendants(self.process.pid))


# ---- measures ------------------------------------------------------------------------------------
def _context(browser, outside: list[str]):
    context = browser.new_context(ignore_https_errors=True, locale="fr-FR", viewport={"width": 1280, "height": 1000})

    def handle(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:  # e.g. the CDN icon fonts of Voilà's own template: no Internet here
            outside.append(url)
            route.abort()

    context.route("**/*", handle)
    return context


def _load(context, url: str, timeout_s: float) -> float | None:
    """Seconds from the page request to the first chart visible (None: not within the timeout)."""
    page = context.new_page()
    try:
        response = page.goto(url, wait_until="commit", timeout=int(timeout_s * 1000))
        if response is None or response.status != 200:
            print(f"    statut {response.status if response else '?'}", flush=True)
            return None
        handle = page.wait_for_function(FIRST_CHART_JS, arg=CHART, polling="raf", timeout=int(timeout_s * 1000))
        return handle.json_value() / 1000
    except Exception as exc:  # noqa: BLE001 - counted as a failure
        print(f"    échec du chargement : {str(exc).splitlines()[0]}", flush=True)
        return None
    finally:
        page.close(run_before_unload=True)  # Voilà's beacon shuts the kernel down


def _changes(context, url: str, n: int, result: Result, timeout_s: float) -> None:
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit", timeout=int(timeout_s * 1000))
        page.wait_for_selector(CHART, state="visible", timeout=int(timeout_s * 1000))
        page.wait_for_timeout(1000)
        select = page.locator(".widget-dropdown", has=page.locator("label", has_text="Année")).locator("select")
        year = select.input_value()
        for _ in range(n):
            year = str(YEARS[0]) if year == str(YEARS[-1]) else str(YEARS[-1])
            first, total = page.evaluate(CHANGE_JS, [year, 30_000])
            if total is None:
                result.change_failures += 1
            else:
                result.first_outputs.append(first / 1000)
                result.changes.append(total / 1000)
            page.wait_for_timeout(200)
    finally:
        page.close(run_before_unload=True)


def measure(browser, name: str, url: str, args, *, login=None, between=None, note: str = "",
            xsrf: bool = False) -> Result:
    result = Result(name, note=note)
    outside: list[str] = []
    context = _context(browser, outside)
    if xsrf:
        # Standalone Voilà sets no _xsrf cookie, so its beacon shutting the kernel down when the tab
        # closes is refused (403) and every kernel stays: a cookie of our own (tornado compares the
        # cookie with the form field) lets the beacon through.
        context.add_cookies([{"name": "_xsrf", "value": "62656e6368", "url": url}])
    try:
        if login:
            login(context)
        print(f"  {name} : chargement d'échauffement", flush=True)
        _load(context, url, args.delai)
        if between:
            between()
        for i in range(args.chargements):
            seconds = _load(context, url, args.delai)
            if seconds is None:
                result.load_failures += 1
            else:
                result.loads.append(seconds)
            print(f"  {name} : chargement {i + 1}/{args.chargements} : "
                  f"{'échec' if seconds is None else f'{seconds:.2f} s'}", flush=True)
            if between:
                between()
        _changes(context, url, args.changements, result, args.delai)
        print(f"  {name} : {len(result.changes)} changements mesurés, {result.change_failures} échecs"
              + (f" ; médiane {_ms(statistics.median(result.changes))}, p95 {_ms(_p95(result.changes))}"
                 if result.changes else ""), flush=True)
    finally:
        context.close()
    if outside:
        result.note = (result.note + " ; " if result.note else "") + \
            f"{len(set(outside))} adresse(s) extérieure(s) bloquée(s)"
    return result


def _wait_ready(server: LiveServer, count: int, timeout: float) -> int:
    """Until the server has logged ``count`` preheated kernels as ready; how many it has."""
    deadline = time.monotonic() + timeout
    while True:
        ready = server.log_path.read_text(errors="replace").count("Noyau préchauffé prêt")
        if ready >= count or time.monotonic() > deadline:
            return ready
        time.sleep(0.2)


def run_server(browser, base: Path, workspace: Workspace, env: dict, args) -> Result:
    result = run_cli(env, workspace.root, "users", "add", ANALYST, "--role", "analyste",
                     stdin=PASSWORDS[ANALYST] + "\n")
    if result.returncode != 0 and "existe déjà" not in result.stderr:
        raise RuntimeError(result.stderr)
    server = LiveServer(base, workspace.root, ROOT / "notebooks", free_port(), env)
    server.start(timeout=120)
    children: list[psutil.Process] = []
    try:
        ready = _wait_ready(server, args.prechauffes, args.delai)  # the pool fills
        children = _descendants(server.process.pid)

        def login(context):
            page = context.new_page()
            page.goto(server.url + "/login")
            page.fill("#username", ANALYST)
            page.fill("#password", PASSWORDS[ANALYST])
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.close()

        def between():
            # The pool refills (a kernel starts and warms up): wait for it, then --pause.
            nonlocal ready
            ready = _wait_ready(server, ready + 1, args.delai)
            time.sleep(args.pause)
            children.extend(_descendants(server.process.pid))

        return measure(browser, "a", f"{server.url}/voila/render/{args.notebook}", args, login=login, between=between,
                       note=f"serveur de l'espace (HTTPS), {args.prechauffes} noyaux préchauffés")
    finally:
        children.extend(_descendants(server.process.pid) if server.process else [])
        server.stop()
        _stop(None, children)


def run_voila(browser, base: Path, workspace: Workspace, env: dict, args, preheat: int,
              refill: float = 15) -> Result:
    voila = Voila(base, workspace, ROOT / "notebooks" / args.notebook, env, preheat)
    try:
        if preheat:
            # Voilà logs its pool as filled when the kernels are started, before the notebook is
            # executed in them: the pool is given the time of a cold load (and more) to re-render.
            voila.wait_pool(0)
            time.sleep(refill)

            def between():
                time.sleep(refill)

            name, note = "c", (f"Voilà seul (HTTP), --preheat_kernel=True --pool_size={preheat} "
                               f"(pause de {refill:.0f} s entre deux chargements pour le réchauffage)")
        else:
            def between():
                time.sleep(1)

            name, note = "b", "Voilà seul (HTTP), sans préchauffage"
        return measure(browser, name, voila.url, args, between=between, note=note, xsrf=True)
    finally:
        voila.stop()


# ---- report ----------------------------------------------------------------------------------------
def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-95 * len(ordered) // 100) - 1))]


def _s(value: float | None) -> str:
    return "—" if value is None else nombre(value, 2) + " s"


def _ms(value: float | None) -> str:
    return "—" if value is None else nombre(value * 1000, 0) + " ms"


def report(results: list[Result], title: str) -> None:
    print()
    print(title)
    print(f"{'':4}| {'premier graphique (chargements)':^34} | {'changement d’année → 1re sortie':^31} | "
          f"{'changement → tout redessiné':^34}")
    print(f"{'':4}| {'médiane':>10} {'max':>10} {'échecs':>11} | {'médiane':>15} {'p95':>15} | "
          f"{'médiane':>10} {'p95':>10} {'échecs':>12}")
    for r in results:
        loads = f"{r.load_failures}/{len(r.loads) + r.load_failures}"
        changes = f"{r.change_failures}/{len(r.changes) + r.change_failures}"
        print(f"({r.name}) | {_s(statistics.median(r.loads) if r.loads else None):>10} "
              f"{_s(max(r.loads) if r.loads else None):>10} {loads:>11} | "
              f"{_ms(statistics.median(r.first_outputs) if r.first_outputs else None):>15} "
              f"{_ms(_p95(r.first_outputs) if r.first_outputs else None):>15} | "
              f"{_ms(statistics.median(r.changes) if r.changes else None):>10} "
              f"{_ms(_p95(r.changes) if r.changes else None):>10} {changes:>12}")
    print()
    for r in results:
        print(f"({r.name}) {r.note}")
    print(f"Cibles (ticket #4, données nationales, 2 cœurs, noyaux préchauffés) : premier graphique "
          f"< {nombre(TARGET_FIRST_CHART, 1)} s ; changement redessiné < {nombre(TARGET_CHANGE_P95 * 1000)} ms (p95).")
    for r in results:
        if r.loads and r.changes:
            ok_load = max(r.loads) < TARGET_FIRST_CHART
            ok_change = _p95(r.changes) < TARGET_CHANGE_P95
            print(f"({r.name}) premier graphique : {'atteinte' if ok_load else 'manquée'} ; "
                  f"changement : {'atteinte' if ok_change else 'manquée'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--france", action="store_true", help="Données de démonstration de toute la France (long).")
    source.add_argument("--donnees", help="Dossier de fichiers CSV déjà générés (demo-data --formats csv).")
    source.add_argument("--workspace", help="Espace de travail déjà importé (son entrepôt est seulement lu).")
    parser.add_argument("--notebook", default="synthese_employeur.ipynb", help="Tableau de bord de notebooks/.")
    parser.add_argument("--chargements", type=int, default=5, help="Chargements mesurés par configuration.")
    parser.add_argument("--changements", type=int, default=20, help="Changements d'année mesurés.")
    parser.add_argument("--prechauffes", type=int, default=2, help="Noyaux préchauffés du serveur (a).")
    parser.add_argument("--pause", type=float, default=1,
                        help="Attente entre deux chargements sur (a), en s, une fois le réservoir complété.")
    parser.add_argument("--delai", type=float, default=180, help="Délai maximal d'un chargement, en s.")
    parser.add_argument("--configs", default="a,b,c", help="Configurations à mesurer (a, b, c).")
    parser.add_argument("--attente-c", type=float, default=0,
                        help="Attente entre deux chargements sur (c), en s (défaut : 1,5 × la médiane de (b)).")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("chromium introuvable : installez-le (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    with tempfile.TemporaryDirectory(prefix="bench-tableaux-") as tmp:
        base = Path(tmp)
        env = isolated_env(base / "env")
        workspace, data = prepare_workspace(args, base)
        load = os.getloadavg()
        print(f"CPU : {os.cpu_count()} cœurs, charge moyenne au départ {load[0]:.1f} ; tableau : {args.notebook} ; "
              f"données : {data}", flush=True)
        results = []
        with sync_playwright() as p:
            certificate, _ = ensure_certificate(workspace.root / "tls", ("127.0.0.1",))  # the server's
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=[*CHROMIUM_ARGS, chromium_trust_option(certificate)],
                                        env=env)
            try:
                for config in configs:
                    (base / config).mkdir(exist_ok=True)
                    if config == "a":
                        results.append(run_server(browser, base / "a", workspace, env, args))
                    elif config in ("b", "c"):
                        cold = next((statistics.median(r.loads) for r in results if r.name == "b" and r.loads), None)
                        refill = args.attente_c if args.attente_c else max(10.0, 1.5 * cold if cold else 15.0)
                        results.append(run_voila(browser, base / config, workspace, env, args,
                                                 preheat=2 if config == "c" else 0, refill=refill))
            finally:
                browser.close()
        report(results, f"Tableau de bord {args.notebook} — {data}")


if __name__ == "__main__":
    main()
