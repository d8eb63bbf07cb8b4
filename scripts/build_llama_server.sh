#!/usr/bin/env bash
# Builds llama.cpp's `llama-server` (parallel slots, continuous batching) from the
# llama.cpp sources that ship inside the llama-cpp-python sdist on the package registry,
# the same version the project pins. Optional: only the scale-out setup and
# scripts/throughput.py use it. About 5 minutes on 2 cores.
#
#   scripts/build_llama_server.sh            # -> ~/.cache/articlebot/llama-server/bin/llama-server
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(grep -m1 -oE 'llama-cpp-python\[server\]==[0-9.]+' pyproject.toml | cut -d= -f3)
out="${XDG_CACHE_HOME:-$HOME/.cache}/articlebot/llama-server"
if [ -x "$out/bin/llama-server" ]; then echo "$out/bin/llama-server"; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python -m pip download --quiet --no-deps --no-binary :all: -d "$work" "llama-cpp-python==$version"
tar -xzf "$work"/llama_cpp_python-"$version".tar.gz -C "$work"
src="$work/llama_cpp_python-$version/vendor/llama.cpp"
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DBUILD_SHARED_LIBS=OFF >/dev/null
cmake --build "$work/build" --target llama-server -j "$(nproc)" >/dev/null
mkdir -p "$out/bin"
cp "$work/build/bin/llama-server" "$out/bin/"
echo "$out/bin/llama-server"
