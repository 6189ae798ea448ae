#!/usr/bin/env bash
# Installs what a fresh clone lacks, idempotently: npm dependencies (from package-lock.json, only the
# npm registry), the Temporal CLI (scripts/ensure-temporal.sh), and the compiled TypeScript (dist/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 20 ]; then
  echo "Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

stamp="node_modules/.offboarding-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing npm dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund >&2
  echo "$want" > "$stamp"
fi

bash scripts/ensure-temporal.sh >/dev/null

if [ "${SETUP_SKIP_BUILD:-}" != "1" ]; then
  echo "Compiling TypeScript..." >&2
  npx --no-install tsc -p tsconfig.build.json
  node dist/worker/bundle-workflows.js --if-stale
fi
