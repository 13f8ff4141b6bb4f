#!/usr/bin/env bash
# The one-command demo on a fresh machine: installs what it needs, then runs `troupe demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec pnpm --silent troupe demo "$@"
