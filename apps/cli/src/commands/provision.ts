import { hostname } from 'node:os';
import { connect } from '@troupe/bus';
import { connectOptionsFor, type ConnectionFlags } from '../connection-options.js';
import type { Printer } from '../io.js';

export interface ProvisionCommandOptions {
  connection?: ConnectionFlags;
  replicas?: number;
  /** Every agent role whose work consumer to create: built-in, the project file's and `--roles`. */
  roles: readonly string[];
}

/** `troupe provision`: creates or updates every stream, bucket and consumer once, with the replicas given. */
export async function provisionCommand(options: ProvisionCommandOptions, printer: Printer): Promise<number> {
  const bus = await connect({
    name: `troupe-provision-${hostname()}-${process.pid}`,
    ...connectOptionsFor(options.connection ?? {}, process.env),
  });
  try {
    const report = await bus.provisionTopology({
      roles: options.roles,
      ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
    });
    if (printer.jsonMode) {
      printer.json(report);
      return 0;
    }
    printer.out(`provisioned with ${report.replicas} replica${report.replicas === 1 ? '' : 's'}`);
    for (const name of report.created) printer.out(`  created ${name}`);
    for (const name of report.updated) printer.out(`  updated ${name}`);
    return 0;
  } finally {
    await bus.close();
  }
}
