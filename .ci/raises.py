"""Which deliberate ``raise`` statements of the package no test reaches.

    python -m coverage run --source=dekning,coverage,surveys,maps,api -m pytest
    python -m coverage json -o cov.json
    python .ci/raises.py cov.json

A deliberate raise is a ``raise SomeError(...)`` in the package's code (a bare re-raise is
not). Prints each one no test executed, and the count of those exercised. Exits 1 when any is
left. A measurement for reviews (running the suite under coverage takes about twice as long), not
a CI gate.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("dekning", "coverage", "surveys", "maps", "api")


def deliberate_raises(path: Path) -> list[int]:
    """Line numbers of ``raise X(...)`` / ``raise X`` statements (not bare re-raises)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(n.lineno for n in ast.walk(tree) if isinstance(n, ast.Raise) and n.exc)


def package_files() -> list[Path]:
    core = [*(REPO / "dekning").glob("*.py"), *(REPO / "dekning" / "rules").glob("*.py")]
    stages = [p for s in SOURCES[1:] for p in (REPO / s).rglob("*.py")]
    return sorted(p for p in (*core, *stages) if "generator" not in p.parts)


def main(report: str) -> int:
    data = json.loads(Path(report).read_text(encoding="utf-8"))
    executed = {
        os.path.realpath(name): set(f["executed_lines"]) for name, f in data["files"].items()
    }
    total, missed = 0, []
    for path in package_files():
        lines = deliberate_raises(path)
        total += len(lines)
        ran = executed.get(os.path.realpath(path), set())
        missed += [f"{path.relative_to(REPO)}:{n}" for n in lines if n not in ran]
    for line in missed:
        print(f"not exercised: {line}")
    print(f"{total - len(missed)} of {total} deliberate raises exercised by the tests")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "cov.json"))
