#!/usr/bin/env bash
# Installs what Troupe needs on a fresh machine: the pinned pnpm, nats-server and the dependencies; with
# --browser (the test suite) also chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm $pnpm_version with npm"
  npm install -g "pnpm@$pnpm_version" >/dev/null
fi

# Debian packages the tests need: nats-server (tests start their own servers) and chromium (driven by
# playwright-core for browser tests; never downloaded by playwright itself).
apt_install() {
  if command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing $1 with apt-get"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    if [ -z "${apt_updated:-}" ]; then $sudo apt-get update -qq; apt_updated=1; fi
    $sudo apt-get install -y -qq "$1" >/dev/null
  else
    echo "setup: $1 is missing: $2" >&2
    exit 1
  fi
}
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  apt_install nats-server "install it (https://docs.nats.io/running-a-nats-service/introduction/installation)"
fi
if [ "${1:-}" = "--browser" ] && ! command -v jq >/dev/null 2>&1; then
  apt_install jq "install jq (examples/client/curl.sh reads JSON with it)"
fi
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium "install Chromium (the browser tests drive /usr/bin/chromium)"
fi

if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install --frozen-lockfile --reporter=silent
fi

# The dashboard the API serves at /ui/: static files built by Vite. turbo skips the build (restoring its
# cached output) when the dashboard's sources and those of the client and bus it bundles are unchanged.
echo "setup: building the dashboard (cached when unchanged)"
if ! out=$(pnpm exec turbo run build --filter=@troupe/dashboard --output-logs=errors-only 2>&1); then
  echo "$out" >&2
  exit 1
fi
