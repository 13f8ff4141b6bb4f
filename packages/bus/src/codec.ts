import { headers as createHeaders, type MsgHdrs } from '@nats-io/nats-core';
import type { z } from 'zod';
import { BusError, BusErrorCode } from './errors.js';
import type { HeaderCarrier } from './trace-hooks.js';
import type { PayloadRef } from './envelopes.js';

/** Marks a message whose body is a JSON PayloadRef to an object in the artifacts store. */
export const PAYLOAD_REF_HEADER = 'Troupe-Payload-Ref';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function parseJson(data: Uint8Array, subject: string): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new BusError(
      BusErrorCode.DecodeFailed,
      `message on ${subject} is not JSON: ${(err as Error).message}`,
      {
        cause: err,
        details: { subject },
      },
    );
  }
}

/** Validates a decoded value against an envelope schema; the error lists every issue with its path. */
export function validateEnvelope<T>(schema: z.ZodType<T>, value: unknown, subject: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new BusError(
    BusErrorCode.DecodeFailed,
    `message on ${subject} does not match its schema: ${issues}`,
    {
      cause: parsed.error,
      details: { subject, issues: parsed.error.issues },
    },
  );
}

export function isPayloadRef(headers: MsgHdrs | undefined): boolean {
  return headers?.has(PAYLOAD_REF_HEADER) ?? false;
}

export function refBody(ref: PayloadRef): Uint8Array {
  return encodeJson(ref);
}

/** Adapts NATS headers to the carrier the trace hooks read and write. */
export function headerCarrier(h: MsgHdrs | undefined): HeaderCarrier & { headers: MsgHdrs } {
  const target = h ?? createHeaders();
  return {
    headers: target,
    get: (key) => (target.has(key) ? target.get(key) : undefined),
    set: (key, value) => target.set(key, value),
    keys: () => [...target.keys()],
  };
}
