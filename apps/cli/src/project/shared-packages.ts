import * as nodeModule from 'node:module';

/**
 * A resolve hook for the project file: an import of Troupe's packages or zod that the project does not
 * install itself (a folder with only a troupe.config.ts, an example in this repository) resolves to the copy
 * the CLI runs with, so the config and the CLI share one instance of each. What the project installs wins:
 * the hook only answers where Node's own resolution found nothing. `@troupe/tools` is looked up from
 * `@troupe/agents`, which depends on it.
 */
const HOOK = `
const SHARED = /^(?:@troupe\\/[^/]+|zod)(?:\\/.*)?$/;
let cli;
export function initialize(data) {
  cli = data.cli;
}
async function tryResolve(specifier, context, parentURL, nextResolve) {
  try {
    return await nextResolve(specifier, { ...context, parentURL });
  } catch {
    return undefined;
  }
}
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !SHARED.test(specifier)) throw err;
    const fromCli = await tryResolve(specifier, context, cli, nextResolve);
    if (fromCli) return fromCli;
    const agents = await tryResolve('@troupe/agents', context, cli, nextResolve);
    const fromAgents = agents && (await tryResolve(specifier, context, agents.url, nextResolve));
    if (fromAgents) return fromAgents;
    throw err;
  }
}
`;

let registered = false;

/** Registers the hook once per process (it needs Node ≥ 20.6; on older ones the project installs its imports). */
export function shareCliPackages(): void {
  if (registered || typeof nodeModule.register !== 'function') return;
  registered = true;
  nodeModule.register(`data:text/javascript,${encodeURIComponent(HOOK)}`, {
    data: { cli: import.meta.url },
  });
}
