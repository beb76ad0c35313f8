#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need, then runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-deps.sh
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
npx tsc -p tsconfig.node.json --noEmit
npx tsc -p tsconfig.web.json --noEmit
npx eslint .
npx prettier --check .
npx vitest run "$@"
