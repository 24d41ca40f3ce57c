#!/usr/bin/env python3
"""Python and engine placements: main-thread long tasks, reload to ready, the worker hop per chunk.

    python bench/placements.py [--smoke] [--out bench/placements.json]

Serves build/dist (the product) and build/bench (bench/page) as bench/run.py
does, and loads bench/page/placements.html in headless Chromium with the
scripted engine (a model load is a scripted delay, --load-ms):
- long tasks (PerformanceObserver "longtask") on the page's main thread, count
  and total blocking time (the part of each beyond 50 ms), per phase: boot
  (navigation to a working session: Python booted, model loaded, Python
  answered), a model load, a streamed reply of 200 tokens at 200 tokens/s
  rendered into the page, a tool run (Python busy for --tool-ms);
- reload to ready: navigation to a working session on a reload, with the
  model already loaded in a shared engine vs a dedicated engine (which loads
  again), next to Python's own boot (a page with the model loaded at once);
- the stream: tokens/s Python sees at 200 tokens/s over the engine's own, and
  chunks/s as fast as the engine goes, per Python placement.
It prints the figures with the goals of issue 12 and writes them as JSON, and
a chart next to it (bench/placements.png); it never fails on a figure.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: server, chromium, build)

ROOT = Path(__file__).resolve().parent.parent
PHASES = [
    ("boot", None, "ready"),
    ("model load", "loadStart", "loadEnd"),
    ("streamed reply", "replyStart", "replyEnd"),
    ("tool run", "toolStart", "toolEnd"),
]


def load(driver, base: str, query: str, timeout: float = 120) -> dict:
    driver.get(f"{base}/bench/placements.html?{query}")

    def finished():
        result, error = driver.execute_script("return [window.benchResult ?? null, window.benchError ?? null]")
        if error:
            raise RuntimeError(f"{query}: {error}")
        return result

    return run.browser.until(finished, timeout, f"{query} to finish")


def blocking(tasks: list, start: float, end: float) -> dict:
    # A task belongs to the phase it ends in: the task that starts a tool run
    # begins with the last bit of the reply before it.
    inside = [(t, d) for t, d in tasks if start < t + d <= end]
    return {
        "count": len(inside),
        "tbt_ms": round(sum(max(0, d - 50) for _, d in inside), 1),
        "longest_ms": round(max((d for _, d in inside), default=0), 1),
    }


def end_shared(driver):
    run.browser.run(
        driver,
        "const { endSharedEngine } = await import('/webllm/python-launcher.js');"
        "endSharedEngine('/webllm/testing/scripted-worker.js');",
    )
    run.browser.until_shared_workers_gone(driver)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="one run each")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--load-ms", type=int, default=1500, help="the scripted model load")
    ap.add_argument("--tool-ms", type=int, default=300)
    ap.add_argument("--dist", type=Path, default=ROOT / "build" / "dist")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    runs = 1 if args.smoke else args.runs
    out = args.out or (
        ROOT / "build" / "bench" / "placements.json" if args.smoke else ROOT / "bench" / "placements.json"
    )
    bench_dir = run.BENCH_BUILD
    subprocess.run(["node", str(ROOT / "bench" / "build.mjs"), str(bench_dir)], check=True, cwd=ROOT)
    results: dict = {"runs": runs, "load_ms": args.load_ms, "tool_ms": args.tool_ms}
    driver = run.chromium()
    driver.set_script_timeout(60)
    try:
        with run.server(args.dist, bench_dir) as base:
            q = f"loadMs={args.load_ms}&toolMs={args.tool_ms}"
            load(driver, base, f"python=worker&step=ready&{q}")  # warm the HTTP and code caches
            for python in ("worker", "main"):
                per_phase = {name: [] for name, _, _ in PHASES}
                for _ in range(runs):
                    r = load(driver, base, f"python={python}&step=session&{q}")
                    for name, start, end in PHASES:
                        per_phase[name].append(
                            blocking(r["longTasks"], r["marks"][start] if start else 0, r["marks"][end])
                        )
                results[f"longtasks/{python}"] = {
                    name: {key: statistics.median(v[key] for v in values) for key in values[0]}
                    for name, values in per_phase.items()
                }
            for python in ("worker", "main"):
                figures = [load(driver, base, f"python={python}&step=chunks&{q}") for _ in range(runs)]
                results[f"stream/{python}"] = {
                    "paced_ratio": statistics.median(
                        f["paced"]["python_tokens_per_s"] / f["paced"]["engine_tokens_per_s"] for f in figures
                    ),
                    "paced_python_tokens_per_s": statistics.median(f["paced"]["python_tokens_per_s"] for f in figures),
                    "fast_chunks_per_s": statistics.median(f["fast"]["python_tokens_per_s"] for f in figures),
                }
            for engine in ("dedicated", "shared"):
                times = []
                for _ in range(runs):
                    load(driver, base, f"python=worker&engine={engine}&step=ready&{q}")  # first visit: loads
                    times.append(load(driver, base, f"python=worker&engine={engine}&step=ready&{q}")["ready"])
                    if engine == "shared":
                        end_shared(driver)
                results[f"reload/{engine}"] = statistics.median(times)
            boot = [load(driver, base, "python=worker&step=ready&loadMs=0")["ready"] for _ in range(runs)]
            results["reload/python_boot"] = statistics.median(boot)
            chart = draw(driver, results)
    finally:
        driver.quit()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    out.with_suffix(".png").write_bytes(base64.b64decode(chart.split(",", 1)[1]))
    print(report(results))
    print(f"wrote {out}")
    return 0


def draw(driver, results: dict) -> str:
    """bench/page/placements-chart.js, in the page (the server still running): a PNG data URL."""
    return run.browser.run(
        driver,
        "const { drawPlacements } = await import('/bench/placements-chart.js'); return drawPlacements(arguments[0]);",
        results,
    )


def report(r: dict) -> str:
    lines = [f"long tasks on the main thread (median of {r['runs']}; TBT = time beyond 50 ms per task)"]
    for python in ("worker", "main"):
        for phase, v in r[f"longtasks/{python}"].items():
            lines.append(
                f"  python={python:6} {phase:15} {v['count']:>3} tasks  TBT {v['tbt_ms']:>7.1f} ms"
                f"  longest {v['longest_ms']:>6.1f} ms"
            )
    w = r["longtasks/worker"]
    lines.append(
        f"  goal: worker TBT boot <= 100 ms: {w['boot']['tbt_ms']} ms; no long task in reply/tool run: "
        f"{w['streamed reply']['count']}/{w['tool run']['count']}"
    )
    lines.append("stream (Python's tokens/s at 200 tokens/s over the engine's; chunks/s as fast as it goes)")
    for python in ("worker", "main"):
        v = r[f"stream/{python}"]
        lines.append(
            f"  python={python:6} ratio {v['paced_ratio']:.3f}  ({v['paced_python_tokens_per_s']:.1f} tok/s)"
            f"  fast {v['fast_chunks_per_s']:.0f} chunks/s"
        )
    lines.append(
        f"reload to ready (model load {r['load_ms']} ms): dedicated {r['reload/dedicated']:.0f} ms, "
        f"shared {r['reload/shared']:.0f} ms, Python's own boot {r['reload/python_boot']:.0f} ms "
        f"(goal: shared <= boot + 100)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
