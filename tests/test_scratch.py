"""Scratch folders of killed processes (imports, report kernels) are removed by the next one."""

from __future__ import annotations

import os
import subprocess
import sys

from workspace_lib import scratch


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_folders_of_dead_processes_are_removed_the_others_kept(tmp_path):
    mine = scratch.make(tmp_path, "rsu-noyau")
    assert mine.name.startswith(f"rsu-noyau-{os.getpid()}-") and oct(mine.stat().st_mode & 0o777) == "0o700"
    orphan = tmp_path / f"rsu-noyau-{_dead_pid()}-abc"
    (orphan / "k-1").mkdir(parents=True)
    other_kind = tmp_path / f"import-{_dead_pid()}-abc"
    other_kind.mkdir()
    not_a_pid = tmp_path / "rsu-noyau-x-abc"
    not_a_pid.mkdir()
    scratch.remove_orphans(tmp_path, "rsu-noyau")
    assert not orphan.exists()
    assert mine.exists() and other_kind.exists() and not_a_pid.exists()
