#!/bin/sh
# One-shot, in the temporalio/admin-tools image, once the server answers: the namespace and the four
# custom search attributes the offboarding workflow sets (workflows/search-attributes.ts). Safe to
# run again: what exists is left as it is.
set -eu

: "${TEMPORAL_ADDRESS:?}"
ns="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-30d}"

echo "waiting for the Temporal server at $TEMPORAL_ADDRESS"
tries=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" 2>/dev/null | grep -q SERVING; do
  tries=$((tries + 1))
  [ "$tries" -ge 90 ] && { echo "the Temporal server did not become healthy" >&2; exit 1; }
  sleep 2
done

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$ns" >/dev/null 2>&1; then
  echo "namespace $ns exists"
else
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$ns" --retention "$retention"
  echo "created namespace $ns (retention $retention)"
fi

# A new namespace reaches every server role within seconds (their namespace caches refresh).
tries=0
until existing="$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$ns" 2>/dev/null)"; do
  tries=$((tries + 1))
  [ "$tries" -ge 30 ] && { echo "namespace $ns is not visible to the server" >&2; exit 1; }
  sleep 2
done
for pair in OffboardingRequestId:Keyword OffboardingPhase:Keyword OffboardingLeaverCount:Int OffboardingFailedCount:Int OffboardingNotFoundCount:Int OffboardingRunKind:Keyword; do
  name="${pair%%:*}"
  type="${pair##*:}"
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$ns" \
      --name "$name" --type "$type"
    echo "created search attribute $name ($type)"
  fi
done
