#!/usr/bin/env bash
# Makes the Temporal CLI (which embeds the dev server) available and prints its path on stdout.
# Order: $TEMPORAL_CLI if set; `temporal` on PATH; the project-local .tools/bin/temporal; else
# build the pinned version there with `go install`. Idempotent; progress goes to stderr.
set -euo pipefail

TEMPORAL_CLI_VERSION="v1.5.1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools/bin"
local_cli="$tools/temporal"
marker="$tools/temporal.version"

if [ -n "${TEMPORAL_CLI:-}" ]; then
  if [ -x "$TEMPORAL_CLI" ]; then echo "$TEMPORAL_CLI"; exit 0; fi
  echo "TEMPORAL_CLI is set to '$TEMPORAL_CLI', which is not an executable file." >&2
  exit 1
fi

if on_path="$(command -v temporal 2>/dev/null)"; then
  echo "$on_path"
  exit 0
fi

if [ -x "$local_cli" ] && [ "$(cat "$marker" 2>/dev/null)" = "$TEMPORAL_CLI_VERSION" ]; then
  echo "$local_cli"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
The Temporal CLI is not installed, and Go is not available to build it.
Either:
  - install the Temporal CLI ${TEMPORAL_CLI_VERSION} and put 'temporal' on your PATH
    (or set TEMPORAL_CLI=/path/to/temporal), or
  - install Go (1.23 or newer) and run this again: it will build the CLI into .tools/bin with
    go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}
MSG
  exit 1
fi

# The build compiles the CLI and the whole Temporal server it embeds, and says nothing after Go's
# download lines: a line every TEMPORAL_BUILD_PROGRESS_SECONDS (30) shows it is still going.
started=$SECONDS
elapsed() {
  local s=$((SECONDS - started))
  if [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}
interval="${TEMPORAL_BUILD_PROGRESS_SECONDS:-30}"
cat >&2 <<MSG
Building the Temporal CLI ${TEMPORAL_CLI_VERSION} into .tools/bin with go install (first time only).
It compiles the CLI and the Temporal server it embeds from source: with a cold Go cache this takes
several minutes on a 2-core machine (seconds once Go's cache is warm). Progress every ${interval} s.
MSG
mkdir -p "$tools"
# sleep's output goes nowhere: killed mid-sleep, it must not hold our stderr open.
(while sleep "$interval" </dev/null >/dev/null 2>&1; do
  echo "still building the Temporal CLI: $(elapsed) elapsed" >&2
done) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
status=0
GOBIN="$tools" go install "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}" >&2 || status=$?
kill "$ticker" 2>/dev/null || true
wait "$ticker" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
  echo "Building the Temporal CLI failed after $(elapsed) (go install exited with $status); see Go's messages above." >&2
  exit "$status"
fi
echo "Built the Temporal CLI ${TEMPORAL_CLI_VERSION} in $(elapsed): $local_cli" >&2
echo "$TEMPORAL_CLI_VERSION" > "$marker"
echo "$local_cli"
