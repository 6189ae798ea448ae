#!/usr/bin/env bash
# Signs a request file and posts it to the HR webhook, as an HR system would (docs/webhook.md).
#
#   HR_WEBHOOK_SECRET=... examples/send-hr-event.sh EVENT_ID request.json [URL]
#
# URL defaults to http://127.0.0.1:8787/hr/offboarding-events. Needs curl and node. The HMAC is
# computed by node reading the secret from the environment: `openssl dgst -hmac SECRET` would show
# the secret to anyone who lists processes.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: HR_WEBHOOK_SECRET=... $0 EVENT_ID request.json [URL]" >&2
  exit 2
fi
: "${HR_WEBHOOK_SECRET:?set HR_WEBHOOK_SECRET to the shared secret of the webhook}"
event_id=$1
file=$2
url=${3:-http://127.0.0.1:8787/hr/offboarding-events}

timestamp=$(date +%s)
# The signature covers "<timestamp>.<body>" byte for byte: send the file exactly as signed.
signature=$(
  HR_TIMESTAMP=$timestamp node -e '
    const { createHmac } = require("node:crypto");
    const body = require("node:fs").readFileSync(process.argv[1]);
    const hmac = createHmac("sha256", process.env.HR_WEBHOOK_SECRET);
    process.stdout.write(hmac.update(process.env.HR_TIMESTAMP + ".").update(body).digest("hex"));
  ' "$file"
)
curl --silent --show-error \
  -H 'Content-Type: application/json' \
  -H "X-HR-Event-Id: $event_id" \
  -H "X-HR-Timestamp: $timestamp" \
  -H "X-HR-Signature: v1=$signature" \
  --data-binary "@$file" \
  "$url"
echo
