#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz into ./build-fuzz (clang, ASan, UBSan; ccache when present),
# makes their seed corpora from the recorded requests of tests/integration/data, and runs every target for a
# bounded time. Fails when a target crashes (the input is saved under build-fuzz/crashes/<target>/).
#
#   scripts/fuzz.sh                    every target for 20 s
#   scripts/fuzz.sh --seconds 600      every target for 10 minutes
#   scripts/fuzz.sh --runs 1000000     every target for a million executions
#   scripts/fuzz.sh fuzz_number ...    only the named targets
#
# Corpora grow in build-fuzz/corpus/<target>/ from one run to the next (seeds stay in build-fuzz/seeds/).
# Reproduce a crash with: build-fuzz/tests/fuzz/<target> build-fuzz/crashes/<target>/crash-...
# FUZZ_JOBS=N limits the build's parallelism (default: every core).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
runs=
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    fuzz_*) targets+=("$1"); shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_number fuzz_item_codec fuzz_expressions fuzz_http fuzz_requests)

command -v clang++ >/dev/null && [ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] ||
  scripts/install-deps.sh --test

export CCACHE_NOHASHDIR=1 CCACHE_BASEDIR="$PWD"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
[ -f build-fuzz/CMakeCache.txt ] && generator=()
CC=clang CXX=clang++ cmake -S . -B build-fuzz "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDDB_FUZZ=ON \
  -DDDB_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "${FUZZ_JOBS:-$(nproc)}" --target "${targets[@]}"

rm -rf build-fuzz/seeds
python3 tests/fuzz/make_seeds.py build-fuzz/seeds >/dev/null

dictionary_of() {
  case "$1" in
    fuzz_expressions) echo tests/fuzz/expressions.dict ;;
    fuzz_requests|fuzz_item_codec) echo tests/fuzz/json.dict ;;
    fuzz_http) echo tests/fuzz/http.dict ;;
  esac
}

root=$PWD
failed=()
summary=()
for target in "${targets[@]}"; do
  corpus=$root/build-fuzz/corpus/$target crashes=$root/build-fuzz/crashes/$target log=$root/build-fuzz/logs/$target.log
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  args=(-print_final_stats=1 -artifact_prefix="$crashes/" -rss_limit_mb=4096 -timeout=60)
  if [ -n "$runs" ]; then args+=(-runs="$runs"); else args+=(-max_total_time="$seconds"); fi
  dict=$(dictionary_of "$target")
  [ -n "$dict" ] && args+=(-dict="$root/$dict")
  # The targets that keep an engine across inputs grow the heap on purpose: a leak check after every input that
  # allocated more than it freed would scan the whole store each time. Leaks are still checked at exit.
  case "$target" in fuzz_requests|fuzz_http) args+=(-detect_leaks=0) ;; esac
  echo "== $target"
  status=0
  # In the crash folder: fuzz_requests writes the inputs that led to a crash into its working directory.
  (cd "$crashes" && UBSAN_OPTIONS=print_stacktrace=1 "$root/build-fuzz/tests/fuzz/$target" "${args[@]}" "$corpus" \
    "$root/build-fuzz/seeds/$target") >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ $status -ne 0 ]; then
    failed+=("$target")
    summary+=("$target: CRASHED after ${execs:-?} executions (log: $log)")
    grep -E "^(==[0-9]+==ERROR|SUMMARY|fuzz invariant broken|artifact_prefix)" "$log" | head -5 || true
  else
    summary+=("$target: ${execs:-?} executions (${speed:-?}/s), no crash")
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashed: ${failed[*]}" >&2
  exit 1
fi
