#!/usr/bin/env bash
# Installs what ddblocal needs to build (and, with --test, to run its tests), skipping what is present.
# Debian bookworm packages through apt; the Node.js SDK through npm (into tests/integration/node).
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

packages=(g++ cmake ninja-build ccache pkg-config zlib1g-dev libboost-dev librocksdb-dev libsimdjson-dev libspdlog-dev)
[ $want_tests = 1 ] && packages+=(libgtest-dev python3 python3-boto3 python3-pytest awscli nodejs npm curl clang libclang-rt-14-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere than Debian (e.g. a preinstalled Node); a working binary is enough.
if [ ${#missing[@]} -gt 0 ]; then
  filtered=()
  for p in "${missing[@]}"; do
    case "$p" in
      nodejs) command -v node >/dev/null || filtered+=("$p") ;;
      npm) command -v npm >/dev/null || filtered+=("$p") ;;
      g++) command -v g++ >/dev/null || filtered+=("$p") ;;
      cmake) command -v cmake >/dev/null || filtered+=("$p") ;;
      ninja-build) command -v ninja >/dev/null || filtered+=("$p") ;;
      *) filtered+=("$p") ;;
    esac
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ $want_tests = 1 ]; then
  node_dir=tests/integration/node
  if [ ! -d "$node_dir/node_modules/@aws-sdk/client-dynamodb" ] || [ ! -d "$node_dir/node_modules/@aws-sdk/lib-dynamodb" ]; then
    echo "installing the Node.js SDK into $node_dir"
    (cd "$node_dir" && npm install --no-audit --no-fund --silent)
  fi
fi
