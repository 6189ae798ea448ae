#!/usr/bin/env bash
# Makes Chromium available for the Web UI browser test (test/browser/): Debian's `chromium` package,
# driven by playwright-core, which never downloads a browser of its own. Idempotent: nothing to do
# when `chromium` (or CHROMIUM_PATH) is there. Installs with apt-get as root (or with sudo when it
# needs no password). When Chromium cannot be had, CI (CI=true) stops here; elsewhere this warns and
# the browser test fails, saying why. Progress goes to stderr.
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ]; then
  if [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
  echo "CHROMIUM_PATH is set to '$CHROMIUM_PATH', which is not an executable file." >&2
  exit 1
fi
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi

# Root installs; anyone else only through a sudo that asks for no password.
sudo=""
can_install=true
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else can_install=false; fi
fi
if $can_install && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the Web UI browser test (apt-get)..." >&2
  if $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2 &&
    command -v chromium >/dev/null 2>&1; then
    exit 0
  fi
fi

message="Chromium is missing, so the Web UI browser test (test/browser/) will fail. Install it with
'apt-get install -y chromium' (as root), or set CHROMIUM_PATH to a Chromium binary."
if [ "${CI:-}" = "true" ]; then
  echo "$message" >&2
  exit 1
fi
echo "warning: $message" >&2
