#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, lint, typecheck, test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
pnpm lint
pnpm typecheck
pnpm test
