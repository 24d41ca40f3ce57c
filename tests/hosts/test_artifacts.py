"""What `make dist` publishes: the wheel (twine's check, the engine bundle inside, nothing of
the tests) and the npm package (not private; `npm pack --dry-run` ships every module an app
reaches from its exports, their types, and nothing from the tests)."""

import gzip
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from webllm_provider.packaged import BRIDGE, ENGINE, FOLDER, WASM, packed, unpacked

from ..conftest import ROOT

PACKAGE = json.loads((ROOT / "package.json").read_text())
ENGINE_ONLY = "fetchTensorCache"  # TVM's loader of a model's weights: WebLLM's engine, not its client
RELATIVE_IMPORT = re.compile(r"""(?:from\s+|import\s*\(?\s*)["'](\.{1,2}/[^"']+)["']""")


def test_the_wheel_passes_twine_check_and_carries_its_engine(dist_dir):
    (wheel,) = dist_dir.glob("webllm_provider-*.whl")
    twine = Path(sys.executable).with_name("twine")
    result = subprocess.run([twine, "check", "--strict", wheel], capture_output=True, text=True)
    assert result.returncode == 0 and "PASSED" in result.stdout, result.stdout + result.stderr
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        folder = f"webllm_provider/{FOLDER}/"
        bridge, engine = (zf.read(folder + packed(name)) for name in (BRIDGE, ENGINE))
        # Stored gzipped (Pyodide would inflate them in wasm on every install), inflated by the browser.
        wasm = {
            unpacked(name.removeprefix(folder)): gzip.decompress(zf.read(name))
            for name in names
            if name.startswith(folder) and name.endswith(packed(WASM))
        }
    engine = gzip.decompress(engine)
    bridge, engine = bridge.decode(), engine.decode()
    # WebLLM's two emscripten modules, as wasm files beside the engine, not base64 text in it.
    assert sorted(wasm) == ["tokenizers.wasm", "xgrammar.wasm"]
    assert all(module.startswith(b"\0asm") for module in wasm.values())
    assert "base64,AGFzbQ" not in engine  # "\\0asm": a wasm module inlined
    # Self-contained modules, nothing to import from a blob: URL (no static imports); both offer the
    # bridge (the engine's file for a page that serves it), and only the engine's carries WebLLM's engine.
    static_import = r'(?:^|[;}])\s*import\s*(?:\{[^}]*\}\s*from\s*|\*\s*as\s*\w+\s*from\s*)?"'
    for bundle in (bridge, engine):
        assert "startBridge" in bundle and not RELATIVE_IMPORT.search(bundle)
        assert not re.search(static_import, bundle, re.MULTILINE)
    assert ENGINE_ONLY in engine and ENGINE_ONLY not in bridge
    assert not [name for name in names if name.startswith("tests/") or "/testing/" in name]
    for name, size in [(BRIDGE, len(bridge)), (ENGINE, len(engine)), *((n, len(b)) for n, b in wasm.items())]:
        print(f"{name}: {size / 1024:.0f} KiB")
    print(f"{wheel.name}: {wheel.stat().st_size / (1 << 20):.2f} MiB")


def reached(entry: Path) -> set[Path]:
    """The modules ``entry`` imports, directly or not (relative imports; bare ones are dependencies)."""
    seen, todo = set(), [entry]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += [(module.parent / spec).resolve() for spec in RELATIVE_IMPORT.findall(module.read_text())]
    return seen


def test_the_npm_package_ships_what_apps_import_and_nothing_from_tests():
    assert not PACKAGE.get("private"), "the package is published"
    packed = subprocess.run(
        ["npm", "pack", "--dry-run", "--json", "--ignore-scripts"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    (manifest,) = json.loads(packed.stdout)
    shipped = {entry["path"] for entry in manifest["files"]}
    wanted = {"package.json"}
    for name, target in PACKAGE["exports"].items():
        if name == "./package.json":
            continue
        assert {"types", "default"} <= set(target), f"{name}: a module and its types"
        modules = reached((ROOT / target["default"]).resolve())
        wanted |= {str(module.relative_to(ROOT)) for module in modules} | {target["types"].removeprefix("./")}
    missing = wanted - shipped
    assert not missing, f"an app imports these, the package lacks them: {sorted(missing)}"
    assert not [path for path in shipped if path.startswith(("tests/", "js/testing/", "examples/", "build/"))]
    # Bare imports are the package's dependencies, installed with it.
    bare = {
        spec
        for path in wanted
        if path.endswith(".js")
        for spec in re.findall(r"""from\s+["']([^."'][^"']*)["']""", (ROOT / path).read_text())
    }
    assert bare <= set(PACKAGE["dependencies"]), bare
