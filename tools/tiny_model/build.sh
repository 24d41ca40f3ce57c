#!/bin/bash
# Rebuild tests/fixtures/tiny-model from pinned sources (see README.md in this folder).
#
#   tools/tiny_model/build.sh SCRATCH_DIR MLC_LLM_CHECKOUT TVM_CHECKOUT
#
# MLC_LLM_CHECKOUT: github.com/mlc-ai/mlc-llm at commit 79d603f0 (this script edits it).
# TVM_CHECKOUT:     github.com/apache/tvm at tag v0.26.0 (only headers are read from it).
# Needs Debian's emscripten (emcc 3.1.6), Python 3.11, a network to PyPI/npm, and in
# TRAIN_PYTHON a Python with this project's `train` extra and `npm ci` done in the checkout.
# Takes about 35 minutes on 2 cores: 5 compiling, 30 training.
set -euo pipefail
scratch=$(realpath -m "$1"); mlc=$(realpath "$2"); tvm_src=$(realpath "$3"); : "${TRAIN_PYTHON:?a Python with the train extra}"
here=$(dirname "$(realpath "$0")")
fixture=$(realpath "$here/../../tests/fixtures/tiny-model")
model=tiny-llama-q0f32
mkdir -p "$scratch" && cd "$scratch"

# Pinned tools: apache-tvm 0.27 drops relax.DataTypeImm, which mlc-llm uses.
python3 -m venv venv
venv/bin/pip install --quiet apache-tvm==0.26.0 apache-tvm-ffi==0.1.15.post2 \
    tokenizers==0.23.3 numpy ml_dtypes pydantic shortuuid tqdm requests safetensors
site=$(venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

# 1. TVM's web runtime as LLVM bitcode, from the wheel's own sources plus the
#    headers the wheel leaves out (include/tvm/support, src/support, builtin_fp16.h).
tvm_home=$scratch/tvm-home
rm -rf "$tvm_home" && mkdir -p "$tvm_home/3rdparty/tvm-ffi" "$tvm_home/src" "$tvm_home/3rdparty/compiler-rt"
cp -r "$site/tvm/include" "$tvm_home/include"
cp -r "$site/tvm/src/runtime" "$tvm_home/src/runtime"
cp -r "$site/tvm/web" "$tvm_home/web"
for part in include src 3rdparty; do cp -r "$site/tvm_ffi/$part" "$tvm_home/3rdparty/tvm-ffi/$part"; done
cp -r "$tvm_src/include/tvm/support" "$tvm_home/include/tvm/support"
cp -r "$tvm_src/src/support" "$tvm_home/src/support"
cp "$tvm_src/3rdparty/compiler-rt/builtin_fp16.h" "$tvm_home/3rdparty/compiler-rt/"
make -C "$tvm_home/web" -j2 dist/wasm/wasm_runtime.bc dist/wasm/tvmjs_support.bc dist/wasm/webgpu_runtime.bc
(cd "$mlc/web" && mkdir -p dist/wasm && emcc -O3 -std=c++17 -emit-llvm -c -o dist/wasm/mlc_wasm_runtime.bc emcc/mlc_wasm_runtime.cc)

# 2. mlc-llm's Python package, adapted to compile here without its C++ library.
venv/bin/python "$here/mlc_llm_compat.py" "$mlc"
export SKIP_LOADING_MLCLLM_SO=1 PYTHONPATH=$mlc/python TVM_HOME=$tvm_home MLC_LLM_SOURCE_DIR=$mlc
# Without the C++ library mlc-llm cannot detect the tokenizer's kind: it is byte-level BPE.
mlc_llm() {
    venv/bin/python - "$@" <<'PY'
import sys
from mlc_llm.tokenizers import tokenizers
tokenizers.Tokenizer.detect_tokenizer_info = staticmethod(
    lambda _path: tokenizers.TokenizerInfo(
        token_postproc_method="byte_level", prepend_space_in_encode=False, strip_space_in_decode=False
    )
)
from mlc_llm.__main__ import main
sys.argv = ["mlc_llm", *sys.argv[1:]]
main()
PY
}

# 3. Tokenizer and config, then the chat config (with the tool role WebLLM's native tool path
#    writes tool results in), then the trained weights (train.py: PyTorch, the `train` extra).
venv/bin/python "$here/tokenizer.py" hf
rm -rf "$model-MLC"
mlc_llm gen_config ./hf --quantization q0f32 --conv-template chatml \
    --context-window-size 1024 --prefill-chunk-size 128 --max-batch-size 1 -o "$model-MLC"
venv/bin/python - "$model-MLC/mlc-chat-config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["conv_template"]["roles"]["tool"] = "<|im_start|>tool"
json.dump(config, open(path, "w"), indent=2)
PY
(cd "$here/../.." && "$TRAIN_PYTHON" -m tools.tiny_model.train "$scratch/$model-MLC")  # about 30 minutes

# 4. The WebGPU library, the WGSL access fix-up Chrome needs, and the merge kernel's barrier.
mlc_llm compile "$model-MLC/mlc-chat-config.json" --device webgpu -o "$model-webgpu.wasm"
venv/bin/python "$here/wgsl_access.py" "$model-webgpu.wasm"
venv/bin/python "$here/wgsl_merge_state.py" "$model-webgpu.wasm"

# 5. Into the fixture, with a new manifest.
rm -rf "${fixture:?}/$model-MLC" && mkdir -p "$fixture/$model-MLC"
cp "$model-MLC"/{mlc-chat-config.json,tokenizer.json,tokenizer_config.json,tensor-cache.json,params_shard_0.bin} "$fixture/$model-MLC/"
cp "$model-webgpu.wasm" "$fixture/"
(cd "$fixture" && sha256sum "$model-webgpu.wasm" "$model-MLC"/* > SHA256SUMS)
echo "rebuilt $fixture"
