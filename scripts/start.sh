#!/usr/bin/env bash
# README's first command (`npm start`): set up what is missing, then run the local stack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec node dist/scripts/stack.js "$@"
