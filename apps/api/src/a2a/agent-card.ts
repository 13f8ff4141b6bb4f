import { A2A_PROTOCOL_VERSION, AgentCard, type AgentSkill } from '@a2a-js/sdk';
import type { AnyWorkflow } from '@troupe/supervisor';

/** Where the A2A JSON-RPC endpoint is mounted. */
export const A2A_JSONRPC_PATH = '/a2a';
export const A2A_LEGACY_VERSION = '0.3';

export interface AgentCardParams {
  /** `http(s)://host:port` the API is reached at. */
  baseUrl: string;
  workflows: readonly AnyWorkflow[];
  /** True when the API asks for an API key (advertised as bearer or `x-api-key`). */
  secured: boolean;
  version: string;
}

/** The troupe as one A2A agent: a skill per workflow, JSON-RPC in v1.0 and (compat) v0.3. */
export function buildAgentCard(p: AgentCardParams): AgentCard {
  const url = `${p.baseUrl}${A2A_JSONRPC_PATH}`;
  const skills: AgentSkill[] = p.workflows.map((wf) => ({
    id: wf.name,
    name: wf.name,
    description: wf.description || `Runs the ${wf.name} workflow.`,
    tags: ['troupe', 'workflow', ...wf.roles],
    examples: [],
    inputModes: ['text/plain'],
    outputModes: ['text/markdown', 'application/json'],
    securityRequirements: [],
  }));
  return {
    name: 'Troupe',
    description:
      'A troupe of AI agents with roles, coordinated by workflows. Send a text message: it becomes the question of the ' +
      'workflow named in message metadata "workflow" (default "report").',
    supportedInterfaces: [
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION },
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_LEGACY_VERSION },
    ],
    provider: undefined,
    version: p.version,
    documentationUrl: `${p.baseUrl}/docs/`,
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: p.secured
      ? {
          bearer: {
            scheme: {
              $case: 'httpAuthSecurityScheme',
              value: {
                description: 'A Troupe API key as a bearer token.',
                scheme: 'Bearer',
                bearerFormat: '',
              },
            },
          },
          apiKey: {
            scheme: {
              $case: 'apiKeySecurityScheme',
              value: { description: 'A Troupe API key.', location: 'header', name: 'x-api-key' },
            },
          },
        }
      : {},
    securityRequirements: p.secured
      ? [{ schemes: { bearer: { list: [] } } }, { schemes: { apiKey: { list: [] } } }]
      : [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/markdown', 'application/json'],
    skills,
    signatures: [],
  };
}

/** The card as v1.0 clients read it (protobuf JSON). */
export function agentCardJson(card: AgentCard): unknown {
  return AgentCard.toJSON(card);
}

/** The card as v0.3 clients read it: one `url` with its transport, skills and modes as before. */
export function legacyAgentCardJson(card: AgentCard): Record<string, unknown> {
  const legacy =
    card.supportedInterfaces.find((i) => i.protocolVersion === A2A_LEGACY_VERSION) ??
    card.supportedInterfaces[0];
  const secured = Object.keys(card.securitySchemes).length > 0;
  return {
    protocolVersion: '0.3.0',
    name: card.name,
    description: card.description,
    version: card.version,
    url: legacy?.url ?? '',
    preferredTransport: 'JSONRPC',
    ...(card.documentationUrl ? { documentationUrl: card.documentationUrl } : {}),
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: card.defaultInputModes,
    defaultOutputModes: card.defaultOutputModes,
    skills: card.skills.map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      tags: s.tags,
      inputModes: s.inputModes,
      outputModes: s.outputModes,
    })),
    ...(secured
      ? {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'A Troupe API key as a bearer token.' },
            apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A Troupe API key.' },
          },
          security: [{ bearer: [] }, { apiKey: [] }],
        }
      : {}),
    supportedInterfaces: (AgentCard.toJSON(card) as { supportedInterfaces?: unknown }).supportedInterfaces,
  };
}
