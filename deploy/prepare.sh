#!/bin/sh
# Creates what a first `docker compose up` needs and git does not hold: .env (from .env.example), the
# env files in deploy/env/ (from their examples) and the secret files in deploy/secrets/. Never
# overwrites a file that exists, and never prints a secret. Secrets we own are random; the vendors' credentials come from WPS and Authing:
#
#   deploy/prepare.sh            production: asks you to put the two vendor secrets in place
#   deploy/prepare.sh --sandbox  sandbox: also makes up vendor credentials for the simulators, and
#                                a new .env selects the simulators (COMPOSE_PROFILES, WORKER_ENV_FILE)
set -eu
cd "$(dirname "$0")"

sandbox=false
[ "${1:-}" = "--sandbox" ] && sandbox=true

random() { # $1 bytes of randomness, base64 without padding or line breaks
  head -c "$1" /dev/urandom | base64 | tr -d '\n='
}

umask 077
mkdir -p secrets
chmod 700 secrets

put() { # put NAME VALUE: writes secrets/NAME unless it exists
  if [ -e "secrets/$1" ]; then
    echo "kept     secrets/$1"
  else
    printf '%s\n' "$2" > "secrets/$1"
    echo "created  secrets/$1"
  fi
  # The containers read the files as their own users through a bind mount: the folder guards them.
  chmod 444 "secrets/$1"
}

put postgres-password "$(random 24)"
put codec-server-token "$(random 32)"
put hr-webhook-secret "$(random 32)"
# One AES-256 key, as codec/generate-key.ts makes it: an id of the month and 32 random bytes.
put payload-codec-keys "k$(date -u +%Y-%m):$(head -c 32 /dev/urandom | base64 | tr -d '\n')"

if $sandbox; then
  put wps-app-key "sandbox-$(random 18)"
  put authing-access-key-secret "sandbox-$(random 18)"
else
  for name in wps-app-key authing-access-key-secret; do
    if [ -e "secrets/$name" ]; then
      chmod 444 "secrets/$name"
      echo "kept     secrets/$name"
    else
      echo "MISSING  secrets/$name: put the credential from the vendor there (one line), then chmod 444"
    fi
  done
fi

for name in worker webhook ui; do
  if [ -e "env/$name.env" ]; then
    echo "kept     env/$name.env"
  else
    cp "env/$name.env.example" "env/$name.env"
    echo "created  env/$name.env (from env/$name.env.example)"
  fi
done
if [ -e ../.env ]; then
  echo "kept     .env"
elif $sandbox; then
  # The sandbox switch: the simulators' profile and the worker settings that point at them.
  sed -e 's/^#COMPOSE_PROFILES=sandbox$/COMPOSE_PROFILES=sandbox/' \
    -e 's|^#WORKER_ENV_FILE=deploy/env/worker.sandbox.env$|WORKER_ENV_FILE=deploy/env/worker.sandbox.env|' \
    ../.env.example > ../.env
  echo "created  .env (from .env.example, sandbox on)"
else
  cp ../.env.example ../.env
  echo "created  .env (from .env.example)"
fi
