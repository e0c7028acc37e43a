"""Benchmark: size of the maps for the default data and how fast they become interactive in
headless Chromium (Debian's /usr/bin/chromium) on this machine (issue 4).

"Interactive" = from navigation start until the Leaflet map object exists with its layers drawn
and the page's load event has fired (``performance.now()`` read at that moment). Each map is
opened 5 times in a fresh page; the median is reported. Base tiles are answered locally with an
empty image (no network here), so the figure is the map's own cost. The machine's load average
(1 min) before and after is printed and stored with the figures: on a shared machine, compare
runs at similar load only.

    python bench/bench_maps.py
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from dekning.config import load_default_config
from dekning.pipeline import run

HERE = Path(__file__).resolve().parent
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
READY = """() => new Promise(resolve => {
  const done = () => {
    const name = Object.keys(window).find(k => k.startsWith('map_'));
    if (name && document.readyState === 'complete' && document.querySelector('.leaflet-overlay-pane svg, .leaflet-image-layer'))
      resolve(performance.now());
    else requestAnimationFrame(done);
  };
  done();
})"""


def main() -> None:
    load_before = os.getloadavg()[0]
    out = Path(tempfile.mkdtemp()) / "ut"
    run(load_default_config(), out)
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name in ("kart_offentlig.html", "kart_planlegger.html"):
            times = []
            for _ in range(5):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.route(
                    "**/*",
                    lambda r: (
                        r.continue_()
                        if r.request.url.startswith("file://")
                        else r.fulfill(status=200, content_type="image/png", body=PNG)
                    ),
                )
                page.goto((out / name).as_uri(), wait_until="commit")
                times.append(page.evaluate(READY))
                page.close()
            size = (out / name).stat().st_size
            results[name] = {
                "bytes": size,
                "interactive_ms_median": round(statistics.median(times)),
                "runs_ms": [round(t) for t in times],
            }
            print(
                f"{name:22} {size / 1e6:5.2f} MB   interactive in {statistics.median(times):6.0f} ms (median of 5: {[round(t) for t in times]})"
            )
        browser.close()
    load = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(f"load average (1 min) before / after: {load[0]} / {load[1]} on {os.cpu_count()} cores")
    (HERE / "results").mkdir(exist_ok=True)
    with (HERE / "results" / "bench_maps.jsonl").open("a") as fh:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        fh.write(json.dumps({"time": stamp, "load_1min": load, **results}) + "\n")


if __name__ == "__main__":
    main()
