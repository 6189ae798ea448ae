#!/usr/bin/env bash
# Signs a request file and posts it to the HR webhook, as an HR system would (docs/webhook.md).
#
#   HR_WEBHOOK_SECRET_FILE=/path/to/secret examples/send-hr-event.sh EVENT_ID request.json [URL]
#   HR_WEBHOOK_SECRET=... examples/send-hr-event.sh EVENT_ID request.json [URL]
#
# The secret comes from HR_WEBHOOK_SECRET_FILE (a file holding it; one trailing line break is
# ignored, as the webhook ignores it) or HR_WEBHOOK_SECRET, not both. Prefer the file: a secret typed
# into a command line stays in the shell's history. URL defaults to
# http://127.0.0.1:8787/hr/offboarding-events. Prints the answer, and its HTTP status on stderr;
# exits 0 only for a 2xx, 1 for any other answer, 2 for a usage error. Needs curl and node. The HMAC is computed by node,
# which reads the secret itself: `openssl dgst -hmac SECRET` would show the secret to anyone who
# lists processes.
set -euo pipefail

usage="usage: HR_WEBHOOK_SECRET_FILE=/path/to/secret $0 EVENT_ID request.json [URL]  (or HR_WEBHOOK_SECRET=...)"
if [[ $# -lt 2 ]]; then
  echo "$usage" >&2
  exit 2
fi
if [[ -n "${HR_WEBHOOK_SECRET_FILE:-}" && -n "${HR_WEBHOOK_SECRET:-}" ]]; then
  echo "set one of HR_WEBHOOK_SECRET_FILE and HR_WEBHOOK_SECRET, not both" >&2
  exit 2
fi
if [[ -z "${HR_WEBHOOK_SECRET_FILE:-}" && -z "${HR_WEBHOOK_SECRET:-}" ]]; then
  echo "set HR_WEBHOOK_SECRET_FILE (a file holding the webhook's shared secret) or HR_WEBHOOK_SECRET" >&2
  exit 2
fi
if [[ -n "${HR_WEBHOOK_SECRET_FILE:-}" && ! -r "$HR_WEBHOOK_SECRET_FILE" ]]; then
  echo "HR_WEBHOOK_SECRET_FILE: cannot read $HR_WEBHOOK_SECRET_FILE" >&2
  exit 2
fi
event_id=$1
file=$2
url=${3:-http://127.0.0.1:8787/hr/offboarding-events}

timestamp=$(date +%s)
# The signature covers "<timestamp>.<body>" byte for byte: send the file exactly as signed. The
# secret never passes through the shell or an argument: node reads the file or the environment.
signature=$(
  HR_TIMESTAMP=$timestamp node -e '
    const fs = require("node:fs");
    const { createHmac } = require("node:crypto");
    const secretFile = process.env.HR_WEBHOOK_SECRET_FILE;
    const secret = secretFile
      ? fs.readFileSync(secretFile, "utf8").replace(/\r?\n$/, "")
      : process.env.HR_WEBHOOK_SECRET;
    if (!secret) {
      process.stderr.write(`${secretFile ? "the file HR_WEBHOOK_SECRET_FILE names" : "HR_WEBHOOK_SECRET"} is empty\n`);
      process.exit(2);
    }
    const body = fs.readFileSync(process.argv[1]);
    const hmac = createHmac("sha256", secret);
    process.stdout.write(hmac.update(process.env.HR_TIMESTAMP + ".").update(body).digest("hex"));
  ' "$file"
)
# The webhook's answer on stdout, its HTTP status on stderr; any status but 2xx exits 1, so that a
# refused event (401 bad signature, 400, 413 ...) never passes for a sent one in a script.
answer=$(mktemp)
trap 'rm -f "$answer"' EXIT
status=$(curl --silent --show-error --output "$answer" --write-out '%{http_code}' \
  -H 'Content-Type: application/json' \
  -H "X-HR-Event-Id: $event_id" \
  -H "X-HR-Timestamp: $timestamp" \
  -H "X-HR-Signature: v1=$signature" \
  --data-binary "@$file" \
  "$url")
cat "$answer"
echo
echo "HTTP $status" >&2
case $status in
  2??) exit 0 ;;
  *) exit 1 ;;
esac
