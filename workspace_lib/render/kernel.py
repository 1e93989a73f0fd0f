"""A warm Jupyter kernel that runs one parameterised notebook after another.

Starting a kernel and importing pandas, DuckDB and Altair costs seconds; running a report in a
kernel that is already warm costs a fraction of a second. Between two reports the user
namespace is reset (``%reset -f``), so one report never sees another's variables; modules stay
imported, which is what keeps the kernel warm.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from papermill.parameterize import parameterize_notebook

# Cleans the namespace between two reports. `%reset -f` empties the user namespace and the
# output history; the second line drops names IPython re-adds.
_RESET_CODE = "get_ipython().run_line_magic('reset', '-f')\n"


class NotebookFailed(Exception):
    """A notebook raised an error; ``message`` is a French summary without the traceback."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail


def kernel_environment(workspace_root: Path) -> dict[str, str]:
    """The environment of report kernels: the workspace, and Jupyter/IPython state kept in it."""
    env = dict(os.environ)
    state = workspace_root / ".jupyter-etat"
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
    """One kernel kept running; :meth:`run` executes a notebook in it with parameters."""

    def __init__(self, workspace_root: Path, timeout: int = 300):
        self.workspace_root = workspace_root
        self.timeout = timeout
        self.reports = 0
        self.km: KernelManager | None = None
        self.kc = None
        self._start()

    def _start(self) -> None:
        env = kernel_environment(self.workspace_root)
        Path(env["JUPYTER_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True)
        self.km = KernelManager(kernel_name="python3", connection_file=str(
            Path(env["JUPYTER_RUNTIME_DIR"]) / f"kernel-rendu-{os.getpid()}-{id(self)}.json"))
        self.km.start_kernel(env=env, cwd=str(self.workspace_root))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def shutdown(self) -> None:
        """Stop the kernel (and remove its connection file)."""
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        self.km = self.kc = None

    def restart(self) -> None:
        self.shutdown()
        self._start()

    def run(self, notebook: dict[str, Any], parameters: dict[str, Any]) -> nbformat.NotebookNode:
        """Execute a copy of ``notebook`` with ``parameters`` injected; return the executed notebook."""
        if self.km is None or not self.km.is_alive():
            self.restart()
        nb = nbformat.from_dict(copy.deepcopy(notebook))
        nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
        for cell in nb.cells:
            cell.metadata.setdefault("tags", [])  # papermill looks for the "parameters" tag
        nb.metadata.setdefault("papermill", {})
        nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
        reset = nbformat.v4.new_code_cell(_RESET_CODE)
        nb.cells.insert(0, reset)
        client = NotebookClient(nb, km=self.km, timeout=self.timeout, kernel_name="python3",
                                allow_errors=False, record_timing=False)
        client.kc = self.kc
        try:
            client.execute()
        except CellExecutionError as exc:
            raise NotebookFailed(_summary(exc), str(exc)) from None
        except DeadKernelError:
            self.restart()
            raise NotebookFailed("le noyau Python s'est arrêté pendant l'exécution (mémoire ?)") from None
        except TimeoutError:
            self.km.interrupt_kernel()
            raise NotebookFailed(f"exécution trop longue (plus de {self.timeout} s)") from None
        self.reports += 1
        nb.cells.pop(0)
        return nb


def _summary(exc: CellExecutionError) -> str:
    """``ename: evalue`` of a failed cell, in one line."""
    ename = getattr(exc, "ename", "") or "Erreur"
    evalue = (getattr(exc, "evalue", "") or "").splitlines()[0] if getattr(exc, "evalue", "") else ""
    return f"erreur dans le notebook : {ename}: {evalue}"[:500]


def load_notebook(path: Path) -> dict[str, Any]:
    """Read a notebook file as a plain dict (validated by nbformat)."""
    return nbformat.read(path, as_version=4)
