"""Report campaigns: real kernels, real notebooks, real PDF/DOCX/XLSX files read back."""

from __future__ import annotations

import ast
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import nbformat
import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from workspace_lib import report_model
from workspace_lib.cli import main as cli
from workspace_lib.config import Workspace
from workspace_lib.disclosure import audit_tables, read_tables_json
from workspace_lib.ingest import import_sources
from workspace_lib.render import CampaignError, load, run_campaign
from workspace_lib.render.executors import default_workers
from workspace_lib.render.kernel import WarmKernel, load_notebook, notebook_imports
from workspace_lib.synth import generate

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).parent / "data" / "notebooks" / "minimal.ipynb"
YEAR = 2025


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Workspace:
    """Lozère, two years, imported."""
    data = tmp_path_factory.mktemp("data")
    generate(data, departement="48", years=[YEAR - 1, YEAR], seed=5, formats=("csv",))
    ws = Workspace.locate(tmp_path_factory.mktemp("ws")).ensure()
    import_sources(ws, [str(data / "csv")], show_progress=False)
    return ws


def _employers(ws: Workspace) -> dict[str, str]:
    """A big employer, a commune with 2 agents, and an employer without agents in YEAR."""
    with duckdb.connect(str(ws.warehouse_path), read_only=True) as con:
        counts = con.execute(
            "SELECT e.siret, e.type, count(a.siret) FROM employeur e LEFT JOIN agent a USING (annee, siret) "
            "WHERE e.annee = ? GROUP BY ALL ORDER BY 3 DESC, 1", [YEAR]).fetchall()
    big = counts[0][0]
    small = next(s for s, t, n in counts if t == "COMMUNE" and n == 2)
    empty = next(s for s, t, n in counts if n == 0)
    return {"grand": big, "petit": small, "vide": empty}


def _campaign(tmp_path: Path, **overrides) -> Path:
    spec = {
        "nom": "synthese-test", "titre": "Synthèse (test)", "notebook": str(ROOT / "notebooks" / "synthese_employeur.ipynb"),
        "parametres": {"annee": [YEAR], "siret": {"requete": "employeurs"}, "interactif": False},
        "formats": ["pdf", "docx", "xlsx"], "chemin": "{annee}/{siret}-{slug}",
        "condition": "donnees_presentes", "conservation": 2,
    }
    spec.update(overrides)
    path = tmp_path / "parameters" / "campagne.yaml"
    path.parent.mkdir(exist_ok=True)
    import yaml

    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def test_campaign_errors_are_french_and_name_the_key(tmp_path):
    cases = {
        "formats": (["pdf", "odt"], "formats"),
        "parametres": ({"siret": {"requete": "DROP TABLE agent"}}, "requête inconnue"),
        "planification": ("tous les jours", "expression cron invalide"),
        "chemin": ("../{siret}", "motif relatif"),
        "inconnue": (1, "clé inconnue"),
    }
    for key, (value, message) in cases.items():
        path = _campaign(tmp_path, **{key: value})
        with pytest.raises(CampaignError, match=message) as exc:
            load(path, root=ROOT)
        assert str(path) in str(exc.value)
    with pytest.raises(CampaignError, match="notebook introuvable"):
        load(_campaign(tmp_path, notebook="notebooks/absent.ipynb"), root=ROOT)


def test_warm_kernel_resets_namespace_between_reports(tmp_path):
    kernel = WarmKernel(tmp_path)
    try:
        nb = load_notebook(MINIMAL)
        # The notebook asserts that the previous report's variable is gone.
        for siret in ("A", "B", "C"):
            out = kernel.run(nb, {"siret": siret})
            text = json.dumps(out["cells"][-1]["outputs"])
            assert f"Rapport {siret} 2024" in text
        assert kernel.reports == 3
    finally:
        kernel.shutdown()


def test_kernel_preloads_imports_and_freezes_what_survives_a_reset(tmp_path):
    nb = load_notebook(MINIMAL)
    assert notebook_imports(nb).splitlines() == ["from IPython.display import display",
                                                 "from workspace_lib import report_model as rm"]
    kernel = WarmKernel(tmp_path, preload="import module_absent\n" + notebook_imports(nb))
    try:
        probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            "import gc, sys\nprint('frozen', gc.get_freeze_count() > 1000, 'workspace_lib.report_model' in sys.modules)")])
        for _ in range(2):  # the reset before each report freezes; the namespace is still emptied
            out = kernel.run(probe, {})
            assert "frozen True True" in out.cells[-1].outputs[0]["text"]
        assert kernel.run(nb, {"siret": "A"}) and kernel.reports == 3
    finally:
        kernel.shutdown()


def test_first_report_of_a_warm_kernel_imports_nothing_heavy(demo):
    """The warm-up preloads the heavy modules a report imports: the first report of a kernel
    imports none of scipy (its graph routines took 0.2 s) nor pyarrow's pandas layer, nor the
    widgets that DuckDB imports when a kernel opens its first connection (a campaign's kernel
    opens the connection it keeps while it warms up)."""
    from workspace_lib.render.job import kernel_preload

    synthese = ROOT / "notebooks" / "synthese_employeur.ipynb"
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys\nprint(sorted(sys.modules))")])
    kernel = WarmKernel(demo.root, preload=kernel_preload(str(synthese)), duckdb_threads=1, keep_connection=True)
    try:
        def modules() -> set[str]:
            return set(ast.literal_eval(kernel.run(probe, {}).cells[-1].outputs[0]["text"]))

        before = modules()
        kernel.run(load_notebook(synthese), {"siret": _employers(demo)["grand"], "annee": YEAR, "interactif": False})
        imported = modules() - before
    finally:
        kernel.shutdown()
    assert not [m for m in imported if m.startswith(("scipy.", "ipywidgets")) or m == "pyarrow.pandas_compat"], imported


def test_a_worker_warms_its_exporters_without_the_data_libraries(tmp_path):
    """A worker process only exports: its warm-up (and so every campaign's start and every report
    asked for from a dashboard) does not pay for importing pandas (0.2 s of CPU), which the
    headers of the tables once pulled in through the indicators' package."""
    code = textwrap.dedent(f"""
        import sys, tempfile
        from pathlib import Path
        import workspace_lib.render.job, workspace_lib.render.kernel  # what a worker imports
        from workspace_lib.exporters import export
        from workspace_lib.exporters.exemple import rapport
        blocks, meta = rapport(n_tableaux=2, n_graphiques=2)
        for fmt in ('pdf', 'docx', 'xlsx', 'html'):
            export(blocks, meta, fmt, Path({str(tmp_path)!r}) / f'rapport.{{fmt}}')
        print(sorted(m for m in ('pandas', 'workspace_lib.indicators') if m in sys.modules))
        """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
    assert len(list(tmp_path.glob("rapport.*"))) == 4


def test_report_kernels_use_their_share_of_the_cores_in_duckdb(demo):
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from workspace_lib.config import Workspace\nfrom workspace_lib.warehouse import connection\n"
        "with connection(Workspace.locate(), read_only=True) as con:\n"
        "    print('threads', con.execute(\"SELECT current_setting('threads')\").fetchone()[0])")])
    for threads, expected in ((1, "threads 1"), (None, f"threads {default_workers()}")):
        kernel = WarmKernel(demo.root, duckdb_threads=threads)
        try:
            assert expected in kernel.run(probe, {}).cells[-1].outputs[0]["text"]
        finally:
            kernel.shutdown()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or not 2 <= default_workers() <= 8,
                    reason="needs Linux and 2 to 8 cores (a kernel per core)")
def test_local_workers_and_their_kernels_each_keep_to_a_core_of_their_own(demo):
    """One local worker, one core: in a pool of no more workers than cores, each worker process is
    kept on a core of its own, and so is the kernel it starts; pools started one after the other
    (say reports asked for from dashboards) take the cores in turn; bigger pools are not pinned."""
    import psutil

    from workspace_lib.render.executors import LocalExecutor, WarmUp

    n = default_workers()
    before = {p.pid for p in psutil.Process().children()}
    executor = LocalExecutor(n, WarmUp(str(demo.root), str(MINIMAL), ["html"], reports=2 * n))
    try:
        pids = {future.result(timeout=120) for future in [executor.pool.submit(os.getpid) for _ in range(2 * n)]}
        workers = [p for p in psutil.Process().children() if p.pid not in before and "spawn_main" in " ".join(p.cmdline())]
        assert len(workers) == n and pids <= {w.pid for w in workers}
        cores = [w.cpu_affinity() for w in workers]
        assert all(len(c) == 1 for c in cores) and len({c[0] for c in cores}) == n
        for worker, core in zip(workers, cores):
            kernels = [k for k in worker.children() if "ipykernel" in " ".join(k.cmdline())]
            assert len(kernels) == 1 and kernels[0].cpu_affinity() == core
    finally:
        executor.close()
    singles = []
    for _ in range(2):
        single = LocalExecutor(1, WarmUp(str(demo.root), str(MINIMAL), ["html"]))
        try:
            singles.append(single.pool.submit(os.sched_getaffinity, 0).result(timeout=120))
        finally:
            single.close()
    assert all(len(c) == 1 for c in singles) and singles[0] != singles[1]
    crowded = LocalExecutor(n + 1)
    try:
        assert not crowded.pinned
    finally:
        crowded.close()


def test_kernels_compute_by_lots_only_when_each_makes_several_reports(tmp_path, monkeypatch):
    from workspace_lib.render.executors import by_lots
    from workspace_lib.render.kernel import kernel_environment
    from workspace_lib.warehouse import LOTS_VARIABLE

    assert by_lots(151, 2) and by_lots(4, 2)
    assert not by_lots(1, 1) and not by_lots(3, 2)  # a report on demand: its employer's queries only
    monkeypatch.setenv(LOTS_VARIABLE, "1")  # not inherited from the process that starts the kernel
    assert LOTS_VARIABLE not in kernel_environment(tmp_path)
    assert kernel_environment(tmp_path, lots=True)[LOTS_VARIABLE] == "1"


def test_kernel_started_without_lots_is_restarted_with_them_when_a_campaign_asks(tmp_path):
    """A Dask worker's kernel outlives its campaigns: started for a single report, it computes by
    lots for the next campaign of many reports."""
    from workspace_lib.render import job as render_job_module
    from workspace_lib.warehouse import LOTS_VARIABLE

    root = str(Workspace.locate(tmp_path).ensure().root)
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import os\nprint(os.environ.get('{LOTS_VARIABLE}'))")])
    kernel = render_job_module._kernel(root, 60)
    try:
        assert kernel.run(probe, {}).cells[-1].outputs[0]["text"] == "None\n"
        assert render_job_module._kernel(root, 60, lots=True) is kernel
        assert kernel.run(probe, {}).cells[-1].outputs[0]["text"] == "1\n"
        assert render_job_module._kernel(root, 60) is kernel and kernel.lots  # kept afterwards
    finally:
        render_job_module._KERNELS.pop(root).shutdown()


def test_campaign_kernel_keeps_one_warehouse_state_for_the_campaign(demo, tmp_path):
    ws = Workspace.locate(tmp_path / "espace").ensure()
    shutil.copy2(demo.warehouse_path, ws.warehouse_path)
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from workspace_lib import warehouse\nfrom workspace_lib.config import Workspace\n"
        "with warehouse.connection(Workspace.locate(), read_only=True) as con:\n"
        "    n = con.execute('SELECT count(*) FROM agent').fetchone()[0]\n"
        "print('kept', [id(c) for c in warehouse._KEPT.values()], n)")])
    kernel = WarmKernel(ws.root, keep_connection=True)
    try:
        first = kernel.run(probe, {}).cells[-1].outputs[0]["text"]
        assert kernel.run(probe, {}).cells[-1].outputs[0]["text"] == first  # the same connection
        # While the campaign's kernel reads it, an import is refused (nothing changed), then goes through.
        with pytest.raises(RuntimeError, match="campagne de rapports en cours"):
            import_sources(ws, [str(Path(__file__).parent / "data" / "valid")], show_progress=False)
    finally:
        kernel.shutdown()
    report = import_sources(ws, [str(Path(__file__).parent / "data" / "valid")], show_progress=False)
    assert {o.result for o in report.outcomes} == {"importe"}


def test_cells_run_in_one_request_keep_their_own_outputs_and_errors(tmp_path):
    """The cells of a report run from one request to the kernel, each as Jupyter would run it."""
    from workspace_lib.render.kernel import NotebookFailed

    def notebook(*sources: str, tags: dict[int, list[str]] | None = None) -> dict:
        cells = [nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]})]
        cells += [nbformat.v4.new_code_cell(src, metadata={"tags": (tags or {}).get(i, [])})
                  for i, src in enumerate(sources)]
        return nbformat.v4.new_notebook(cells=cells)

    kernel = WarmKernel(tmp_path)
    try:
        out = kernel.run(notebook(
            "print('un', n)",
            "from IPython.display import display, clear_output\ndisplay('effacé')\nclear_output()\ndisplay('gardé')",
            "h = display('avant', display_id=True)",
            "h.update('après')\nn * 21",
            "import asyncio\nawait asyncio.sleep(0)\nprint('attendu')",
            "raise KeyError('admise')",
            "print('fin')",
            # report blocks (stored without nbclient's schema check) after a clear_output(wait=True)
            "from IPython.display import display, clear_output\nB = 'application/vnd.rsu.block+json'\n"
            "display({B: {'type': 'texte', 'texte': 'effacé'}, 'text/plain': '-'}, raw=True)\n"
            "clear_output(wait=True)\n"
            "display({B: {'type': 'texte', 'texte': 'gardé'}, 'text/plain': '-'}, raw=True)\n"
            "display({B: {'type': 'texte', 'texte': 'aussi'}, 'text/plain': '-'}, raw=True)",
            tags={5: ["raises-exception"]}), {"n": 2})
        outputs = [c.outputs for c in out.cells[2:]]
        assert out.cells[1].metadata["tags"] == ["injected-parameters"]
        assert [o.get("text") for o in outputs[0]] == ["un 2\n"]
        assert [o["data"]["text/plain"] for o in outputs[1]] == ["'gardé'"]
        assert outputs[2][0]["data"]["text/plain"] == "'après'"
        assert outputs[3][0]["output_type"] == "execute_result" and outputs[3][0]["data"]["text/plain"] == "42"
        assert outputs[4][0]["text"] == "attendu\n"
        assert outputs[5][0]["ename"] == "KeyError" and outputs[6][0]["text"] == "fin\n"
        assert not any("rendu-cellule" in json.dumps(o) for o in outputs)
        assert [(b.type, b.texte) for b in report_model.blocks_from_notebook(out)] == [
            ("texte", "gardé"), ("texte", "aussi")]
        nbformat.validate(out)  # the executed notebook is still a valid notebook
        assert len(outputs[7]) == 2  # nothing of the code that ran the cells

        with pytest.raises(NotebookFailed) as failed:
            kernel.run(notebook("print('avant')", "1 / 0", "print('jamais')"), {})
        assert failed.value.message == "erreur dans le notebook : ZeroDivisionError: division by zero"
        assert "1 / 0" in failed.value.detail
        with pytest.raises(NotebookFailed, match="SyntaxError"):
            kernel.run(notebook("print('ok')", "def ("), {})
        names = kernel.run(notebook("print(sorted(globals()))"), {}).cells[-1].outputs[0]["text"]
        assert "'n'" in names and "'h'" not in names and "'asyncio'" not in names  # reset between reports
    finally:
        kernel.shutdown()


def test_reports_of_a_big_a_tiny_and_an_empty_employer(demo, tmp_path):
    employers = _employers(demo)
    camp = load(_campaign(tmp_path), root=ROOT)
    only_big = run_campaign(demo, camp, workers=1, only={"siret": employers["grand"]}, show_progress=False)
    only_small = run_campaign(demo, camp, workers=1, only={"siret": employers["petit"]}, show_progress=False)
    only_empty = run_campaign(demo, camp, workers=1, only={"siret": employers["vide"]}, show_progress=False)
    assert (only_big.done, only_big.failed) == (1, 0)
    assert (only_small.done, only_small.failed) == (1, 0)
    assert (only_empty.done, only_empty.skipped_condition) == (0, 1)

    out = demo.rendered_dir / "synthese-test" / str(YEAR)
    pdf = next(out.glob(f"{employers['grand']}-*.pdf"))
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    with duckdb.connect(str(demo.warehouse_path), read_only=True) as con:
        nom, = con.execute("SELECT nom FROM employeur WHERE siret = ? AND annee = ?",
                           [employers["grand"], YEAR]).fetchone()
        effectif, = con.execute(
            "SELECT count(*) FROM agent WHERE siret = ? AND annee = ? AND present_31_12 AND position IN "
            "('ACTIVITE', 'MAD') AND statut IN ('TITULAIRE', 'STAGIAIRE', 'CONTRACTUEL_PERMANENT')",
            [employers["grand"], YEAR]).fetchone()
    assert nom in text and "Chiffres clés" in text and "page 2 /" in text
    # French format: narrow no-break space for thousands, no-break space before the unit.
    assert f"{effectif:,}".replace(",", "\u202f") + "\xa0agents" in text

    doc = Document(next(out.glob(f"{employers['grand']}-*.docx")))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading") or p.style.name.startswith("Titre")]
    assert "Effectifs" in headings and len(doc.tables) >= 3
    wb = load_workbook(next(out.glob(f"{employers['grand']}-*.xlsx")))
    assert len(wb.sheetnames) >= 4
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)

    # The tiny employer: almost everything is secret, nothing below the threshold is published.
    for tables_json in out.glob("*.tables.json"):
        data = json.loads(tables_json.read_text(encoding="utf-8"))
        for table in data["tables"]:
            for cell in table["cellules"]:
                assert set(cell) == {*table["dimensions"], "valeur", "statut"}
                if table["mesure"] == "effectif" and cell["statut"] == "publie":
                    assert cell["valeur"] == 0 or cell["valeur"] >= 5, (tables_json.name, table["id"], cell)
        assert audit_tables(read_tables_json(tables_json)).ok

    index = (demo.rendered_dir / "synthese-test" / "index.html").read_text(encoding="utf-8")
    assert nom in index and "http" not in index.replace("https://", "")


def test_resume_skips_done_reports_and_redoes_missing_files(demo, tmp_path):
    employers = _employers(demo)
    camp = load(_campaign(tmp_path, nom="reprise"), root=ROOT)
    only = {"siret": employers["petit"]}
    first = run_campaign(demo, camp, workers=1, only=only, show_progress=False)
    again = run_campaign(demo, camp, workers=1, only=only, show_progress=False)
    assert (first.done, again.done, again.skipped_done) == (1, 0, 1)
    pdf = next((demo.rendered_dir / "reprise").rglob("*.pdf"))
    pdf.unlink()
    third = run_campaign(demo, camp, workers=1, only=only, show_progress=False)
    assert third.done == 1 and pdf.exists()
    manifests = sorted((demo.rendered_dir / "reprise" / "_campagnes" / "executions").glob("*.json"))
    assert len(manifests) == 2  # conservation: 2
    manifest = json.loads(manifests[-1].read_text(encoding="utf-8"))
    assert manifest["imports"] and manifest["notebook_sha256"]
    assert 0 < manifest["demarrage_s"] < manifest["duree_s"]  # workers warmed up before their report
    assert {f["format"] for f in manifest["rapports"][0]["files"]} == {"pdf", "docx", "xlsx"}


def test_killed_campaign_resumes_where_it_stopped(demo, tmp_path):
    camp_path = _campaign(tmp_path, nom="interrompue", formats=["xlsx"])
    state = demo.rendered_dir / "interrompue" / "_campagnes" / "etat.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "workspace_lib.cli", "--workspace", str(demo.root),
                             "render", str(camp_path), "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None and not (
            state.exists() and state.read_text().count("\n") >= 3):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = state.read_text().count("\n")
    assert done_before >= 3
    # No half-written report under a final name.
    for f in (demo.rendered_dir / "interrompue").rglob("*.xlsx"):
        load_workbook(f)
    report = run_campaign(demo, load(camp_path, root=ROOT), workers=2, show_progress=False)
    assert report.skipped_done >= done_before and report.failed == 0
    assert report.done + report.skipped_done == len({json.loads(line)["key"] for line in state.read_text().splitlines()})


def test_failing_report_is_retried_then_recorded_and_others_complete(demo, tmp_path):
    notebook = tmp_path / "notebooks" / "fragile.ipynb"
    notebook.parent.mkdir()
    shutil.copy(MINIMAL, notebook)
    camp_path = _campaign(tmp_path, nom="fragile", notebook="notebooks/fragile.ipynb", formats=["html"],
                          parametres={"siret": ["A", "B", "C"], "fail": False}, condition=None,
                          chemin="{siret}-{slug}")
    camp = load(camp_path, root=tmp_path)
    camp.parametres["fail"] = [False]
    ok = run_campaign(demo, camp, workers=2, show_progress=False)
    assert (ok.done, ok.failed) == (3, 0)
    camp.parametres["siret"] = ["D"]
    camp.parametres["fail"] = [True]
    bad = run_campaign(demo, camp, workers=1, show_progress=False)
    assert bad.failed == 1 and "échec demandé" in bad.failures[0].error
    result = CliRunner().invoke(cli, ["--workspace", str(demo.root), "render", str(camp_path), "--only", "siret=A"])
    assert result.exit_code == 0, result.output


def test_publication_to_another_folder(demo, tmp_path):
    employers = _employers(demo)
    target = tmp_path / "site-web"
    camp = load(_campaign(tmp_path, nom="publiee", formats=["html"],
                          publication={"cible": target.as_uri()}), root=ROOT)
    run_campaign(demo, camp, workers=1, only={"siret": employers["petit"]}, show_progress=False)
    copied = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert "index.html" in copied and any(p.endswith(".html") and p != "index.html" for p in copied)
    assert not any("_campagnes" in p or p.endswith(".partiel") for p in copied)


def test_failed_publication_is_reported_and_local_reports_stay(demo, tmp_path):
    employers = _employers(demo)
    blocker = tmp_path / "pas-un-dossier"
    blocker.write_text("un fichier, pas un dossier")
    camp_path = _campaign(tmp_path, nom="non-publiee", formats=["html"],
                          publication={"cible": (blocker / "site").as_uri()})
    result = CliRunner().invoke(cli, ["--workspace", str(demo.root), "render", str(camp_path),
                                      "--only", f"siret={employers['petit']}"])
    assert result.exit_code == 1, result.output
    assert "1 rapport produit" in result.output and "Publication en échec" in result.output
    out_root = demo.rendered_dir / "non-publiee"
    assert (out_root / "index.html").exists() and list(out_root.rglob("*.html"))[1:]
    manifest = json.loads(sorted((out_root / "_campagnes" / "executions").glob("*.json"))[-1].read_text())
    assert manifest["publication"]["statut"] == "echec"


def test_dask_executor_with_two_worker_processes(demo, tmp_path):
    from distributed import LocalCluster

    employers = _employers(demo)
    camp = load(_campaign(tmp_path, nom="dask", formats=["xlsx"]), root=ROOT)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        report = run_campaign(demo, camp, executor="dask", scheduler_address=cluster.scheduler_address,
                              only={"siret": employers["petit"]}, show_progress=False)
    assert (report.done, report.failed) == (1, 0)
    assert next((demo.rendered_dir / "dask").rglob("*.xlsx")).stat().st_size > 0


def test_every_dashboard_notebook_runs_as_a_report(demo, tmp_path):
    """Each notebook of notebooks/ runs under Papermill-style injection and yields blocks."""
    from workspace_lib import report_model as rm

    employers = _employers(demo)
    kernel = WarmKernel(demo.root)
    try:
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            nb = load_notebook(path)
            params = {"annee": YEAR, "interactif": False}
            if "siret = " in "".join(c["source"] for c in nb["cells"]):
                blocks = rm.blocks_from_notebook(kernel.run(nb, {**params, "siret": employers["grand"]}))
                assert any(isinstance(b, (rm.Tableau, rm.Graphique)) for b in blocks), path.name
                # A commune of 2 agents: key figures (mostly « s »), and no error.
                blocks = rm.blocks_from_notebook(kernel.run(nb, {**params, "siret": employers["petit"]}))
                assert any(isinstance(b, rm.ChiffresCles) for b in blocks), path.name
                # An employer without any agent that year: a report that says so, no error.
                empty = rm.blocks_from_notebook(kernel.run(nb, {**params, "siret": employers["vide"]}))
                assert isinstance(empty[0], rm.Entete) and len(empty) > 1, path.name
            else:
                blocks = rm.blocks_from_notebook(kernel.run(nb, params))
                assert any(isinstance(b, rm.Graphique) for b in blocks), path.name
            assert isinstance(blocks[0], rm.Entete)
    finally:
        kernel.shutdown()


def test_notebooks_are_committed_without_outputs():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and cell.get("execution_count") is None, path.name
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb["cells"]), path.name


@pytest.mark.parametrize("code", [textwrap.dedent("""
    from workspace_lib.dashboard import TableauDeBord, ParametreInvalide
    import pytest
    with pytest.raises(ParametreInvalide):
        TableauDeBord("synthese", siret="x' OR '1'='1", annee=2025)
    with pytest.raises(ParametreInvalide):
        TableauDeBord("synthese", annee="2025; DROP TABLE agent")
""")])
def test_dashboard_parameters_are_checked(demo, monkeypatch, code):
    monkeypatch.setenv("WORKSPACE_DIR", str(demo.root))
    exec(compile(code, "<parametres>", "exec"), {})


def test_report_on_demand_from_a_dashboard(demo, monkeypatch):
    monkeypatch.setenv("WORKSPACE_DIR", str(demo.root))
    from workspace_lib.dashboard import TableauDeBord

    employers = _employers(demo)
    tdb = TableauDeBord("synthese", siret=employers["grand"], annee=YEAR, interactif=False)
    relative = tdb.produire_rapport("pdf")
    pdf = demo.rendered_dir / relative
    assert pdf.exists() and relative.startswith("a-la-demande/synthese/")
    assert "Chiffres clés" in "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert pdf.with_name(pdf.name.replace(".pdf", ".tables.json")).exists()


def test_report_kernels_listen_on_private_local_sockets(tmp_path):
    """A report kernel's channels are local sockets, not TCP ports, in a folder only its user can
    enter, removed when the kernel stops."""
    import stat

    import psutil

    from workspace_lib.render.kernel import WarmKernel

    kernel = WarmKernel(Workspace.locate(tmp_path).ensure().root)
    try:
        folder = Path(kernel._sockets)
        assert kernel.km.transport == "ipc" and str(kernel.km.ip).startswith(str(folder))
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        info = json.loads(Path(kernel.km.connection_file).read_text(encoding="utf-8"))
        assert info["transport"] == "ipc"
        pid = kernel.km.provisioner.process.pid
        local = {c.laddr for c in psutil.Process(pid).net_connections(kind="unix")}
        channels = [f"{kernel.km.ip}-{info[name]}" for name in
                    ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
        assert set(channels) <= local
    finally:
        kernel.shutdown()
    assert not folder.exists()
    assert os.environ.get("WORKSPACE_DIR") != str(tmp_path)  # the test left the environment alone
