/** What `troupe init` writes: a project with a role and a workflow of its own, runnable with `pnpm troupe up`. */
export interface StarterOptions {
  /** The package name (from the folder's name). */
  name: string;
  /** The version range of Troupe's packages, e.g. `^0.1.0`. */
  troupeVersion: string;
  /** The version range of zod the packages use. */
  zodVersion: string;
}

const CONFIG = `import { defineRole } from '@troupe/agents';
import { defineTroupeConfig } from '@troupe/cli';
import { AssistantOutputSchema, defineWorkflow, type AssistantOutput } from '@troupe/supervisor';
import { z } from 'zod';

const Headline = z.object({
  title: z.string().min(1),
  keywords: z.array(z.string()).max(5),
});
type Headline = z.infer<typeof Headline>;

/** A role of your own: \`troupe up\` runs an agent process for it beside the built-in roles. */
const headliner = defineRole({
  name: 'headliner',
  description: 'Gives a text a short title and a few keywords.',
  instructions: \`Give the text of the step input a short, plain title (at most eight words) and up to five
keywords, in lower case, most telling first.\`,
  input: z.looseObject({ text: z.string().min(1) }),
  output: Headline,
  // What the offline model answers when no model key is set: a stand-in, so everything runs without one.
  offline: ({ text }): Headline => {
    const words = text.match(/[\\p{L}\\p{N}'-]+/gu) ?? [];
    const keywords = [...new Set(words.filter((w) => w.length > 6).map((w) => w.toLowerCase()))];
    return { title: words.slice(0, 8).join(' '), keywords: keywords.slice(0, 5) };
  },
});

/** A workflow of your own: the built-in assistant summarises the text, then your headliner titles the summary. */
const summariseHeadline = defineWorkflow({
  name: 'summarise-headline',
  version: 1,
  description: 'Summarises a text (assistant), then gives the summary a title and keywords (headliner).',
  input: z.object({ text: z.string().trim().min(1).max(20_000) }),
  steps: [
    {
      id: 'summarise',
      role: 'assistant',
      input: ({ input }) => ({
        question: 'Summarise the text in two or three sentences.',
        context: \`[1] Text to summarise (task input)\\n\${input.text}\`,
      }),
      output: AssistantOutputSchema,
    },
    {
      id: 'headline',
      role: 'headliner',
      needs: ['summarise'],
      input: ({ outputs }) => ({ text: (outputs['summarise'] as AssistantOutput).answer }),
      output: Headline,
    },
  ],
  result: ({ outputs, usage }) => ({
    summary: (outputs['summarise'] as AssistantOutput).answer,
    ...(outputs['headline'] as Headline),
    usage,
  }),
});

export default defineTroupeConfig({
  roles: [headliner],
  workflows: [summariseHeadline],
});
`;

const readme = (name: string) => `# ${name}

A troupe of one's own: the built-in roles and workflows of Troupe, plus a role
(\`headliner\`) and a workflow (\`summarise-headline\`) defined in \`troupe.config.ts\`. Each role runs as its own
process over NATS; a supervisor runs the workflows.

\`\`\`sh
pnpm install
pnpm troupe up        # nats-server, a supervisor, an agent process per role (headliner too), the API
pnpm troupe submit summarise-headline --wait \\
  --input '{"text":"NATS is a messaging system. JetStream adds streams and consumers that store messages."}'
\`\`\`

Without \`OPENAI_API_KEY\` or \`ANTHROPIC_API_KEY\` the agents use the offline model, and the headliner answers
with its \`offline\` function; with a key, a real model does the work. \`troupe up\` needs \`nats-server\` on the
PATH (or \`NATS_URL\` pointing at one).

- \`troupe.config.ts\`: roles (\`defineRole\`), how their agents run (\`agents\`), tools, MCP servers and
  workflows (\`defineWorkflow\`). Every \`troupe\` command here loads it.
- On several machines: \`troupe agent --role headliner\`, \`troupe supervisor\` and \`troupe api\`, each with
  \`NATS_URL\` set, find the same file (or take \`--config <file>\`).
`;

/** The files, by path relative to the project folder. */
export function starterFiles(options: StarterOptions): Record<string, string> {
  const pkg = {
    name: options.name,
    version: '0.0.0',
    private: true,
    type: 'module',
    scripts: { troupe: 'troupe', up: 'troupe up' },
    dependencies: {
      '@troupe/agents': options.troupeVersion,
      '@troupe/cli': options.troupeVersion,
      '@troupe/supervisor': options.troupeVersion,
      zod: options.zodVersion,
    },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2023',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    },
    include: ['*.ts'],
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    'troupe.config.ts': CONFIG,
    'README.md': readme(options.name),
    '.gitignore': 'node_modules\n.troupe\n',
  };
}
