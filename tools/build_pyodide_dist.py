#!/usr/bin/env python3
"""Build build/dist/: a self-contained, offline Pyodide folder.

It is the one folder that both pytest-pyodide (``--dist-dir build/dist``) and
``make demo`` serve:

    pyodide.js, pyodide.mjs, pyodide.asm.*, python_stdlib.zip   from node_modules/pyodide
    pyodide-lock.json   rewritten: lists exactly the wheels below, with their real sha256
    *.whl               pure-Python wheels from PyPI (cached in build/wheels/)
                        + webllm_provider-*.whl, built from this repository, with the
                          bundles Python starts its own bridge and engine from (build/package/) as package data
    webllm/             the JS bundles from build/web/ (``npm run build``)
    index.html, ...     the example app (examples/browser-app/), its scripts bundled (build/app/)
    models/             the tiny model (tests/fixtures/tiny-model/), laid out as WebLLM
                        fetches it: the library beside the model folders, and each folder's
                        files under resolve/main/ (WebLLM appends that to a model's URL), with
                        the AppConfig that describes them (app-config.json, URLs relative to
                        models/): the app offers it as its offline demo model

Pyodide's own lock points at wheels on its CDN (which we cannot reach) and its
hashes are for Pyodide's repacked wheels, so entries are rewritten for PyPI's.
pytest and tblib are shipped because pytest-pyodide's ``run_in_pyodide`` loads
them whenever the lock lists them: pytest gives assertion rewriting inside
Pyodide (it must match the host pytest that rewrites the AST) and tblib gives
real tracebacks back to the host.

Stdlib only; run with the project's venv Python (it uses ``-m pip``), from the checkout
(``python -m tools.build_pyodide_dist``: it reads webllm_provider/packaged.py).
"""

import argparse
import base64
import gzip
import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from webllm_provider.packaged import BRIDGE, ENGINE, FOLDER, WASM, packed

ROOT = Path(__file__).resolve().parent.parent
PYODIDE = ROOT / "node_modules" / "pyodide"
RUNTIME_FILES = [
    "package.json",  # marks the folder as CommonJS for Node (the repo root is "type": "module")
    "pyodide.js",
    "pyodide.js.map",
    "pyodide.mjs",
    "pyodide.mjs.map",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
]

# name -> (version, import names, lock dependencies). Dependencies are the
# unconditional Requires-Dist of each wheel (checked by check_requires below).
WHEELS = {
    "micropip": ("0.11.1", ["micropip"], []),
    "packaging": ("26.1", ["packaging"], []),
    "pytest": ("8.4.2", ["_pytest", "pytest"], ["iniconfig", "packaging", "pluggy", "pygments"]),
    "iniconfig": ("2.3.0", ["iniconfig"], []),
    "pluggy": ("1.6.0", ["pluggy"], []),
    "pygments": ("2.20.0", ["pygments"], []),
    "tblib": ("3.2.2", ["tblib"], []),
}
OWN = ("webllm-provider", ["webllm_provider"], [])


def run(*cmd):
    subprocess.run(cmd, check=True)


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_wheel(name, version, python, cache):
    """Return the cached PyPI wheel for name==version, downloading it once."""
    prefix = f"{name.replace('-', '_')}-{version}-"
    found = [p for p in cache.glob("*.whl") if p.name.lower().startswith(prefix)]
    if not found:
        run(
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--python-version",
            python,
            "--dest",
            str(cache),
            f"{name}=={version}",
        )
        found = [p for p in cache.glob("*.whl") if p.name.lower().startswith(prefix)]
    (wheel,) = found
    return wheel


def wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as zf:
        (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return zf.read(meta).decode()


def check_requires(name, wheel, depends):
    """Fail if the wheel needs something we do not list. Requirements with a marker
    are skipped, not evaluated: in these wheels they are extras or for other Pythons."""
    required = set()
    for line in wheel_metadata(wheel).splitlines():
        if line.startswith("Requires-Dist:") and ";" not in line:
            required.add(re.match(r"[\w.-]+", line.split(":", 1)[1].strip())[0].lower())
    missing = required - set(depends)
    if missing:
        sys.exit(f"{name}: wheel requires {sorted(missing)}, add them to WHEELS")


WHEEL_TIME = (2016, 1, 1, 0, 0, 0)  # fixed (flit's date for what it generates): the same sources, the same wheel


def bundled_files(packaged):
    """What the wheel carries of js/build.mjs's package output: the bridge, the engine and its wasm."""
    return [BRIDGE, ENGINE, *sorted(path.name for path in packaged.glob("*" + WASM))]


def build_own_wheel(dest, packaged):
    """The wheel, built by pip and flit from a copy of the sources with the bundle
    added, so the source tree never holds a build output."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "source")
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / "webllm_provider", source / "webllm_provider", ignore=ignore)
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (ROOT / name).exists():
                shutil.copy2(ROOT / name, source / name)
        (source / "webllm_provider" / FOLDER).mkdir()
        for bundle in bundled_files(packaged):
            data = (packaged / bundle).read_bytes()
            if packed(bundle) != bundle:
                data = gzip.compress(data, mtime=0)  # no timestamp: the same bundle makes the same wheel
            (source / "webllm_provider" / FOLDER / packed(bundle)).write_bytes(data)
        # With the build backend installed (make does), build without a network round trip.
        isolation = [] if importlib.util.find_spec("flit_core") is None else ["--no-build-isolation"]
        run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", *isolation, "--wheel-dir", tmp, str(source))
        (wheel,) = Path(tmp).glob("webllm_provider-*.whl")
        add_bytecode(wheel, source)
        wheel.chmod(0o644)
        return Path(shutil.copy2(wheel, dest))


def add_bytecode(wheel, source):
    """Adds Pyodide's bytecode of every module in ``source`` to ``wheel`` (flit leaves ``__pycache__``
    out), with its RECORD lines. Pyodide then imports the package without compiling it: compiling
    was about half of ``import webllm_provider`` there. Other Pythons ignore another version's files."""
    run("node", str(ROOT / "tools" / "compile_for_pyodide.mjs"), str(source))
    compiled = {path.relative_to(source).as_posix(): path.read_bytes() for path in sorted(source.rglob("*.pyc"))}
    packed = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(wheel) as old, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as new:
        (record,) = [name for name in old.namelist() if name.endswith(".dist-info/RECORD")]
        for info in old.infolist():
            if info.filename != record:
                new.writestr(info, old.read(info))
        lines = old.read(record).decode()
        for name, data in compiled.items():
            new.writestr(zipfile.ZipInfo(name, date_time=WHEEL_TIME), data, zipfile.ZIP_DEFLATED)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            lines += f"{name},sha256={digest},{len(data)}\n"
        new.writestr(old.getinfo(record), lines)
    packed.replace(wheel)


def lock_entry(template, name, wheel, imports, depends):
    version = wheel.name.split("-")[1]
    return {
        **template,
        "name": name,
        "version": version,
        "file_name": wheel.name,
        "sha256": sha256(wheel),
        "imports": imports,
        "depends": depends,
        "install_dir": "site",
        "package_type": "package",
        "unvendored_tests": False,
    }


def copy_models(source, dest):
    dest.mkdir(parents=True, exist_ok=True)
    for file in [*source.glob("*.wasm"), source / "app-config.json"]:
        shutil.copy2(file, dest / file.name)
    for config in source.glob("*/mlc-chat-config.json"):
        shutil.copytree(config.parent, dest / config.parent.name / "resolve" / "main")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "dist")
    ap.add_argument("--wheel-cache", type=Path, default=ROOT / "build" / "wheels")
    ap.add_argument(
        "--web",
        type=Path,
        default=ROOT / "build" / "web",
        help="JS bundles from `npm run build`, served under /webllm/",
    )
    ap.add_argument(
        "--package",
        type=Path,
        default=ROOT / "build" / "package",
        help="the wheel's bridge and engine bundles from `npm run build`",
    )
    ap.add_argument("--app", type=Path, default=ROOT / "examples" / "browser-app")
    ap.add_argument(
        "--app-bundle",
        type=Path,
        default=ROOT / "build" / "app",
        help="the app's scripts bundled by `npm run build`, in place of its .js sources",
    )
    ap.add_argument("--models", type=Path, default=ROOT / "tests" / "fixtures" / "tiny-model")
    args = ap.parse_args()
    out = args.out

    if not (PYODIDE / "pyodide.asm.wasm").exists():
        sys.exit(f"{PYODIDE} is missing: run `npm ci` first")
    missing = [name for name in (BRIDGE, ENGINE) if not (args.package / name).exists()]
    if missing:
        sys.exit(f"{args.package} has no {', '.join(missing)}: run `npm run build` first")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    args.wheel_cache.mkdir(parents=True, exist_ok=True)

    for f in RUNTIME_FILES:
        shutil.copy2(PYODIDE / f, out / f)

    lock = json.loads((PYODIDE / "pyodide-lock.json").read_text())
    python = ".".join(lock["info"]["python"].split(".")[:2])  # Pyodide's Python, e.g. 3.14
    packages = {}
    for name, (version, imports, depends) in WHEELS.items():
        wheel = fetch_wheel(name, version, python, args.wheel_cache)
        check_requires(name, wheel, depends)
        shutil.copy2(wheel, out / wheel.name)
        packages[name] = lock_entry(lock["packages"].get(name, {}), name, out / wheel.name, imports, depends)
    name, imports, depends = OWN
    packages[name] = lock_entry({}, name, build_own_wheel(out, args.package), imports, depends)
    lock["packages"] = packages

    if args.web.is_dir():
        shutil.copytree(args.web, out / "webllm")
    else:
        print(f"warning: {args.web} does not exist (run `npm run build`); no /webllm/ served", file=sys.stderr)
    if args.app.is_dir():
        if not (args.app_bundle / "app.js").exists():
            sys.exit(f"{args.app_bundle} has no app.js: run `npm run build` first")
        shutil.copytree(args.app, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.js"))
        shutil.copytree(args.app_bundle, out, dirs_exist_ok=True)
    copy_models(args.models, out / "models")
    # Last, so that a dist with a lock is a complete one (make's target is the lock).
    (out / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))

    print(
        f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: "
        f"{len(packages)} packages in pyodide-lock.json ({', '.join(sorted(packages))})"
    )
    own = out / packages["webllm-provider"]["file_name"]
    print(f"{own.name}: {own.stat().st_size / (1 << 20):.2f} MiB (the engine bundle is most of it)")


if __name__ == "__main__":
    main()
