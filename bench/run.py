#!/usr/bin/env python3
"""Benchmark the Python <-> JavaScript <-> worker path in headless Chromium.

    python bench/run.py            full run (a few minutes): bench/results.json,
                                   bench/latency.png, bench/real-engine.png, a table
                                   on stdout
    python bench/run.py --smoke    tiny counts, < 30 s: checks that every
                                   measurement runs; writes under build/bench/

Serves build/dist (the product: Pyodide, wheels, /webllm/ bundles) with the
headers of tools/serve.py (COOP/COEP: cross-origin isolated, so timers are
not clamped to 100 us) and the benchmark's own page and workers under /bench/
(bundled by bench/build.mjs into build/bench/). The engine is the scripted one
behind WebLLM's real worker handler. Numbers are printed, never judged: the
exit status is non-zero only if the benchmark itself failed.

Needs the project venv (selenium), Chromium and ChromeDriver (as
tools/chromium.py finds them) and node_modules (esbuild); `make bench` sees to
all of it.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from urllib3.exceptions import ReadTimeoutError  # Selenium's HTTP client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `from tools import ...` when run as a script
from tools import chromium as browser  # noqa: E402
from tools import serve  # noqa: E402

BENCH_BUILD = ROOT / "build" / "bench"
REAL_CHART = ROOT / "bench" / "real-engine.png"  # the real engine is not in --smoke runs

TARGETS = {
    "round_trip_ms": 1.0,
    "per_chunk_ms": 0.3,
    "chunks_per_s": 5000,
    "ratio_200": 0.98,
    "startup_ms": 3000,
    "startup_vs_pyodide_boot": 1.10,
}


# ---- serving and the browser (the project's own: tools/serve.py, tools/chromium.py)


def bench_handler(bench: Path):
    """tools/serve.py's handler (COOP/COEP, MIME types), plus /bench/ from ``bench``."""
    headers = getattr(serve, "HEADERS", {})
    # performance.now() is clamped to 100 us unless the page is cross-origin
    # isolated; make sure it is even if tools/serve.py stops saying so.
    isolated = headers.get("Cross-Origin-Opener-Policy") == "same-origin" and headers.get(
        "Cross-Origin-Embedder-Policy"
    ) in ("require-corp", "credentialless")

    class Handler(serve.Handler):
        def end_headers(self):
            if not isolated:
                self.send_header("Cross-Origin-Opener-Policy", "same-origin")
                self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            super().end_headers()

        def translate_path(self, path):
            if path.startswith("/bench/"):
                return str(bench / path.split("?", 1)[0].split("#", 1)[0][len("/bench/") :])
            return super().translate_path(path)

        def log_message(self, *args):
            pass

    return Handler


@contextlib.contextmanager
def server(dist: Path, bench: Path):
    base, stop = serve.start(dist, bench_handler(bench))
    try:
        yield base
    finally:
        stop()


def chromium():
    return browser.driver()


def wait_for(driver, variable: str, timeout: float, on_log=None):
    """Waits until window[variable] says done; relays its log lines."""
    seen = 0

    def done():
        nonlocal seen
        try:
            state = driver.execute_script(
                f"return window.{variable} && {{...window.{variable}, results: null, chart: null}}"
            )
        except ReadTimeoutError:
            # The page's main thread was busy longer than the driver's own wait (Pyodide's boot is
            # one long task, and a loaded machine stretches it): ask again, up to `timeout`.
            return None
        log = (state or {}).get("log") or []
        for line in log[seen:]:
            if on_log:
                on_log(line)
        seen = len(log)
        return state if state and state.get("done") else None

    state = browser.until(done, timeout, f"window.{variable} to be done", poll=0.25)
    if state.get("error"):
        raise RuntimeError(f"the benchmark page failed: {state['error']}")
    return state


# ---- statistics (the same interpolation as bench/page/stats.js)


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = p / 100 * (len(ordered) - 1)
    low, high = int(rank), min(int(rank) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values, digits=4):
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), digits),
        "p95": round(percentile(values, 95), digits),
        "mean": round(sum(values) / len(values), digits) if values else None,
        "max": round(max(values), digits) if values else None,
    }


def median(values):
    return percentile(values, 50)


# ---- the runs


# Pyodide's own boot second: in a --smoke run (one load each, no warm-up) the first pays the cold caches.
STARTUP_MODES = (
    "serial",
    "pyodide",
    "parallel",
    "parallel-unpack",
    "self-start",
    "self-start-packages",
    "self-start-unpack",
    "micropip",
)
# Marks on the way (ms since navigation start): Pyodide booted, the wheel installed, the package imported,
# the bridge module imported (self-start: registered), the engine worker answered, Python holds a working provider.
STAGES = ("pyodide", "installed", "wheel", "bridge_module", "worker", "interactive")
# The modes that end with a working provider, compared with Pyodide's own boot in the same run.
PROVIDER_MODES = ("serial", "parallel", "parallel-unpack", "self-start", "self-start-packages", "self-start-unpack")


def run_startup(driver, base: str, runs: int, log, wheel: str, warm_up: bool = True) -> dict:
    samples = {mode: [] for mode in STARTUP_MODES}
    # One untimed load first: the browser's HTTP and code caches are then as
    # warm as a returning visitor's (the server says no-cache, so files are
    # revalidated each time).
    for mode in ["warm-up"] * warm_up + list(STARTUP_MODES) * runs:
        page = "serial" if mode == "warm-up" else mode
        driver.get(f"{base}/bench/startup.html?mode={page}&wheel={wheel}")
        state = wait_for(driver, "__startup", 600)
        samples.setdefault(mode, []).append(state)
    samples.pop("warm-up", None)
    out = {}
    for mode, states in samples.items():
        errors = [s["error"] for s in states if s.get("error")]
        if errors:
            raise RuntimeError(f"start-up {mode}: {errors[0]}")
        stages = {}
        for name in STAGES:
            values = [s["stages"][name] for s in states if name in s["stages"]]
            stages[name] = round(median(values), 1) if values else None
        end = "wheel" if mode == "micropip" else "interactive"
        out[mode] = {
            "runs": len(states),
            "interactive_ms": summary([s["stages"][end] for s in states], 1),
            "stages_median_ms": stages,
            "model_load_excluded_ms": optional_median([s.get("model_load_ms") for s in states]),
            "first_reply_ms": optional_median([s.get("first_reply_ms") for s in states]),
            "cross_origin_isolated": all(s.get("crossOriginIsolated") for s in states),
            "files_fetched_last_run_ms": states[-1].get("resources"),
        }
        log(f"start-up {mode}: {out[mode]['interactive_ms']['p50']:.0f} ms to interactive (median of {len(states)})")
    boot = out["pyodide"]["interactive_ms"]["p50"]
    for mode in PROVIDER_MODES:
        out[mode]["vs_pyodide_boot"] = round(out[mode]["interactive_ms"]["p50"] / boot, 3)
    micropip = out["micropip"]["stages_median_ms"]
    out["micropip"]["install_ms"] = round(micropip["wheel"] - micropip["pyodide"], 1)
    return out


def optional_median(values: list) -> float | None:
    present = [value for value in values if value is not None]
    return round(median(present), 2) if present else None


def run_main(driver, base: str, smoke: bool, log, parts=None) -> tuple[dict, str | None]:
    query = "&".join((["smoke"] if smoke else []) + ([f"only={','.join(parts)}"] if parts else []))
    driver.get(f"{base}/bench/index.html{'?' + query if query else ''}")
    wait_for(driver, "__bench", 120 if smoke else 1800, on_log=lambda line: log(f"  {line}"))
    results = driver.execute_script("return window.__bench.results")
    chart = driver.execute_script("return window.__bench.chart")
    return results, chart


def run_real(driver, base: str, smoke: bool, log) -> dict:
    """bench/page/real.js: WebLLM's real engine with the tiny model (tests/fixtures/tiny-model)."""
    driver.get(f"{base}/bench/real.html{'?smoke' if smoke else ''}")
    wait_for(driver, "__bench", 900, on_log=lambda line: log(f"  {line}"))
    raw = driver.execute_script("return window.__bench.results")
    chart = driver.execute_script("return window.__bench.chart")
    REAL_CHART.write_bytes(base64.b64decode(chart.split(",", 1)[1]))
    log(f"  wrote {REAL_CHART.relative_to(ROOT)}")
    streams = {
        layer: {key: median([run[key] for run in runs]) for key in runs[0]} for layer, runs in raw["streams"].items()
    }
    prefill = {
        path: [{"prefilled": t["prefilled"], "prompt": t["prompt"], "calls": t["calls"]} for t in turns]
        for path, turns in raw["prefill_per_turn"].items()
    }
    return {
        "load_ms": raw["load_ms"],
        "tokens_per_stream": raw["tokens"],
        "streams_median": streams,
        "python_vs_js_tokens_per_s": streams["python"]["tokens_per_s"] / streams["js-webllm"]["tokens_per_s"],
        "prefill_per_turn": prefill,
    }


def real_table(real: dict) -> list[str]:
    lines = [
        "",
        f"real engine: WebLLM's MLCEngine, the tiny model (tests/fixtures/tiny-model); load {real['load_ms']:.0f} ms",
        f"{'  streams of ' + str(real['tokens_per_stream']) + ' tokens, medians':38} {'TTFT':>8} {'tok/s':>7} "
        f"{'engine tok/s':>13} {'engine TTFT':>12}",
    ]
    for layer, label in (("python", "Python, provider.stream_reply()"), ("js-webllm", "WebLLM's own JS client")):
        m = real["streams_median"][layer]
        lines.append(
            f"  {label:36} {m['ttft_ms']:8.0f} {m['tokens_per_s']:7.2f} {m['engine_decode_tokens_per_s']:13.2f} "
            f"{m['engine_ttft_ms']:12.0f}"
        )
    lines.append(f"  Python / JS tok/s: {real['python_vs_js_tokens_per_s']:.3f}")
    for path, turns in real["prefill_per_turn"].items():
        shown = ", ".join(f"{t['prefilled']}/{t['prompt']}" for t in turns)
        lines.append(f"  prefilled/prompt tokens per turn, {path}: {shown}")
    return lines


def analyse(raw: dict, startup: dict | None) -> dict:
    """Summaries of what the page measured (sections it skipped stay out)."""
    out = {"meta": raw["meta"]}
    if "floors" in raw:
        out["floors_ms"] = {
            "postmessage_echo_page_worker": summary(raw["floors"]["postMessage"]),
            "python_awaits_resolved_js_promise": summary(raw["floors"]["pyAwaitJs"]),
            "python_task_woken_from_worker_message": summary(raw["floors"]["pyWake"]),
        }
    if "roundTrips" in raw:
        out["round_trip_overhead_ms"] = {
            conversation: {layer: summary(r["overhead"]) for layer, r in layers.items()}
            for conversation, layers in raw["roundTrips"].items()
        }
        out["round_trip_engine_ms"] = {
            conversation: {layer: summary(r["engine"]) for layer, r in layers.items()}
            for conversation, layers in raw["roundTrips"].items()
        }
    if "paced" in raw:
        paced = raw["paced"]["layers"]
        out["per_chunk_latency_ms_at_200"] = {layer: summary(m["latency"]) for layer, m in paced.items()}
        out["ttft_added_ms"] = {layer: summary(m["ttftAdded"]) for layer, m in paced.items()}
    if "fast" in raw:
        fast = raw["fast"]
        out["max_chunks_per_s"] = {layer: round(median(m["chunksPerSecond"]), 1) for layer, m in fast["layers"].items()}
        out["max_chunks_per_s"]["engine-in-worker"] = round(median(fast["engine"]["chunksPerSecond"]), 1)
        out["max_chunks_per_s"]["py-provider-nojs"] = round(median(fast["providerNoJsChunksPerSecond"]), 1)
    tokens = {}
    for name, key in (("at_200", "paced"), ("unpaced", "fast")):
        if key not in raw:
            continue
        data = raw[key]
        rates = {layer: median(m["tokensPerSecond"]) for layer, m in data["layers"].items()}
        tokens[name] = {layer: round(rate, 2) for layer, rate in rates.items()}
        tokens[name]["engine-in-worker"] = round(median(data["engine"]["tokensPerSecond"]), 2)
        tokens[f"ratio_{name}_vs_js-webllm"] = {
            layer: round(rate / rates["js-webllm"], 4) for layer, rate in rates.items()
        }
        tokens[f"engine_pace_{name}"] = {
            layer: round(median(m["enginePace"]), 2) for layer, m in data["layers"].items()
        }
        # The other baseline: the engine's own speed, consumed inside the worker.
        engine_rate = tokens[name]["engine-in-worker"]
        tokens[f"ratio_{name}_vs_engine-in-worker"] = {
            layer: round(rate / engine_rate, 4) for layer, rate in rates.items()
        }
    if tokens:
        out["tokens_per_s"] = tokens
    if startup:
        out["startup"] = startup

    targets = []
    if "round_trip_overhead_ms" in out:
        rt = out["round_trip_overhead_ms"]
        targets += [
            target(
                "non-streamed round trip, 1 message (provider, p50)",
                rt["short"]["py-provider"]["p50"],
                "<=",
                TARGETS["round_trip_ms"],
                "ms",
            ),
            target(
                "non-streamed round trip, 20 messages (provider, p50)",
                rt["long20"]["py-provider"]["p50"],
                "<=",
                TARGETS["round_trip_ms"],
                "ms",
            ),
        ]
    if "per_chunk_latency_ms_at_200" in out:
        targets.append(
            target(
                "added latency per chunk (provider, p50)",
                out["per_chunk_latency_ms_at_200"]["py-provider"]["p50"],
                "<=",
                TARGETS["per_chunk_ms"],
                "ms",
            )
        )
    if "max_chunks_per_s" in out:
        targets.append(
            target(
                "chunks/s into Python (provider)",
                out["max_chunks_per_s"]["py-provider"],
                ">=",
                TARGETS["chunks_per_s"],
                "/s",
            )
        )
    if "at_200" in tokens:
        targets.append(
            target(
                "tokens/s ratio at 200 tok/s (provider / JS)",
                tokens["ratio_at_200_vs_js-webllm"]["py-provider"],
                ">=",
                TARGETS["ratio_200"],
                "",
            )
        )
    if startup:
        for mode in PROVIDER_MODES:
            targets.append(
                target(
                    f"start-up to interactive, {mode} (p50)",
                    startup[mode]["interactive_ms"]["p50"],
                    "<=",
                    TARGETS["startup_ms"],
                    "ms",
                )
            )
            targets.append(
                target(
                    f"start-up, {mode} / Pyodide's own boot (p50s)",
                    startup[mode]["vs_pyodide_boot"],
                    "<=",
                    TARGETS["startup_vs_pyodide_boot"],
                    "x",
                )
            )
    out["targets"] = targets
    return out


def target(name, value, op, limit, unit):
    met = value <= limit if op == "<=" else value >= limit
    return {"name": name, "value": value, "target": f"{op} {limit}{(' ' + unit) if unit else ''}", "met": met}


# ---- the table


LAYER_ROWS = [
    ("js-webllm", "JS: WebLLM's own client"),
    ("js-bridge", "JS: engine-client.js EngineClient"),
    ("py-bridge", "Python: webllm_bridge"),
    ("py-provider", "Python: WebLLMProvider"),
    ("js-guide", "guide's manager (10 ms poll), JS"),
    ("py-guide", "guide's manager, into Python"),
    ("py-provider-nojs", "WebLLMProvider alone (no JS bridge)"),
]


def _cell(section, layer, key, width, digits):
    value = (section or {}).get(layer)
    if isinstance(value, dict):
        value = value.get(key)
    return f"{value:{width}.{digits}f}" if isinstance(value, (int, float)) else " " * (width - 1) + "-"


def table(r: dict) -> str:
    lines = []
    add = lines.append
    meta = r["meta"]
    add(f"webllm-provider bridge benchmark{'  [SMOKE: tiny counts, numbers mean nothing]' if meta['smoke'] else ''}")
    add(
        f"headless Chromium {meta.get('chromium', '')}, cross-origin isolated: {meta['crossOriginIsolated']}, "
        f"{meta.get('cpus', '?')} CPUs, load {meta.get('load', '?')}; scripted engine behind WebLLM's worker "
        "handler; ms unless noted"
    )
    if "floors_ms" in r:
        f = r["floors_ms"]
        add(
            f"floors: postMessage echo page<->worker p50 {f['postmessage_echo_page_worker']['p50']:.3f}, "
            f"Python awaits resolved JS promise p50 {f['python_awaits_resolved_js_promise']['p50']:.3f}, "
            f"Python task woken from a worker message p50 {f['python_task_woken_from_worker_message']['p50']:.3f}"
        )
    if "round_trip_overhead_ms" in r:
        rt = r["round_trip_overhead_ms"]
        add("")
        add(f"{'round trip, engine time excluded':38} {'1 msg p50':>10} {'p95':>8} {'20 msg p50':>11} {'p95':>8}")
        for layer, label in LAYER_ROWS:
            if layer in rt["short"]:
                add(
                    f"  {label:36} {_cell(rt['short'], layer, 'p50', 10, 3)} {_cell(rt['short'], layer, 'p95', 8, 3)} "
                    f"{_cell(rt['long20'], layer, 'p50', 11, 3)} {_cell(rt['long20'], layer, 'p95', 8, 3)}"
                )
    if any(k in r for k in ("per_chunk_latency_ms_at_200", "max_chunks_per_s")):
        pc, tt = r.get("per_chunk_latency_ms_at_200"), r.get("ttft_added_ms")
        chunks = r.get("max_chunks_per_s")
        tok = r.get("tokens_per_s", {})
        at200, unpaced = tok.get("at_200"), tok.get("unpaced")
        r200, rmax = tok.get("ratio_at_200_vs_js-webllm"), tok.get("ratio_unpaced_vs_js-webllm")
        add("")
        add(
            f"{'streaming':38} {'chunk p50':>10} {'p95':>8} {'TTFT+ p50':>10} {'max chunk/s':>12} "
            f"{'tok/s@200':>10} {'ratio':>6} {'tok/s max':>10} {'ratio':>6}"
        )
        for layer, label in LAYER_ROWS + [("engine-in-worker", "engine alone, inside the worker")]:
            add(
                f"  {label:36} {_cell(pc, layer, 'p50', 10, 3)} {_cell(pc, layer, 'p95', 8, 3)} "
                f"{_cell(tt, layer, 'p50', 10, 3)} {_cell(chunks, layer, None, 12, 0)} "
                f"{_cell(at200, layer, None, 10, 1)} {_cell(r200, layer, None, 6, 3)} "
                f"{_cell(unpaced, layer, None, 10, 0)} {_cell(rmax, layer, None, 6, 3)}"
            )
        vs_engine = tok.get("ratio_at_200_vs_engine-in-worker")
        if vs_engine:
            add(
                "  tok/s at 200 relative to the engine alone: "
                + ", ".join(f"{layer} {vs_engine[layer]:.3f}" for layer, _ in LAYER_ROWS if layer in vs_engine)
            )
        pace = tok.get("engine_pace_at_200")
        if pace:
            add(
                "  the engine's own tok/s (yield to yield) while each consumed at 200: "
                + ", ".join(f"{layer} {pace[layer]:.1f}" for layer, _ in LAYER_ROWS if layer in pace)
            )
    if "startup" in r:
        add("")
        add(
            f"{'start-up (model load excluded)':38} {'Pyodide':>8} {'+wheel':>8} {'+import':>8} {'bridge.js':>10} "
            f"{'worker':>8} {'interactive p50':>16} {'p95':>7}"
        )
        for mode in STARTUP_MODES:
            st = r["startup"][mode]
            cells = [f"{value:.0f}" if value is not None else "-" for value in st["stages_median_ms"].values()]
            pyodide, installed, wheel, module, worker, _ = cells
            ratio = f"  {st['vs_pyodide_boot']:.2f}x Pyodide's boot" if "vs_pyodide_boot" in st else ""
            add(
                f"  {mode:36} {pyodide:>8} {installed:>8} {wheel:>8} {module:>10} {worker:>8} "
                f"{st['interactive_ms']['p50']:16.0f} {st['interactive_ms']['p95']:7.0f}{ratio}"
            )
        micropip = r["startup"]["micropip"]
        add(
            f"  the wheel, {r['startup']['wheel_mib']:.2f} MiB: micropip.install from the local folder "
            f"{micropip['install_ms']:.0f} ms (median)"
        )
    if "real_engine" in r:
        lines.extend(real_table(r["real_engine"]))
    if r["targets"]:
        add("")
        add("targets (medians)")
        for t in r["targets"]:
            value = t["value"]
            shown = f"{value:.3f}" if isinstance(value, float) and value < 10 else f"{value:.0f}"
            add(f"  {'met ' if t['met'] else 'MISS'}  {t['name']:52} {shown:>9}  (target {t['target']})")
    return "\n".join(lines)


# ---- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="tiny counts, < 30 s; results go under build/bench/")
    ap.add_argument("--dist", type=Path, default=ROOT / "build" / "dist")
    ap.add_argument("--out", type=Path, help="results JSON (default bench/results.json)")
    ap.add_argument("--chart", type=Path, help="chart PNG (default bench/latency.png)")
    ap.add_argument("--startup-runs", type=int, help="page loads per start-up mode (default 7; smoke 1)")
    ap.add_argument(
        "--only",
        help="comma-separated parts: startup,floors,roundTrips,paced,fast,real (default: all; real is not in --smoke); "
        "a partial run writes no chart",
    )
    args = ap.parse_args()
    default_out = (
        BENCH_BUILD / "smoke-results.json"
        if args.smoke
        else BENCH_BUILD / "partial-results.json"
        if args.only
        else ROOT / "bench" / "results.json"
    )
    out = args.out or default_out
    chart_file = args.chart or (BENCH_BUILD / "smoke-latency.png" if args.smoke else ROOT / "bench" / "latency.png")
    startup_runs = args.startup_runs or (1 if args.smoke else 7)

    if not (args.dist / "pyodide-lock.json").exists():
        sys.exit(f"{args.dist} is not a built dist: run `make dist`")
    wheel = json.loads((args.dist / "pyodide-lock.json").read_text())["packages"]["webllm-provider"]["file_name"]
    started = time.monotonic()
    load_before = os.getloadavg()[0]

    def log(message):
        print(f"[{time.monotonic() - started:6.1f}s] {message}", flush=True)

    subprocess.run(["node", str(ROOT / "bench" / "build.mjs"), str(BENCH_BUILD)], check=True, cwd=ROOT)
    log("bench bundles built")

    with server(args.dist, BENCH_BUILD) as base:
        driver = chromium()
        try:
            version = driver.capabilities.get("browserVersion")
            parts = args.only.split(",") if args.only else None
            startup = (
                run_startup(driver, base, startup_runs, log, wheel, not args.smoke)
                if not parts or "startup" in parts
                else None
            )
            real = (
                run_real(driver, base, args.smoke, log)
                if (parts and "real" in parts) or (not parts and not args.smoke)
                else None
            )
            page_parts = [p for p in parts if p not in ("startup", "real")] if parts else None
            raw, chart = (
                run_main(driver, base, args.smoke, log, page_parts)
                if page_parts != []
                else ({"meta": {"smoke": args.smoke, "crossOriginIsolated": None}}, None)
            )
        finally:
            driver.quit()

    results = analyse(raw, startup)
    if startup:
        results["startup"]["wheel_mib"] = round((args.dist / wheel).stat().st_size / (1 << 20), 2)
    if real:
        results["real_engine"] = real
    results["meta"].update(
        {
            "chromium": version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load": f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (1-min average)",
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "commit": subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip(),
        }
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    if chart:
        chart_file.parent.mkdir(parents=True, exist_ok=True)
        chart_file.write_bytes(base64.b64decode(chart.split(",", 1)[1]))
    print()
    print(table(results))
    print()
    shown = lambda path: path.relative_to(ROOT) if path.is_relative_to(ROOT) else path  # noqa: E731
    log(f"wrote {shown(out)}" + (f" and {shown(chart_file)}" if chart else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
