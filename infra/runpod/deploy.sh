#!/usr/bin/env bash
# Creates or updates the RunPod serverless templates and endpoints described
# in endpoints.json, through the RunPod REST API. Idempotent: an existing
# template/endpoint with the same name is updated (PATCH), never duplicated.
#
#   RUNPOD_API_KEY=... DOCTOWN_IMAGE_PREFIX=ghcr.io/you DOCTOWN_IMAGE_TAG=v1 \
#   DOCTOWN_S3_BUCKET=... (and the other shared_env variables) ./deploy.sh [--dry-run]
#
# Needs curl, jq and envsubst. Prints each endpoint's id; put them in the
# dispatcher's DOCTOWN_RUNPOD_ENDPOINT_<STAGE> variables.
set -euo pipefail

API="${RUNPOD_REST_API:-https://rest.runpod.io/v1}"
HERE="$(cd "$(dirname "$0")" && pwd)"
DRY_RUN=0
[ "${1:-}" = "--dry-run" ] && DRY_RUN=1
: "${RUNPOD_API_KEY:?set RUNPOD_API_KEY}"
: "${DOCTOWN_IMAGE_PREFIX:?set DOCTOWN_IMAGE_PREFIX (registry/namespace of the images)}"
: "${DOCTOWN_IMAGE_TAG:=latest}"
: "${RUNPOD_REGISTRY_AUTH_ID:=}"
export DOCTOWN_IMAGE_PREFIX DOCTOWN_IMAGE_TAG RUNPOD_REGISTRY_AUTH_ID

for tool in curl jq envsubst; do
    command -v "$tool" >/dev/null || { echo "deploy.sh: $tool is required" >&2; exit 1; }
done

spec="$(envsubst < "$HERE/endpoints.json")"

call() { # METHOD PATH [BODY]
    if [ "$DRY_RUN" = 1 ] && [ "$1" != GET ]; then
        echo "DRY RUN: $1 $API$2 ${3:-}" >&2
        echo '{"id":"dry-run"}'
        return
    fi
    curl -fsS -X "$1" "$API$2" -H "Authorization: Bearer $RUNPOD_API_KEY" \
        -H 'Content-Type: application/json' ${3:+--data "$3"}
}

# The shared environment, from this shell (only variables that are set).
shared_env="$(echo "$spec" | jq -r '.shared_env[]' | while read -r name; do
    if [ -n "${!name:-}" ]; then jq -n --arg k "$name" --arg v "${!name}" '{($k): $v}'; fi
done | jq -s 'add // {}')"

templates="$(call GET /templates)"
endpoints="$(call GET /endpoints)"

echo "$spec" | jq -c '.endpoints[]' | while read -r e; do
    name="$(echo "$e" | jq -r .name)"
    env="$(echo "$e" | jq --argjson shared "$shared_env" '$shared + .env')"
    template_body="$(echo "$e" | jq --argjson env "$env" --arg auth "$RUNPOD_REGISTRY_AUTH_ID" '{
        name: (.name + "-template"), imageName: .image, isServerless: true,
        containerDiskInGb: .containerDiskInGb, env: $env
    } + (if $auth != "" then {containerRegistryAuthId: $auth} else {} end)')"
    template_id="$(echo "$templates" | jq -r --arg n "$name-template" '[.[]? | select(.name == $n) | .id][0] // empty')"
    if [ -n "$template_id" ]; then
        call PATCH "/templates/$template_id" "$template_body" >/dev/null
    else
        template_id="$(call POST /templates "$template_body" | jq -r .id)"
    fi
    endpoint_body="$(echo "$e" | jq --arg t "$template_id" '{
        name, templateId: $t, computeType, workersMin, workersMax, idleTimeout, executionTimeoutMs,
        scalerType: "QUEUE_DELAY", scalerValue: 4
    } + (if .computeType == "GPU" then {gpuTypeIds, gpuCount, allowedCudaVersions} else {instanceIds} end)')"
    endpoint_id="$(echo "$endpoints" | jq -r --arg n "$name" '[.[]? | select(.name == $n) | .id][0] // empty')"
    if [ -n "$endpoint_id" ]; then
        call PATCH "/endpoints/$endpoint_id" "$endpoint_body" >/dev/null
    else
        endpoint_id="$(call POST /endpoints "$endpoint_body" | jq -r .id)"
    fi
    echo "$name $endpoint_id"
done
