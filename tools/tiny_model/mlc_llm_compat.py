#!/usr/bin/env python3
"""Step 2 of the tiny model: adapt a checkout of mlc-llm's Python package to compile here.

    python tools/tiny_model/mlc_llm_compat.py MLC_LLM_CHECKOUT

mlc-llm (github.com/mlc-ai/mlc-llm, commit 79d603f0) is not on PyPI and is
written against a TVM newer than PyPI's apache-tvm 0.26.0 in places and older
in others; its C++ library cannot be built here. This edits the checkout in
place so that ``python -m mlc_llm gen_config`` and ``compile --device webgpu``
run on apache-tvm 0.26.0 with no C++ library, and so that the sampler kernels
work on a CPU WebGPU adapter (SwiftShader):

1. ``mlc_llm/__init__.py``: compile only (no serve engine, no libmlc_llm);
   ``mlc.*`` object types are not registered, as their C++ side is absent;
   ``relax.Var.name_hint`` is aliased to ``.name`` (renamed in TVM 0.26).
2. ``low_batch_specialization`` and ``lift_global_buffer_alloc`` skip the
   PrimFuncs that no longer have ``buffer_map`` (optimisations only).
3. ``attach_sampler``: ``argsort_probs`` becomes a rank-and-scatter kernel
   (TVM's GPU sort hangs on SwiftShader) and ``sample_with_top_p`` a one-thread
   scan per sample (TVM's GPU cumsum assumes lockstep threads and sums wrongly
   there, so the grammar's masked tokens got sampled). Both are O(V) or O(V^2)
   per token: right for a 1,024-token vocabulary, not for real models.

Each edit checks that the text it replaces is there, so a different commit
fails loudly instead of compiling something else. Run as written on a fresh
checkout of that commit, with apache-tvm 0.26.0 from PyPI (see README.md).
"""

import sys
from pathlib import Path

INIT = '''"""mlc_llm for compiling only: no serve engine, no C++ library (tools/tiny_model)."""

import tvm_ffi
import tvm_ffi.registry

_register_object = tvm_ffi.registry.register_object


def _register_available_object(type_key=None):
    if isinstance(type_key, str) and type_key.startswith("mlc."):
        return lambda cls: cls  # defined in libmlc_llm, which is not loaded
    return _register_object(type_key)


tvm_ffi.register_object = tvm_ffi.registry.register_object = _register_available_object

from tvm import relax  # noqa: E402

from .libinfo import __version__  # noqa: E402,F401

for _var in (relax.Var, relax.DataflowVar):
    if not hasattr(_var, "name_hint"):
        _var.name_hint = property(lambda self: self.name)
'''

SAMPLER_KERNELS = '''

@T.prim_func(private=True, s_tir=True)
def _rank_sort(var_probs: T.handle, var_sorted_probs: T.handle, var_sorted_indices: T.handle):
    """Descending argsort: each thread counts the entries ranked above its own and writes it there."""
    T.func_attr({"tirx.is_scheduled": True, "tirx.noalias": True})
    batch, vocab = T.int64(), T.int64()
    probs = T.match_buffer(var_probs, (batch, vocab), "float32")
    sorted_probs = T.match_buffer(var_sorted_probs, (batch, vocab), "float32")
    sorted_indices = T.match_buffer(var_sorted_indices, (batch, vocab), "int32")
    for block in T.thread_binding((vocab + T.int64(255)) // T.int64(256), thread="blockIdx.x"):
        for row in T.thread_binding(batch, thread="blockIdx.y"):
            for thread in T.thread_binding(T.int64(256), thread="threadIdx.x"):
                with T.sblock("rank"):
                    b = T.axis.spatial(batch, row)
                    v = T.axis.spatial(vocab, block * T.int64(256) + thread)
                    T.where(block * T.int64(256) + thread < vocab)
                    T.reads(probs[b, 0:vocab])
                    T.writes(sorted_probs[b, 0:vocab], sorted_indices[b, 0:vocab])
                    above = T.sblock_alloc_buffer((1,), "int32", scope="local")
                    above[0] = 0
                    for other in range(vocab):
                        if probs[b, other] > probs[b, v] or (probs[b, other] == probs[b, v] and other < v):
                            above[0] = above[0] + 1
                    sorted_probs[b, T.Cast("int64", above[0])] = probs[b, v]
                    sorted_indices[b, T.Cast("int64", above[0])] = T.Cast("int32", v)


@T.prim_func(private=True, s_tir=True)
def _scan_top_p(
    var_sorted_probs: T.handle,
    var_sorted_indices: T.handle,
    var_uniform_samples: T.handle,
    var_sample_indices: T.handle,
    var_top_p: T.handle,
    var_out: T.handle,
):
    """One thread per sample: the top-p mass, then the token where the running sum passes u * mass."""
    T.func_attr({"tirx.is_scheduled": True, "tirx.noalias": True})
    batch, vocab, samples = T.int64(), T.int64(), T.int64()
    sorted_probs = T.match_buffer(var_sorted_probs, (batch, vocab), "float32")
    sorted_indices = T.match_buffer(var_sorted_indices, (batch, vocab), "int32")
    uniform_samples = T.match_buffer(var_uniform_samples, (samples,), "float32")
    sample_indices = T.match_buffer(var_sample_indices, (samples,), "int32")
    top_p = T.match_buffer(var_top_p, (batch,), "float32")
    out = T.match_buffer(var_out, (samples,), "int32")
    for s in T.thread_binding(samples, thread="blockIdx.x"):
        for one in T.thread_binding(T.int64(1), thread="threadIdx.x"):
            with T.sblock("scan"):
                n = T.axis.spatial(samples, s + one)
                T.reads(
                    sorted_probs[0:batch, 0:vocab],
                    sorted_indices[0:batch, 0:vocab],
                    uniform_samples[n],
                    sample_indices[n],
                    top_p[0:batch],
                )
                T.writes(out[n])
                row = T.sblock_alloc_buffer((1,), "int32", scope="local")  # WebGPU has no int64
                total = T.sblock_alloc_buffer((2,), "float32", scope="local")  # running sum, top-p mass
                chosen = T.sblock_alloc_buffer((2,), "int32", scope="local")  # token, found
                row[0] = sample_indices[n]
                total[0] = T.float32(0)
                total[1] = T.float32(-1)
                for j in range(vocab):
                    if total[1] < T.float32(0):
                        total[0] = total[0] + sorted_probs[row[0], j]
                        if total[0] >= top_p[row[0]] or j + T.int64(1) == vocab:
                            total[1] = total[0]
                total[0] = T.float32(0)
                chosen[0] = sorted_indices[row[0], T.int64(0)]
                chosen[1] = 0
                for j in range(vocab):
                    if chosen[1] == 0:
                        total[0] = total[0] + sorted_probs[row[0], j]
                        if uniform_samples[n] * total[1] < total[0]:
                            chosen[0] = sorted_indices[row[0], j]
                            chosen[1] = 1
                out[n] = chosen[0]
'''

ARGSORT_BODY = """            out = bb.emit(
                relax.call_tir(
                    bb.add_func(_rank_sort, "rank_sort"),
                    [probs],
                    out_ty=[
                        relax.TensorType((batch_size, vocab_size), "float32"),
                        relax.TensorType((batch_size, vocab_size), "int32"),
                    ],
                )
            )
            output = bb.emit_output(out)
"""

TOP_P_BODY = """            result = bb.emit_output(
                relax.call_tir(
                    bb.add_func(_scan_top_p, "scan_top_p"),
                    [sorted_probs, sorted_indices, uniform_samples, sample_indices, top_p],
                    out_ty=relax.TensorType((num_samples,), "int32"),
                )
            )
"""


def between(text: str, start: str, end: str, replacement: str, where: str, after: str = "") -> str:
    """Replace from the line holding ``start`` (the first one past ``after``) up to,
    not including, the line holding ``end``."""
    i = text.find(start, text.find(after))
    j = text.find(end, i)
    if i < 0 or j < 0:
        sys.exit(f"{where}: {start!r} ... {end!r} not found; is this mlc-llm commit 79d603f0?")
    i = text.rfind("\n", 0, i) + 1
    j = text.rfind("\n", 0, j) + 1
    return text[:i] + replacement + text[j:]


def replace(text: str, old: str, new: str, where: str) -> str:
    if old not in text:
        sys.exit(f"{where}: {old!r} not found; is this mlc-llm commit 79d603f0?")
    return text.replace(old, new, 1)


def main():
    package = Path(sys.argv[1]) / "python" / "mlc_llm"
    (package / "__init__.py").write_text(INIT)

    path = package / "compiler_pass" / "low_batch_specialization.py"
    path.write_text(
        replace(
            path.read_text(),
            "if isinstance(func, tirx.PrimFunc):",
            'if isinstance(func, tirx.PrimFunc) and hasattr(func, "buffer_map"):',
            path.name,
        )
    )

    path = package / "compiler_pass" / "lift_global_buffer_alloc.py"
    path.write_text(
        replace(
            path.read_text(),
            "    assert isinstance(func.body, tirx.SBlockRealize)\n",
            '    if not hasattr(func, "buffer_map") or not isinstance(func.body, tirx.SBlockRealize):\n'
            "        return func, []  # nothing to lift in TVM 0.26's PrimFuncs\n",
            path.name,
        )
    )

    path = package / "compiler_pass" / "attach_sampler.py"
    text = path.read_text()
    text = replace(text, "\n\ndef _attach_argsort_func(", SAMPLER_KERNELS + "\n\ndef _attach_argsort_func(", path.name)
    text = between(
        text, "sorted_indices = bb.emit(relax.op.argsort(", "gv = bb.emit_func_output(output)", ARGSORT_BODY, path.name
    )
    # TVM 0.26 passes scalar arguments before the output buffer.
    text = replace(
        text,
        "def full(var_result: T.handle, value: T.int32):",
        "def full(value: T.int64, var_result: T.handle):",
        path.name,
    )
    text = replace(text, "result[vi, 0] = value", 'result[vi, 0] = T.Cast("int32", value)', path.name)
    text = between(
        text,
        "sample_shape = relax.ShapeExpr([num_samples, 1])",
        "gv = bb.emit_func_output(result)",
        TOP_P_BODY,
        path.name,
        after="def _attach_sample_with_top_p(",
    )
    path.write_text(text)
    print(f"{package}: adapted")


if __name__ == "__main__":
    main()
