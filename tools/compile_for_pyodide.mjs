/**
 * Compiles a folder's Python modules with Pyodide's own Python:
 * `node tools/compile_for_pyodide.mjs <folder>` writes each module's
 * `__pycache__/<name>.cpython-3XX.pyc`. Bytecode is read only by the Python
 * version that wrote it, so it comes from Pyodide's Python (npm's pyodide),
 * not from the build machine's. Each file is checked against its source's
 * hash, not its modification time (a wheel's files keep none that Python can
 * trust). tools/build_pyodide_dist.py adds them to the wheel, so that Pyodide
 * imports the package without compiling it first.
 */
import path from "node:path";
import { loadPyodide } from "pyodide";

const [folder] = process.argv.slice(2);
if (!folder) throw new Error("usage: node tools/compile_for_pyodide.mjs <folder>");
const pyodide = await loadPyodide();
pyodide.FS.mkdirTree("/compile");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(folder) }, "/compile");
pyodide.runPython(`
import compileall, py_compile, sys
if not compileall.compile_dir("/compile", quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH):
    sys.exit("compile_for_pyodide: a module did not compile")
`);
