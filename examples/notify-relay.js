// Receives the worker's signed run notifications (docs/operations.md, "Notifications"), checks the
// signature, and forwards one line of text to a Slack-style incoming webhook ({"text": ...}).
//   OFFBOARD_NOTIFY_SECRET_FILE=/run/secrets/notify CHAT_WEBHOOK_URL=https://hooks.slack.com/services/... \
//     node examples/notify-relay.js      # then OFFBOARD_NOTIFY_URL=http://<this host>:8790/ for the worker
// Answers 204 when forwarded, 401 for a bad or stale signature, 502 when the chat service fails (the
// worker's activity retries then). Node 20+, no dependencies.
'use strict';
const { createHmac, timingSafeEqual } = require('node:crypto');
const { readFileSync } = require('node:fs');
const http = require('node:http');

const env = process.env;
const secret = env.OFFBOARD_NOTIFY_SECRET_FILE
  ? readFileSync(env.OFFBOARD_NOTIFY_SECRET_FILE, 'utf8').replace(/\r?\n$/, '')
  : env.OFFBOARD_NOTIFY_SECRET;
if (!secret || !env.CHAT_WEBHOOK_URL)
  throw new Error('set OFFBOARD_NOTIFY_SECRET(_FILE) and CHAT_WEBHOOK_URL');

function signedBy(req, body) {
  const timestamp = String(req.headers['x-offboarding-timestamp'] ?? '');
  const hex = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  const expected = Buffer.from(`v1=${hex}`);
  const given = Buffer.from(String(req.headers['x-offboarding-signature'] ?? ''));
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300; // no replays after 5 minutes
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    if (req.method !== 'POST' || !signedBy(req, body)) return res.writeHead(401).end();
    const n = JSON.parse(body.toString('utf8'));
    const text =
      `Offboarding ${n.requestId}: ${n.phase}. ${n.reason} (${n.remaining} of ${n.leavers} leavers not cut off` +
      `${n.deadline ? `, deadline ${n.deadline}` : ''}) ${n.link}`;
    const sent = await fetch(env.CHAT_WEBHOOK_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(5000),
    }).catch(() => undefined);
    res.writeHead(sent?.ok ? 204 : 502).end();
  });
});
server.listen(Number(env.RELAY_PORT ?? 8790), env.RELAY_HOST ?? '127.0.0.1', () =>
  console.log(`notify-relay: listening on port ${server.address().port}`),
);
