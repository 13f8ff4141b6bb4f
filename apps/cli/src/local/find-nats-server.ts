import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CliError, CliErrorCode } from '../errors.js';

/** Where package managers put nats-server outside PATH (Debian's package installs it in /usr/sbin). */
export const NATS_SERVER_LOCATIONS: readonly string[] = [
  '/usr/sbin/nats-server',
  '/usr/bin/nats-server',
  '/usr/local/bin/nats-server',
  '/opt/homebrew/bin/nats-server',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const INSTALL_HINT =
  'install it with `apt-get install -y nats-server` (Debian/Ubuntu) or `brew install nats-server` (macOS), ' +
  'set NATS_SERVER_BIN to its path, or point NATS_URL at a running server';

/** The nats-server binary: `NATS_SERVER_BIN`, else the first on PATH, else a usual location; or how to install it. */
export function findNatsServer(
  env: Readonly<Record<string, string | undefined>> = process.env,
  locations: readonly string[] = NATS_SERVER_LOCATIONS,
): string {
  const configured = env['NATS_SERVER_BIN']?.trim();
  if (configured) {
    if (executable(configured)) return configured;
    throw new CliError(
      CliErrorCode.NatsServerMissing,
      `NATS_SERVER_BIN names ${configured}, which is not an executable file`,
      {
        hint: INSTALL_HINT,
      },
    );
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'nats-server');
    if (executable(candidate)) return candidate;
  }
  const found = locations.find(executable);
  if (found) return found;
  throw new CliError(
    CliErrorCode.NatsServerMissing,
    `nats-server is not installed (looked on PATH and in ${locations.map((l) => l.replace(/\/nats-server$/, '')).join(', ')})`,
    {
      hint: INSTALL_HINT,
    },
  );
}
