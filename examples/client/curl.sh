#!/usr/bin/env bash
# The same as submit-and-follow.ts with curl and jq: submit a `report` task, follow its events (Server-Sent
# Events) until `event: end`, approve the review it asks for, print the finished document.
set -euo pipefail

api="${TROUPE_API_URL:-http://127.0.0.1:3000}"
question="${1:-How do NATS JetStream consumers acknowledge messages?}"
auth=()
if [[ -n "${TROUPE_API_KEY:-}" ]]; then auth=(-H "Authorization: Bearer $TROUPE_API_KEY"); fi

# POST /v1/tasks answers 202 with the task's id and links. `humanReview: "always"`: the verdict waits for a person.
body=$(jq -n --arg q "$question" '{workflow: "report", input: {question: $q}, options: {humanReview: "always"}}')
id=$(curl -fsS "${auth[@]}" -H 'content-type: application/json' -d "$body" "$api/v1/tasks" | jq -r .id)
echo "submitted $id"

# Each event is `id:`, `event:` (its type) and `data:` (the event as JSON), then a blank line; lines starting
# with `:` keep the connection alive. After the task's final event the server sends `event: end` and closes.
# -N prints each event as it arrives instead of buffering.
type=''
while IFS= read -r line; do
  case "$line" in
    'event: end') break ;;
    'event: '*) type="${line#event: }" ;;
    'data: '*)
      if [[ "$type" == model.delta ]]; then continue; fi # streamed model output, a few words each
      step=$(jq -r '.stepKey // empty' <<<"${line#data: }")
      echo "$type${step:+ $step}"
      if [[ "$type" == review.requested ]]; then
        curl -fsS "${auth[@]}" -o /dev/null -H 'content-type: application/json' \
          -d '{"decision":"approve","notes":"Approved by curl.sh"}' "$api/v1/tasks/$id/review"
        echo '  approved'
      fi
      ;;
  esac
done < <(curl -fsSN "${auth[@]}" -H 'accept: text/event-stream' "$api/v1/tasks/$id/events")

result=$(curl -fsS "${auth[@]}" "$api/v1/tasks/$id/result")
jq -r '"\n\(.status) · \(.usage.inputTokens) input and \(.usage.outputTokens) output tokens\n"' <<<"$result"
if [[ $(jq -r .status <<<"$result") != completed ]]; then
  jq -r '"the task ended \(.status): \(.error.message // "no reason given")"' <<<"$result" >&2
  exit 1
fi
jq -r .result.document <<<"$result"
