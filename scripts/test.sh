#!/usr/bin/env bash
# README's second command (`npm test`): set up what is missing, then run every Jest test.
# Extra arguments go to Jest, e.g. `npm test -- test/unit`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# The Web UI browser test drives Debian's Chromium (apt-get install chromium when it is missing).
bash scripts/ensure-chromium.sh
exec npx --no-install jest "$@"
