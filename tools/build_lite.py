#!/usr/bin/env python3
"""Build build/lite/: a JupyterLite site (jupyterlite-core and jupyterlite-pyodide-kernel
from PyPI, the test extra) that runs offline on this project's Pyodide, for tests/hosts.

    static/pyodide/   build/dist's Pyodide runtime, its pyodide-lock.json and the wheels
                      it lists (the build points the kernel's pyodideUrl here itself)
    pypi/             this project's wheel, and the pure-Python wheels the kernel
                      pip-installs when it starts (ipython, jedi, comm and theirs), which
                      this Pyodide does not have; piplite indexes the folder
    jupyter-lite.json piplite never falls back to pypi.org; the app is window.jupyterapp
                      (for the tests)

The kernel's wheels come from PyPI once, into build/wheels/kernel (pinned below); nothing is
fetched when the site runs. Stdlib only; run with the project's venv Python.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The kernel's own dependencies (ipykernel's shim in the Pyodide kernel), pure Python, pinned.
KERNEL_WHEELS = {
    "asttokens": "3.0.2",
    "comm": "0.2.3",
    "decorator": "5.3.2",
    "executing": "2.3.0",
    "ipython": "9.19.1",
    "ipython_pygments_lexers": "1.1.1",
    "jedi": "0.20.1",
    "matplotlib_inline": "0.2.2",
    "parso": "0.8.7",
    "prompt_toolkit": "3.0.53",
    "pure_eval": "0.2.4",
    "stack_data": "0.6.3",
    "traitlets": "5.16.1",
    "wcwidth": "0.9.5",
}
CONFIG = {
    "jupyter-lite-schema-version": 0,
    "jupyter-config-data": {
        "exposeAppInBrowser": True,
        "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": {"disablePyPIFallback": True}},
    },
}


def kernel_wheels(cache: Path, python: str) -> list[Path]:
    cache.mkdir(parents=True, exist_ok=True)
    wanted = {name: f"{name}-{version}-" for name, version in KERNEL_WHEELS.items()}
    missing = [
        f"{name}=={KERNEL_WHEELS[name]}"
        for name, prefix in wanted.items()
        if not any(p.name.lower().startswith(prefix.lower()) for p in cache.glob("*.whl"))
    ]
    if missing:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
            + ["--python-version", python, "--implementation", "py", "--abi", "none", "--platform", "any"]
            + ["--dest", str(cache), *missing],
            check=True,
        )
    return [
        next(p for p in cache.glob("*.whl") if p.name.lower().startswith(prefix.lower())) for prefix in wanted.values()
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", type=Path, default=ROOT / "build" / "dist")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "lite")
    ap.add_argument("--wheel-cache", type=Path, default=ROOT / "build" / "wheels" / "kernel")
    args = ap.parse_args()
    args.out = args.out.resolve()  # jupyter lite build runs in the site's source folder
    lock = json.loads((args.dist / "pyodide-lock.json").read_text())
    python = ".".join(lock["info"]["python"].split(".")[:2])
    with tempfile.TemporaryDirectory() as tmp:
        lite = Path(tmp)
        pyodide = lite / "static" / "pyodide"
        pyodide.mkdir(parents=True)
        for path in args.dist.iterdir():
            if path.name.startswith(("pyodide", "python_stdlib")) or path.name == "package.json":
                shutil.copy2(path, pyodide / path.name)
        for package in lock["packages"].values():
            shutil.copy2(args.dist / package["file_name"], pyodide / package["file_name"])
        pypi = lite / "pypi"
        pypi.mkdir()
        shutil.copy2(args.dist / lock["packages"]["webllm-provider"]["file_name"], pypi)
        for wheel in kernel_wheels(args.wheel_cache, python):
            shutil.copy2(wheel, pypi)
        (lite / "jupyter-lite.json").write_text(json.dumps(CONFIG, indent=1))
        shutil.rmtree(args.out, ignore_errors=True)
        jupyter = Path(sys.executable).parent / "jupyter"
        subprocess.run(
            [str(jupyter), "lite", "build", "--lite-dir", str(lite), "--output-dir", str(args.out)],
            check=True,
            cwd=lite,
        )
    print(f"{args.out}: JupyterLite on the local Pyodide, with {len(KERNEL_WHEELS) + 1} wheels for piplite")


if __name__ == "__main__":
    main()
