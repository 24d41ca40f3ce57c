#!/usr/bin/env python3
"""Step 5 of the tiny model: make the attention merge kernel correct on GPUs that do not run threads in lockstep.

    python tools/tiny_model/wgsl_merge_state.py LIBRARY.wasm

A prompt longer than one prefill chunk (128 tokens) is prefilled chunk by
chunk: each later chunk attends to the KV cache and to itself separately, and
``tir_attention_merge_state`` merges the two partial results with their
log-sum-exps. apache-tvm 0.26 generates it with 8 threads per (token, head)
that each read the shared log-sum-exp ``S``, scale their 4 dimensions of the
output, and then all write the merged ``S`` back, with no barrier in between.
On a GPU whose 8 threads run in lockstep that is harmless; SwiftShader runs a
workgroup's invocations in groups of 4, so the second group read the ``S``
the first had already overwritten and scaled its dimensions wrongly. WebLLM's
first token then differed from a reference forward pass for every prompt
whose last chunk was not the first (tests/browser/test_tiny_model_prefill.py).

This inserts a ``workgroupBarrier()`` between the reads and the writes (a
workgroup holds whole (token, head) rows, and every thread reaches it), and
keeps the source's length by spelling out the kernel's vector loads as
scalar ones, so no offset in the wasm moves.
"""

import re
import sys

from wgsl_access import patch_in_place, shaders

KERNEL = b"tir_attention_merge_state_kernel"
LAST_READ = b"  s_other_val[0i] = S_other_ptr[((v__1 * podArgs.H) + i32(threadIdx.y))];\n"
BARRIER = b"  workgroupBarrier();  // every thread has read S before any writes it\n"
# vec4<f32>(X[i + 0], X[i + 1], X[i + 2], X[i + 3])[k] is X[i + k]
VECTOR_LOAD = re.compile(rb"vec4<f32>\((\w+)\[(\w+) \+ 0\], \1\[\2 \+ 1\], \1\[\2 \+ 2\], \1\[\2 \+ 3\]\)\[(\d)\]")
VECTOR_OF_LOCALS = re.compile(rb"vec4<f32>\((\w+)\[0i \+ 0\], \1\[0i \+ 1\], \1\[0i \+ 2\], \1\[0i \+ 3\]\)\[(\d)\]")


def fixed(source: bytes) -> bytes:
    if BARRIER in source:
        return source
    if source.count(LAST_READ) != 1:
        sys.exit(f"{KERNEL.decode()}: not the kernel apache-tvm 0.26 generates; nothing changed")
    shorter = VECTOR_LOAD.sub(rb"\1[\2 + \3]", source)
    shorter = VECTOR_OF_LOCALS.sub(rb"\1[\2]", shorter)
    shorter = shorter.replace(LAST_READ, LAST_READ + BARRIER)
    if len(shorter) > len(source):
        sys.exit(f"{KERNEL.decode()}: the fixed kernel does not fit in the old one's place")
    return shorter + b" " * (len(source) - len(shorter))


def patch(wasm: bytearray) -> bool:
    for name, start, end in shaders(bytes(wasm)):
        if name == KERNEL:
            before = bytes(wasm[start:end])
            wasm[start:end] = fixed(before)
            return wasm[start:end] != before
    sys.exit(f"no {KERNEL.decode()} in the library")


def main():
    patch_in_place(patch, lambda changed: f"{KERNEL.decode()} {'fixed' if changed else 'was already fixed'}")


if __name__ == "__main__":
    main()
