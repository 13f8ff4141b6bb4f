#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, lint, typecheck, build, test. The build (turbo, cached) is
# what tests/packages.test.ts packs and installs; every other test runs the TypeScript sources.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
pnpm lint
pnpm typecheck
pnpm build --output-logs=errors-only
pnpm test
