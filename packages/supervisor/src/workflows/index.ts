import type { AnyWorkflow } from '../workflow/types.js';
import { ask } from './ask.js';
import { extract } from './extract.js';
import { rag } from './rag.js';
import { report } from './report.js';
import { tools } from './tools.js';

export { ask, extract, rag, report, tools };

/** The workflows every supervisor knows, by name. */
export const builtinWorkflows: readonly AnyWorkflow[] = [ask, rag, extract, tools, report];
