#!/usr/bin/env bash
# The one test command (README: `pnpm test`). It does its own set-up so that a fresh machine with only
# Node and npm can run it: dependencies, redis-server (tests spawn private instances on free ports), build.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "[test] redis-server is missing: installing it with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  else
    echo "[test] redis-server is required by the integration tests and is not installed." >&2
    echo "[test] Install it first, e.g.: sudo apt-get install redis-server   (macOS: brew install redis)" >&2
    exit 1
  fi
fi

# pnpm itself: whatever runs this script (pnpm test, npx pnpm@10 test) is fine; fall back to npx.
if [ -n "${npm_execpath:-}" ] && [[ "${npm_execpath}" == *pnpm* ]]; then
  PNPM=(node "$npm_execpath")
elif command -v pnpm >/dev/null 2>&1; then
  PNPM=(pnpm)
else
  PNPM=(npx -y pnpm@10.34.8)
fi
"${PNPM[@]}" install --frozen-lockfile --prefer-offline
# One tsc process (TypeScript 7, the native compiler: see pnpm-workspace.yaml) builds every package once (project
# references, in dependency order) and type-checks the tests, vitest configs, e2e and bench against the built
# declarations. eslint (syntax rules only, no type information) and the formatter check (`pnpm format` fixes what
# it finds) read nothing tsc writes: all three run at once.
node node_modules/typescript-native/bin/tsc -b tsconfig.test.json &
tsc_pid=$!
"${PNPM[@]}" exec eslint . --quiet &
eslint_pid=$!
"${PNPM[@]}" exec prettier --check . --log-level warn &
prettier_pid=$!
failed=""
wait "$tsc_pid" || failed="$failed tsc"
wait "$eslint_pid" || failed="$failed eslint"
wait "$prettier_pid" || failed="$failed prettier"
[ -z "$failed" ] || { echo "[test] failed:$failed (see above)" >&2; exit 1; }
node scripts/copy-assets.mjs
# Every package's suite, two at a time, the longest first (see scripts/run-tests.mjs); ends with one tally line.
exec node scripts/run-tests.mjs --concurrency 2
