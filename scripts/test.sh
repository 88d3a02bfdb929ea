#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the C++ units (also under ASan/UBSan), then the
# integration suites that drive a running server with boto3, the AWS CLI and the Node.js SDK (also against a
# server built with ASan/UBSan), then every fuzz target for a bounded time (DDB_FUZZ_SECONDS, default 15).
# DDB_ENDPOINT=http://host:port runs the integration suites against that server instead of starting one
# (DDB_TARGET=dynamodb-local marks it as Amazon's DynamoDB Local, which skips the service-only checks).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh

echo "== unit tests"
(cd build && ctest --output-on-failure -j "$(nproc)")

echo "== unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
export CCACHE_NOHASHDIR=1 CCACHE_BASEDIR="$PWD"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
[ -f build-asan/CMakeCache.txt ] && generator=()
cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DDDB_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$(nproc)" --target unit_tests ddblocal
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
build-asan/tests/unit/unit_tests --gtest_brief=1

echo "== integration tests (boto3, AWS CLI)"
/usr/bin/python3 -m pytest -q tests/integration/python

echo "== integration tests (Node.js SDK v3)"
node --test tests/integration/node/

if [ -z "${DDB_ENDPOINT:-}" ]; then
  # The same suites against the server built with ASan/UBSan: a report makes the server exit non-zero, which
  # the suites check when they stop it.
  echo "== integration tests against the ASan/UBSan server"
  DDB_BINARY="$PWD/build-asan/ddblocal" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration/python
  DDB_BINARY="$PWD/build-asan/ddblocal" node --test tests/integration/node/
fi

# Every libFuzzer target for a bounded time (longer: scripts/fuzz.sh --seconds N or --runs N).
echo "== fuzzing (${DDB_FUZZ_SECONDS:-15} s per target)"
scripts/fuzz.sh --seconds "${DDB_FUZZ_SECONDS:-15}"
