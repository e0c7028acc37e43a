"""Gate on copied logic in the package, using the workplace's `duplicates` tool.

    python .ci/check_duplicates.py

Lists every pair `duplicates` finds. Fails (exit 1) when two places in the package's own code
(dekning/, coverage/, surveys/, maps/, api/) share a run of identical lines: one piece of code
must serve where the logic is the same. Pairs alike only in shape (same structure, other names
and values, e.g. two rows of a table) and pairs involving tests, benchmarks or the data
generator are shown but do not fail the gate.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PACKAGE = ("dekning/", "coverage/", "surveys/", "maps/", "api/")
ROW = re.compile(r"^D\d+ (?P<a>\S+):\d+-\d+ ~ (?P<b>\S+):\d+-\d+(?P<rest>.*)$")


def copied_pairs(output: str) -> list[str]:
    """Rows of ``duplicates`` output that are identical runs inside the package's code."""
    bad = []
    for line in output.splitlines():
        m = ROW.match(line.strip())
        if not m or " shape" in m.group("rest"):
            continue
        if m.group("a").startswith(PACKAGE) and m.group("b").startswith(PACKAGE):
            bad.append(line.strip())
    return bad


def main() -> int:
    repo = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        ["duplicates", "--repo", str(repo), "--most", "200", "--seconds", "120"],
        capture_output=True,
        text=True,
        check=False,
    )
    print(done.stdout, end="")
    if "incomplete:" in done.stdout:
        print("duplicates did not read the whole tree", file=sys.stderr)
        return 1
    bad = copied_pairs(done.stdout)
    for line in bad:
        print(f"copied logic in the package: {line}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
