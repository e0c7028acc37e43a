"""Benchmark: Lighthouse scores of the public map on a phone (issue 15: accessibility ≥ 95 and
performance ≥ 90, mobile).

Lighthouse (npm package ``lighthouse``, pinned below) is installed into ``bench/data/lighthouse/``
(ignored by git) on first use and drives Debian's Chromium (``CHROME_PATH=/usr/bin/chromium``,
``--headless=new --no-sandbox``) with its default settings: mobile form factor (Moto G Power
screen), simulated slow 4G and a 4× slower CPU. The public map of the default data is measured
twice, as a resident gets it:

- ``serve``: ``GET /kart`` from ``dekning serve`` (one uvicorn worker on loopback; gzip, the
  service's security headers);
- ``static``: ``kart_offentlig.html`` of ``dekning run`` from ``python -m http.server`` (no
  compression, no headers).

Each target is measured ``--runs`` times (default 3, fresh Chromium each time); the median of
each score and metric is reported, with the audits that keep a category below 100 (from the
median run). The machine has no internet: base-map tiles from OpenStreetMap fail to load, which
Lighthouse sees as console errors and failed requests (best practices), and which makes the
page lighter than it is with tiles. The load average (1, 5, 15 min) before and after is stored
with the figures: on a shared machine, compare runs at similar load only.

    python bench/bench_lighthouse.py [--runs 3] [--only serve|static]

Results are appended to ``bench/results/bench_lighthouse.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "data" / "lighthouse"
LIGHTHOUSE_VERSION = "12.8.2"
LIGHTHOUSE = NODE_DIR / "node_modules" / ".bin" / "lighthouse"
CHROME = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "fcp_ms": "first-contentful-paint",
    "lcp_ms": "largest-contentful-paint",
    "tbt_ms": "total-blocking-time",
    "cls": "cumulative-layout-shift",
    "speed_index_ms": "speed-index",
    "tti_ms": "interactive",
}
"""Key metrics (name in the results → Lighthouse audit id)."""
TARGETS = {"accessibility": 95, "performance": 90}
"""Issue 15's targets (scores 0–100)."""
BIN = Path(sys.executable).parent


def install_lighthouse() -> None:
    """``lighthouse`` into :data:`NODE_DIR` with npm, unless it is there."""
    if LIGHTHOUSE.exists():
        return
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(NODE_DIR),
            f"lighthouse@{LIGHTHOUSE_VERSION}",
        ],
        check=True,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, seconds: float = 120) -> None:
    """Until ``url`` answers 200 (or raise after ``seconds``)."""
    end = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > end:
            raise TimeoutError(url)
        time.sleep(0.3)


@contextmanager
def _process(args: list[str], url: str, cwd: Path | None = None) -> Iterator[None]:
    """A server started with ``args``, ready when ``url`` answers; stopped afterwards."""
    proc = subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ
    )
    try:
        _wait(url)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def lighthouse(url: str, report: Path) -> dict[str, Any]:
    """One Lighthouse run (mobile defaults) of ``url``; its JSON report (also kept at
    ``report``)."""
    env = {**os.environ, "CHROME_PATH": CHROME}
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        check=True,
        env=env,
    )
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result


def summary(lhr: dict[str, Any]) -> dict[str, Any]:
    """Scores (0–100), key metrics and the audits that cost points, of one report."""
    scores = {c: round(lhr["categories"][c]["score"] * 100) for c in CATEGORIES}
    audits = lhr["audits"]
    metrics = {
        name: round(audits[aid]["numericValue"], 3 if name == "cls" else 0)
        for name, aid in METRICS.items()
    }
    failing: dict[str, list[str]] = {}
    for c in CATEGORIES:
        for ref in lhr["categories"][c]["auditRefs"]:
            a = audits[ref["id"]]
            if ref["weight"] > 0 and a["score"] is not None and a["score"] < 1:
                failing.setdefault(c, []).append(f"{ref['id']} ({a['score']:.2f})")
    return {"scores": scores, "metrics": metrics, "failing": failing}


def measure(name: str, url: str, runs: int, keep: Path) -> dict[str, Any]:
    """``runs`` Lighthouse runs of ``url``: medians of scores and metrics, the failing audits of
    the run with the median performance score."""
    each = [summary(lighthouse(url, keep / f"{name}_{i}.json")) for i in range(runs)]
    scores = {c: statistics.median(s["scores"][c] for s in each) for c in CATEGORIES}
    metrics = {m: statistics.median(s["metrics"][m] for s in each) for m in METRICS}
    by_perf = sorted(each, key=lambda s: s["scores"]["performance"])
    return {
        "url": url,
        "runs": runs,
        "scores_median": scores,
        "scores_each": [s["scores"] for s in each],
        "metrics_median": metrics,
        "failing_audits_median_run": by_perf[len(by_perf) // 2]["failing"],
        "targets_met": {c: scores[c] >= t for c, t in TARGETS.items()},
    }


def _version(args: list[str]) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("serve", "static"))
    args = parser.parse_args()
    install_lighthouse()
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="dekning-lh-"))
    out = work / "ut"
    subprocess.run(
        [str(BIN / "dekning"), "run", "-q", "-o", str(out)], check=True, stdout=subprocess.DEVNULL
    )
    keep = work / "rapporter"
    keep.mkdir()
    results: dict[str, Any] = {}
    if args.only in (None, "serve"):
        port = _free_port()
        serve = [str(BIN / "dekning"), "serve", "--out", str(out), "--port", str(port)]
        base = f"http://127.0.0.1:{port}"
        with _process(serve, base + "/v1/health"):
            results["serve"] = measure("serve", base + "/kart", args.runs, keep)
    if args.only in (None, "static"):
        port = _free_port()
        static = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
        url = f"http://127.0.0.1:{port}/kart_offentlig.html"
        with _process(static, url, cwd=out):
            results["static"] = measure("static", url, args.runs, keep)
    load_after = os.getloadavg()
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "lighthouse": _version([str(LIGHTHOUSE), "--version"]),
        "chromium": _version([CHROME, "--version"]),
        "form_factor": "mobile (Lighthouse default: simulated slow 4G, 4x CPU slowdown)",
        "map_bytes": (out / "kart_offentlig.html").stat().st_size,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "cores": os.cpu_count(),
        **results,
    }
    for name, r in results.items():
        s, m = r["scores_median"], r["metrics_median"]
        print(
            f"{name:6} perf {s['performance']:5.1f}  a11y {s['accessibility']:5.1f}  "
            f"best practices {s['best-practices']:5.1f}  seo {s['seo']:5.1f}  | "
            f"FCP {m['fcp_ms']:.0f} ms  LCP {m['lcp_ms']:.0f} ms  TBT {m['tbt_ms']:.0f} ms  "
            f"CLS {m['cls']:.3f}  (median of {r['runs']})"
        )
        for c, failing in r["failing_audits_median_run"].items():
            print(f"        {c}: {', '.join(failing)}")
    print(
        f"load average before {record['loadavg_before']}, after {record['loadavg_after']} "
        f"on {record['cores']} cores; reports in {keep}"
    )
    (HERE / "results").mkdir(exist_ok=True)
    with (HERE / "results" / "bench_lighthouse.jsonl").open("a") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
