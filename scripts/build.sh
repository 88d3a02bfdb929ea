#!/usr/bin/env bash
# Configures and builds ddblocal into ./build (ccache is used when present, and keeps hitting across clones).
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_NOHASHDIR=1 CCACHE_BASEDIR="$PWD"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# Configure every time (it is quick): a configure that failed before, or packages installed since, are
# picked up. The generator of an existing build folder is kept.
[ -f build/CMakeCache.txt ] && generator=()
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build -j "$(nproc)"
