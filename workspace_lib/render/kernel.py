"""A warm Jupyter kernel that runs one parameterised notebook after another.

Starting a kernel and importing pandas, DuckDB and Altair costs seconds; running a report in a
kernel that is already warm costs a fraction of a second. Between two reports the user
namespace is reset (``%reset -f``), so one report never sees another's variables; modules stay
imported, which is what keeps the kernel warm.

Four things keep a warm kernel cheap:

- ``%reset -f`` runs two full garbage collections, which scan every object of the imported
  libraries (pandas, DuckDB, Altair: about 0.15 s each). After each reset the surviving objects
  (modules, caches) are frozen (``gc.freeze()``), so the next collections only scan what the
  report itself created; every :data:`FULL_GC_EVERY` reports they are unfrozen once, so that
  cyclic garbage among them is collected too.
- The notebook's top-level imports can be run when the kernel starts (``preload``, see
  :func:`notebook_imports`), while the worker process warms its exporters.
- No command history (:data:`KERNEL_ARGUMENTS`).
- One request per report: the reset and every cell are run by one piece of code sent to the
  kernel (:func:`_driver`), each cell as the kernel runs a cell of its own; the outputs are
  given back to the cells they come from.
"""

from __future__ import annotations

import ast
import copy
import os
import shutil
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from papermill.parameterize import parameterize_notebook

from .. import scratch
from ..config import Workspace
from ..report_model import MIMETYPE as BLOCK_MIMETYPE
from ..warehouse import KEEP_VARIABLE, LOTS_VARIABLE, THREADS_VARIABLE

# Cleans the namespace between two reports: `%reset -f` empties the user namespace and the
# output history (and collects garbage); then what survives is frozen (see the module docstring).
_RESET_CODE = "get_ipython().run_line_magic('reset', '-f')\n__import__('gc').freeze()\n"
_UNFREEZE_CODE = "__import__('gc').unfreeze()\n"
FULL_GC_EVERY = 50
# No command history: it is written to SQLite (with a commit) after every cell, and the kernels
# of a campaign's workers would contend for the same file.
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]


class NotebookFailed(Exception):
    """A notebook raised an error; ``message`` is a French summary without the traceback."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail


def kernel_environment(workspace_root: Path, duckdb_threads: int | None = None,
                       keep_connection: bool = False, lots: bool = False) -> dict[str, str]:
    """The environment of report kernels: the workspace, Jupyter/IPython state kept in it, and
    if asked, their warehouse connection kept from one report to the next and its threads, and
    indicators computed for every employer of the département at once (``lots``: a kernel that
    will make several reports of the same département)."""
    env = dict(os.environ)
    env.pop(LOTS_VARIABLE, None)
    if lots:
        env[LOTS_VARIABLE] = "1"
    if keep_connection:
        env[KEEP_VARIABLE] = "1"  # one warehouse state for the whole campaign, opened once
    if duckdb_threads:
        env[THREADS_VARIABLE] = str(int(duckdb_threads))
    state = Workspace(workspace_root).kernels_state_dir
    env.update({
        "WORKSPACE_DIR": str(workspace_root),
        "IPYTHONDIR": str(state / "ipython"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "MPLCONFIGDIR": str(state / "matplotlib"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    return env


class WarmKernel:
    """One kernel kept running; :meth:`run` executes a notebook in it with parameters.

    ``preload``: code run once when the kernel starts (say :func:`notebook_imports`), its errors
    ignored. ``duckdb_threads``: threads of the kernel's DuckDB connections (default: DuckDB's).
    ``keep_connection``: the kernel keeps its read-only warehouse connection from one report to
    the next (a local campaign's kernels, which end with it: meanwhile imports wait).
    ``lots``: its dashboards compute each indicator for every employer of the département at
    once (see :mod:`workspace_lib.indicators.lots`).
    """

    def __init__(self, workspace_root: Path, timeout: int = 300, preload: str = "",
                 duckdb_threads: int | None = None, keep_connection: bool = False, lots: bool = False):
        self.workspace_root = workspace_root
        self.timeout = timeout
        self.preload = preload
        self.duckdb_threads = duckdb_threads
        self.keep_connection = keep_connection
        self.lots = lots
        self.reports = 0
        self.km: KernelManager | None = None
        self.kc = None
        self._start()

    def _start(self) -> None:
        env = kernel_environment(self.workspace_root, self.duckdb_threads, self.keep_connection, self.lots)
        Path(env["JUPYTER_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True)
        # Local sockets in a private folder (0700), not TCP ports on 127.0.0.1 that any local
        # user may reach (and about which ipykernel warns on every start).
        scratch.remove_orphans(None, "rsu-noyau")  # left by a worker killed outright
        self._sockets = str(scratch.make(None, "rsu-noyau"))
        self.km = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(self._sockets, "k"),
                                connection_file=str(Path(env["JUPYTER_RUNTIME_DIR"])
                                                    / f"kernel-rendu-{os.getpid()}-{id(self)}.json"))
        self.km.start_kernel(env=env, cwd=str(self.workspace_root), extra_arguments=KERNEL_ARGUMENTS)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self.kc.execute_interactive(_preload_code(self.preload), silent=True, store_history=False,
                                    timeout=max(self.timeout, 120), output_hook=lambda _msg: None)

    def shutdown(self) -> None:
        """Stop the kernel (and remove its connection file)."""
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        self.km = self.kc = None
        if getattr(self, "_sockets", None):
            shutil.rmtree(self._sockets, ignore_errors=True)
            self._sockets = None

    def restart(self) -> None:
        self.shutdown()
        self._start()

    def run(self, notebook: dict[str, Any], parameters: dict[str, Any]) -> nbformat.NotebookNode:
        """Execute a copy of ``notebook`` with ``parameters`` injected; return the executed notebook.

        The cells run one after the other as in Jupyter, but from one request (see
        :func:`_driver`): a report costs one round trip to the kernel, not one per cell.
        """
        if self.km is None or not self.km.is_alive():
            self.restart()
        nb = nbformat.from_dict(copy.deepcopy(notebook))
        nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
        for cell in nb.cells:
            cell.metadata.setdefault("tags", [])  # papermill looks for the "parameters" tag
        nb.metadata.setdefault("papermill", {})
        nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
        cells = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()
                 and SKIP_TAG not in c.metadata.get("tags", [])]
        for cell in cells:
            cell.outputs, cell.execution_count = [], None
        unfreeze = bool(self.reports) and self.reports % FULL_GC_EVERY == 0
        driver = nbformat.v4.new_code_cell(_driver(cells, unfreeze))
        client = _CellsClient(nbformat.v4.new_notebook(cells=[driver, *cells], metadata=nb.metadata),
                              km=self.km, timeout=self.timeout, kernel_name="python3",
                              allow_errors=False, record_timing=False)
        client.kc = self.kc
        try:
            client.execute_cell(driver, 0)
        except CellExecutionError as exc:  # the reset itself failed
            raise NotebookFailed(_summary(exc), str(exc)) from None
        except DeadKernelError:
            self.restart()
            raise NotebookFailed("le noyau Python s'est arrêté pendant l'exécution (mémoire ?)") from None
        except TimeoutError:
            self.km.interrupt_kernel()
            raise NotebookFailed(f"exécution trop longue (plus de {self.timeout} s)") from None
        for cell in cells:
            for out in cell.outputs:
                if out.output_type == "error" and "raises-exception" not in cell.metadata.get("tags", []):
                    evalue = (out.get("evalue") or "").splitlines()
                    detail = "\n".join([cell.source, "------------------", *out.get("traceback", [])])
                    raise NotebookFailed(f"erreur dans le notebook : {out.get('ename') or 'Erreur'}: "
                                         f"{evalue[0] if evalue else ''}"[:500], detail)
        self.reports += 1
        return nb


# A display of this type, published by the driver before each cell, says which cell the
# following outputs belong to; it is never stored.
MARKER = "application/x-rendu-cellule"
SKIP_TAG = "skip-execution"  # like nbclient: a cell with this tag is not run


def _driver(cells: list[Any], unfreeze: bool) -> str:
    """The code of the one request that runs a report: the reset, then each cell as the kernel
    would run it for its own request (``run_cell``; ``run_cell_async`` and the post-execution
    events for a cell with top-level ``await``), stopping at the first error unless the cell is
    tagged ``raises-exception``."""
    sources = [c.source for c in cells]
    allowed = ["raises-exception" in c.metadata.get("tags", []) for c in cells]
    return (
        (_UNFREEZE_CODE if unfreeze else "") + _RESET_CODE
        + "async def __rendu_cellules(sources, erreurs_admises):\n"
        "    import sys\n"
        "    from IPython.display import publish_display_data\n"
        "    ip = get_ipython()\n"
        "    for i, source in enumerate(sources):\n"
        f"        publish_display_data({{{MARKER!r}: str(i)}})\n"
        "        try:\n"
        "            transformed, error = ip.transform_cell(source), None\n"
        "        except Exception:\n"
        "            transformed, error = source, sys.exc_info()\n"
        "        if ip.should_run_async(source, transformed_cell=transformed, preprocessing_exc_tuple=error):\n"
        "            result = await ip.run_cell_async(source, store_history=False, transformed_cell=transformed,\n"
        "                                             preprocessing_exc_tuple=error)\n"
        "            ip.events.trigger('post_execute')\n"
        "            ip.events.trigger('post_run_cell', result)\n"
        "        else:\n"
        "            result = ip.run_cell(source, store_history=False)\n"
        "        if not result.success and not erreurs_admises[i]:\n"
        "            break\n"
        f"await __rendu_cellules({sources!r}, {allowed!r})\n"
        "del __rendu_cellules\n"  # a statement: no value shown as the last cell's output
    )


class _CellsClient(NotebookClient):
    """Runs the driver (cell 0) and gives each output to the cell that produced it."""

    _current: int | None = None

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        content = msg.get("content") or {}
        data = content.get("data") or {}
        if msg.get("msg_type") == "display_data" and MARKER in data:
            self._current = int(data[MARKER]) + 1
            self.clear_before_next_output = False
            return None
        if self._current is not None:
            cell, cell_index = self.nb.cells[self._current], self._current
        if (msg.get("msg_type") == "display_data" and BLOCK_MIMETYPE in data and not self.clear_before_next_output
                and not (content.get("transient") or {}).get("display_id")
                and not self.output_hook_stack[msg["parent_header"].get("msg_id")]):
            # A report block, as nbclient would store it, without checking it against the
            # notebook schema (jsonschema: 8 ms a report) nor converting every nested dict.
            cell.outputs.append(nbformat.NotebookNode(output_type="display_data", data=data,
                                                      metadata=content.get("metadata") or {}))
            return None
        return super().process_message(msg, cell, cell_index)


def _preload_code(preload: str) -> str:
    """The preload, each line's errors ignored, then a collection and a freeze of what it left."""
    guarded = "".join(f"try:\n    {line}\nexcept Exception:\n    pass\n"
                      for line in preload.splitlines() if line.strip())
    return guarded + "__import__('gc').collect()\n__import__('gc').freeze()\n"


def notebook_imports(notebook: dict[str, Any]) -> str:
    """The top-level ``import`` statements of a notebook's code cells, one per line.

    Run when the kernel starts, they move the libraries' import time (seconds) out of the first
    report; a cell that does not parse is skipped (it will fail in the report itself).
    """
    lines: list[str] = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.level == 0):
                line = ast.unparse(node)
                if line not in lines:
                    lines.append(line)
    return "\n".join(lines)


def _summary(exc: CellExecutionError) -> str:
    """``ename: evalue`` of a failed cell, in one line."""
    ename = getattr(exc, "ename", "") or "Erreur"
    evalue = (getattr(exc, "evalue", "") or "").splitlines()[0] if getattr(exc, "evalue", "") else ""
    return f"erreur dans le notebook : {ename}: {evalue}"[:500]


def load_notebook(path: Path) -> dict[str, Any]:
    """Read a notebook file as a plain dict (validated by nbformat)."""
    return nbformat.read(path, as_version=4)
