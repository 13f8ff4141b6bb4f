// The `troupe` command. bin/troupe.js runs it: dist/main.js when installed, under tsx in the repository.
import { runCli } from './cli.js';
import { processIo } from './io.js';

const code = await runCli(process.argv.slice(2), processIo);
// Client commands leave keep-alive sockets open for a while: exit once the output is written.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
process.exit(code);
