"""A run killed with SIGKILL at any moment leaves the previous output whole (or the new one),
and the next run removes what the killed one left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

DEKNING = [sys.executable, "-c", "from dekning.cli import main; main()"]


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _start(out: Path, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.Popen(
        [*DEKNING, "run", "--out", str(out)],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _kill_while_writing(out: Path, cwd: Path, delay_s: float) -> None:
    """Start a run, wait until it starts writing, then SIGKILL it after ``delay_s``."""
    proc = _start(out, cwd)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "Lager kart" in line:
            break
    time.sleep(delay_s)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


@pytest.mark.slow
def test_killed_runs_never_leave_a_broken_output(tmp_path):
    out = tmp_path / "ut"
    first = subprocess.run(
        [*DEKNING, "run", "--out", str(out)], cwd=tmp_path, capture_output=True, check=False
    )
    assert first.returncode == 0, first.stderr
    complete = _files(out)
    assert "rapport.json" in complete and len(complete) > 40
    interrupted = 0
    for delay in (0.0, 0.3, 0.7, 1.2):
        _kill_while_writing(out, tmp_path, delay)
        interrupted += any(p.name.startswith(".ut.") for p in tmp_path.iterdir())
        # the previous output (or the new one, if the swap was done) is there, whole
        assert _files(out) == complete, f"killed after {delay} s"
        assert "dekning_versjon" in json.loads((out / "rapport.json").read_text("utf-8"))
    assert interrupted >= 2  # the kills did hit runs in the middle of writing
    last = subprocess.run(
        [*DEKNING, "run", "--out", str(out)], cwd=tmp_path, capture_output=True, check=False
    )
    assert last.returncode == 0, last.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ut"]  # no hidden leftovers
    assert _files(out) == complete
