"""Benchmark: concurrent analyst sessions opening a dashboard on the workspace server.

For 1, 5 and 20 concurrent analysts (each its own account), every session logs in, then opens
the same published dashboard (an ipywidgets dropdown and an SVG chart); the time to first chart
is measured from navigation start to the chart being visible in the browser (Debian chromium
through Playwright), or, with ``--http``, to the end of the Voilà page (kernel started and
notebook executed, without the browser's share of the CPU). Prints, per round: sessions served,
refused, failed, median / p95 / max, and the memory held (server + kernels, RSS) after the round.

    .venv/bin/python bench/bench_server.py [--rounds 1,5,20] [--http] [--prechauffes N]
        [--notebook PATH.ipynb --workspace DIR]

By default the dashboard is a small test notebook (a dropdown and an SVG). ``--notebook`` takes
one of notebooks/ instead (e.g. notebooks/synthese_employeur.ipynb) and ``--workspace`` the
workspace whose warehouse it reads (linked, only read; its boundaries are copied, its cached
views are not: the first session computes the view).

Everything (workspace, Jupyter and browser homes) lives in a temporary folder; the server runs
on a free 127.0.0.1 port and is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workspace_lib.server.testing import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    chromium_trust_option,
    prepare_server,
    run_cli,
)

PASSWORD = "banc d'essai des tableaux"
DASHBOARD = "/voila/render/tableau_analystes.ipynb"
# The test notebook's chart, or a chart or table of a workspace dashboard.
CHART = "svg.graphique, .rsu-sortie .rsu-bloc svg, .rsu-sortie .rsu-bloc table"


def memory_mb(pid: int) -> float:
    proc = psutil.Process(pid)
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]{36})"')


def _http_round(server, logins: list[str], used: set[str]) -> list[tuple[str, float]]:
    def one(login):
        s = server.login(login, PASSWORD)
        start = time.perf_counter()
        r = s.get(server.url + DASHBOARD, timeout=300)
        elapsed = time.perf_counter() - start
        used.update(KERNEL_ID.findall(r.text))
        if r.status_code == 429:
            return "refused", elapsed
        ok = r.status_code == 200 and "kernelId" in r.text and "vnd.jupyter.stderr" not in r.text
        return ("ok" if ok else "failed"), elapsed

    with concurrent.futures.ThreadPoolExecutor(len(logins)) as pool:
        return list(pool.map(one, logins))


async def _browser_round(server, logins: list[str], chromium: str, used: set[str]) -> list[tuple[str, float]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, env=server.env,
                                          args=[*CHROMIUM_ARGS, chromium_trust_option(Path(server.cafile))])
        pages = []
        for login in logins:  # log in first (not timed)
            context = await browser.new_context(ignore_https_errors=True)
            page = await context.new_page()
            await page.goto(server.url + "/login")
            await page.fill("#username", login)
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_load_state()
            pages.append(page)

        async def one(page):
            start = time.perf_counter()
            try:
                response = await page.goto(server.url + DASHBOARD, wait_until="commit", timeout=300_000)
                if response is not None and response.status == 429:
                    return "refused", time.perf_counter() - start
                await page.wait_for_selector(CHART, timeout=300_000)
                elapsed = time.perf_counter() - start
                used.update(KERNEL_ID.findall(await page.content()))
                return "ok", elapsed
            except Exception:  # noqa: BLE001
                return "failed", time.perf_counter() - start

        try:
            return await asyncio.gather(*(one(page) for page in pages))
        finally:
            await browser.close()


def _ready_kernels(server) -> int:
    """How many preheated kernels the server has logged as ready (warmed up) so far."""
    return server.log_path.read_text(errors="replace").count("Noyau préchauffé prêt")


def _wait_pool(server, expected: int, timeout: float = 600) -> None:
    """Until ``expected`` preheated kernels in all have been logged as ready."""
    deadline = time.monotonic() + timeout
    while _ready_kernels(server) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)


def _shutdown_kernels(server, used: set[str]) -> None:
    """Shut down the kernels the sessions used (not the preheated ones waiting in the pool)."""
    dev = server.login("dev")
    dev.headers["X-XSRFToken"] = dev.cookies.get("_xsrf")
    for kernel_id in used:
        dev.delete(server.url + f"/api/kernels/{kernel_id}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", default="1,5,20", help="Nombres de sessions simultanées.")
    parser.add_argument("--http", action="store_true", help="Mesure HTTP seule (sans navigateur).")
    parser.add_argument("--prechauffes", type=int, default=0, help="Noyaux préchauffés ([serveur] noyaux_prechauffes).")
    parser.add_argument("--notebook", type=Path, default=None, help="Tableau de bord à utiliser à la place de celui de test.")
    parser.add_argument("--workspace", type=Path, default=None, help="Espace dont l'entrepôt est lu (avec --notebook).")
    args = parser.parse_args()
    rounds = [int(x) for x in args.rounds.split(",")]
    chromium = CHROMIUM
    if not args.http and not os.path.exists(chromium):
        sys.exit("chromium introuvable : installez-le (apt-get install chromium) ou utilisez --http.")
    with tempfile.TemporaryDirectory(prefix="bench-serveur-") as tmp:
        server = prepare_server(Path(tmp), per_user=3, total=max(rounds) + args.prechauffes + 4,
                                pool=args.prechauffes)
        if args.notebook:
            shutil.copy(args.notebook, server.notebooks / "tableau_analystes.ipynb")
        if args.workspace:
            source = args.workspace.resolve()
            os.symlink(source / "warehouse.duckdb", server.workspace / "warehouse.duckdb")
            if (source / "cache" / "geo").is_dir():
                shutil.copytree(source / "cache" / "geo", server.workspace / "cache" / "geo")
        logins = [f"analyste{i:02d}" for i in range(1, max(rounds) + 1)]
        for login in logins:
            result = run_cli(server.env, server.workspace, "users", "add", login, "--role", "analyste", stdin=PASSWORD + "\n")
            assert result.returncode == 0, result.stderr
        server.start()
        try:
            print(f"CPU : {os.cpu_count()} cœurs ; mode : {'HTTP' if args.http else 'navigateur (chromium)'} ; "
                  f"noyaux préchauffés : {args.prechauffes}")
            _wait_pool(server, args.prechauffes)
            print(f"mémoire du serveur au repos : {memory_mb(server.process.pid):.0f} Mo")
            print(f"{'sessions':>8} {'servies':>7} {'refusées':>8} {'échecs':>6} {'médiane':>8} {'p95':>6} "
                  f"{'max':>6} {'mémoire':>9}")
            for n in rounds:
                before = _ready_kernels(server)
                used: set[str] = set()
                if args.http:
                    results = _http_round(server, logins[:n], used)
                else:
                    results = asyncio.run(_browser_round(server, logins[:n], chromium, used))
                times = sorted(t for status, t in results if status == "ok")
                p95 = times[min(len(times) - 1, int(round(0.95 * len(times) + 0.5)) - 1)] if times else float("nan")
                held = memory_mb(server.process.pid)
                print(f"{n:>8} {len(times):>7} {sum(s == 'refused' for s, _ in results):>8} "
                      f"{sum(s == 'failed' for s, _ in results):>6} {statistics.median(times) if times else float('nan'):>7.2f}s "
                      f"{p95:>5.2f}s {max(times) if times else float('nan'):>5.2f}s {held:>7.0f} Mo")
                _shutdown_kernels(server, used)
                _wait_pool(server, before + min(n, args.prechauffes))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
