#!/usr/bin/env bash
# Installs what is missing, builds, and starts ddblocal on http://localhost:8000 with its RocksDB store in ./data.
# Extra arguments go to the server (e.g. --in-memory, --port 8001; see build/ddblocal --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/ddblocal --port 8000 --data-dir ./data "$@"
