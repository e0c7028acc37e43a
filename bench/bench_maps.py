"""Benchmark: size of the maps for the default data and how fast they become interactive in
headless Chromium (Debian's /usr/bin/chromium) on this machine (issue 4).

"Interactive" = from navigation start until the Leaflet map object exists with its layers drawn
and the page's load event has fired (``performance.now()`` read at that moment). Each map is
opened 5 times in a fresh page; the median is reported. For the planner map, the pan frame rate
with every layer on is measured too: the mouse drags the map for about 3 s (issue 15) while the
page counts ``requestAnimationFrame`` callbacks; the median of 3 drags is reported. Base tiles are answered locally with an
empty image (no network here), so the figure is the map's own cost. The machine's load average
(1 min) before and after is printed and stored with the figures: on a shared machine, compare
runs at similar load only.

    python bench/bench_maps.py                       # the default data
    python bench/bench_maps.py --config bench/data/stordal_42/dekning.toml   # any run
    python bench/bench_maps.py --maps /tmp/stordal-ut    # the maps of a run already made

The row in ``results/bench_maps.jsonl`` names the configuration (``config``) and the number of
addresses (``adresser``, from ``rapport.json`` when the run wrote one).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, sync_playwright

from dekning.config import load_config, load_default_config
from dekning.pipeline import run

HERE = Path(__file__).resolve().parent
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
READY = """() => new Promise(resolve => {
  const done = () => {
    const name = Object.keys(window).find(k => k.startsWith('map_'));
    if (name && document.readyState === 'complete' && document.querySelector('.leaflet-overlay-pane svg, .leaflet-overlay-pane canvas, .leaflet-image-layer'))
      resolve(performance.now());
    else requestAnimationFrame(done);
  };
  done();
})"""


def _local(r: Route) -> None:
    """The page's own file; an empty image for anything else (tiles)."""
    if r.request.url.startswith("file://"):
        r.continue_()
    else:
        r.fulfill(status=200, content_type="image/png", body=PNG)


ALL_LAYERS_ON = """() => {
  document.querySelectorAll('.leaflet-control-layers-overlays input').forEach(i => {
    if (!i.checked) i.click();
  });
}"""
COUNT_FRAMES = """() => {
  window.__frames = 0; window.__t0 = performance.now(); window.__counting = true;
  const tick = () => { window.__frames++; if (window.__counting) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""
STOP_COUNTING = """() => {
  window.__counting = false;
  return window.__frames / ((performance.now() - window.__t0) / 1000);
}"""


PAN_BY_FRAME = """() => new Promise(resolve => {
  const m = window[Object.keys(window).find(k => k.startsWith('map_'))];
  let frames = 0; const t0 = performance.now();
  const tick = t => {
    frames++;
    m.panBy([frames % 60 < 30 ? 12 : -12, 0], {animate: false});
    if (t - t0 < 3000) requestAnimationFrame(tick);
    else resolve(frames / ((performance.now() - t0) / 1000));
  };
  requestAnimationFrame(tick);
})"""
"""A pan step in every frame (as arrow keys or a fling do), each one ending a move: the layers
that redraw on ``moveend`` cost main-thread time here."""


def pan_fps(page: Page) -> tuple[float, float]:
    """Frames per second while the mouse drags the map back and forth for about 3 s, and while
    the map is panned a step in every frame for 3 s (:data:`PAN_BY_FRAME`)."""
    page.evaluate(ALL_LAYERS_ON)
    page.wait_for_timeout(500)
    x, y = 640.0, 400
    page.mouse.move(x, y)
    page.mouse.down()
    page.evaluate(COUNT_FRAMES)
    start = time.perf_counter()
    step = 0
    while time.perf_counter() - start < 3.0:
        step += 1
        dx = 150 if (step // 30) % 2 == 0 else -150
        x += dx / 30
        page.mouse.move(x, y + (step % 2))
    page.mouse.up()
    dragged = float(page.evaluate(STOP_COUNTING))
    return dragged, float(page.evaluate(PAN_BY_FRAME))


def _addresses(out: Path) -> int | None:
    """The run's number of addresses (``rapport.json``), None when it does not say."""
    try:
        report = json.loads((out / "rapport.json").read_text(encoding="utf-8"))
        count = report["sammendrag"]["adresser"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return count if isinstance(count, int) else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--config", type=Path, help="run this configuration (default: the default data)"
    )
    source.add_argument(
        "--maps", type=Path, help="measure the maps of a run already made in this folder"
    )
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    if args.maps is not None:
        out = args.maps
    else:
        out = Path(tempfile.mkdtemp()) / "ut"
        run(load_config(args.config) if args.config else load_default_config(), out)
    results: dict[str, Any] = {
        "config": str(args.config or args.maps or "standard"),
        "adresser": _addresses(out),
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name in ("kart_offentlig.html", "kart_planlegger.html"):
            times = []
            for _ in range(5):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.route("**/*", _local)
                page.goto((out / name).as_uri(), wait_until="commit")
                times.append(page.evaluate(READY))
                page.close()
            size = (out / name).stat().st_size
            results[name] = {
                "bytes": size,
                "interactive_ms_median": round(statistics.median(times)),
                "runs_ms": [round(t) for t in times],
            }
            if name == "kart_planlegger.html":
                fps = []
                for _ in range(3):
                    page = browser.new_page(viewport={"width": 1280, "height": 800})
                    page.route("**/*", _local)
                    page.goto((out / name).as_uri(), wait_until="load")
                    page.evaluate(READY)
                    fps.append(pan_fps(page))
                    page.close()
                drag = statistics.median(f[0] for f in fps)
                step = statistics.median(f[1] for f in fps)
                results[name]["pan_fps_all_layers_median"] = {
                    "drag": round(drag, 1),
                    "pan_by_frame": round(step, 1),
                }
                print(
                    f"{name:22} every layer on, frames/s (median of 3): drag {drag:5.1f}, "
                    f"a pan step per frame {step:5.1f}"
                )
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
