#!/usr/bin/env python3
"""Step 4 of the tiny model: make the compiled library's unwritten storage buffers read-only.

    python tools/tiny_model/wgsl_access.py LIBRARY.wasm

apache-tvm 0.26's WebGPU code generator declares every storage buffer
``read_write``. Chrome's WGSL uniformity analysis treats a load from
read_write storage as non-uniform, so a shader that calls workgroupBarrier()
in a loop bounded by such a load (the attention prefill kernel) fails to
compile. For each shader in the wasm's data, this rewrites the declarations of
buffers the shader never writes to ``read`` (padded to the same length, so no
offset in the wasm moves) and sets the matching flags of the shader's
``paramWriteAccess:[...]`` launch tag, which WebLLM's runtime uses to choose
the binding type.
"""

import re
import struct
import sys
from pathlib import Path

SHADER = b"//----------------------------------------\n// Function: "
READ_WRITE, READ_ONLY = b"read_write>", b"read>      "  # the same length
DECLARATION = re.compile(rb"@group\(0\) @binding\((\d+)\) var<storage, (read_write>|read>      ) ?(\w+) : ")
TAG = b"paramWriteAccess:["


def is_written(source: bytes, name: bytes) -> bool:
    """A store ``name[...] = ...`` at the start of a line, or the buffer's address taken (atomics)."""
    if re.search(rb"&\s*" + name + rb"\b", source):
        return True
    for store in re.finditer(rb"(?m)^\s*" + name + rb"\[", source):
        depth, i = 1, store.end()
        while depth and i < len(source):
            depth += {ord("["): 1, ord("]"): -1}.get(source[i], 0)
            i += 1
        if re.match(rb"\s*=[^=]", source[i : i + 4]):
            return True
    return False


def shaders(wasm: bytes):
    """(name, start, end) of each WGSL shader's source in the wasm.

    The library's shader map stores each entry as a length-prefixed name and
    a length-prefixed source (little-endian u64 lengths); a rewrite must keep
    every source's length, or the map no longer parses.
    """
    start = wasm.find(SHADER)
    while start >= 0:
        name_end = wasm.find(b"\n", start + len(SHADER))
        (length,) = struct.unpack("<Q", wasm[start - 8 : start])
        yield wasm[start + len(SHADER) : name_end], start, start + length
        start = wasm.find(SHADER, start + length)


def patch(wasm: bytearray) -> int:
    made_read_only = 0
    for name, start, end in list(shaders(bytes(wasm))):
        source = bytes(wasm[start:end])
        flags = {}
        for declaration in DECLARATION.finditer(source):
            binding, buffer = int(declaration[1]), declaration[3]
            flags[binding] = is_written(source, buffer)
            if not flags[binding] and declaration[2] == READ_WRITE:
                at = start + declaration.start() + declaration[0].index(READ_WRITE)
                wasm[at : at + len(READ_WRITE)] = READ_ONLY
                made_read_only += 1
        # The function table names each shader twice in a row (length-prefixed), then its launch tag.
        key = struct.pack("<Q", len(name)) + name
        entry = wasm.find(key + key)
        if entry < 0 or not flags:
            continue
        tag = wasm.find(TAG, entry) + len(TAG)
        tag_end = wasm.find(b"]", tag)
        new = b",".join(b"1" if flags[b] else b"0" for b in sorted(flags))
        if len(new) != tag_end - tag:
            sys.exit(f"{name.decode()}: launch tag {bytes(wasm[tag:tag_end])!r} does not fit {new!r}")
        wasm[tag:tag_end] = new
    return made_read_only


def patch_in_place(patch, describe) -> None:
    """Run ``patch`` on the library named on the command line, keeping its size
    (the wasm's offsets must not move), and say what it did."""
    path = Path(sys.argv[1])
    wasm = bytearray(path.read_bytes())
    size = len(wasm)
    result = patch(wasm)
    assert len(wasm) == size
    path.write_bytes(wasm)
    print(f"{path}: {describe(result)}")


def main():
    patch_in_place(patch, lambda count: f"{count} storage buffers made read-only")


if __name__ == "__main__":
    main()
