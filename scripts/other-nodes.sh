#!/usr/bin/env bash
# Smoke test on the other supported Node.js versions (22 and 24 LTS; CI's Node is
# 20.19). Each is the `node` package from the npm registry, installed under
# node_modules/.cache. Runs kura --help from dist/ and a few test files that
# cover the log core, the server on PGlite (fastify inject) and the CLI's entry point.
# Usage: scripts/other-nodes.sh [MAJOR...]   (default: 22 24)
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
versions=("$@")
[ "${#versions[@]}" -gt 0 ] || versions=(22 24)
for major in "${versions[@]}"; do
  prefix="node_modules/.cache/kura-node-$major"
  bin="$prefix/node_modules/node/bin/node"
  if [ ! -x "$bin" ]; then
    npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel error "node@$major" >/dev/null
  fi
  echo "== Node $("$bin" --version)"
  "$bin" bin/kura.js --help | head -n1
  "$bin" scripts/run-tests.mjs test/log/merkle test/log/note test/server/http-guards test/cli/bin-during-build
done
