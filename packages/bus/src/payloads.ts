import type { MsgHdrs } from '@nats-io/nats-core';
import type { Objm, ObjectStore } from '@nats-io/obj';
import {
  encodeJson,
  isPayloadRef,
  parseJson,
  PAYLOAD_REF_HEADER,
  refBody,
  validateEnvelope,
} from './codec.js';
import { PayloadRefSchema, type PayloadRef } from './envelopes.js';
import { BusError, BusErrorCode } from './errors.js';
import { Buckets } from './topology.js';

/** Room left in a message for headers when deciding whether a body must go to the object store. */
export const HEADER_ROOM = 4 * 1024;

/** A message as stored or delivered: what a payload reference is resolved from. */
export interface RawMessage {
  subject: string;
  data: Uint8Array;
  headers?: MsgHdrs | undefined;
}

export function randomName(): string {
  return globalThis.crypto.randomUUID().replaceAll('-', '');
}

/**
 * The artifacts object store as the bus uses it: bodies over max_payload travel as a reference to a blob,
 * and dead-lettered bytes are kept there.
 */
export class PayloadStore {
  private store: Promise<ObjectStore> | undefined;

  constructor(
    private readonly objm: Objm,
    /** The server's max_payload, in bytes. */
    private readonly maxPayload: () => number,
    private readonly clientId: () => number,
  ) {}

  /** The largest body that travels inline. */
  get bodyLimit(): number {
    return this.maxPayload() - HEADER_ROOM;
  }

  /** Encodes a value; bodies over max_payload go to the object store and travel as a reference. */
  async encodeBody(subject: string, value: unknown, headers: MsgHdrs): Promise<Uint8Array> {
    const body = encodeJson(value);
    if (body.length <= this.bodyLimit) return body;
    const name = `payload.${subject}.${this.clientId()}.${randomName()}`;
    await this.put(name, body);
    headers.set(PAYLOAD_REF_HEADER, '1');
    return refBody({ bucket: Buckets.Artifacts, name, size: body.length });
  }

  /** The body of a message: its own bytes, or those its payload reference points to. */
  async body(msg: RawMessage): Promise<Uint8Array> {
    return isPayloadRef(msg.headers) ? this.load(msg.data, msg.subject) : msg.data;
  }

  /** Reads the body a payload reference points to. */
  async load(body: Uint8Array, subject: string): Promise<Uint8Array> {
    const ref = validateEnvelope(PayloadRefSchema, parseJson(body, subject), subject) as PayloadRef;
    const data = await this.get(ref.name);
    if (!data) {
      throw new BusError(BusErrorCode.NotFound, `payload ${ref.name} referenced on ${subject} is gone`, {
        details: { subject, ref },
      });
    }
    return data;
  }

  async put(name: string, data: Uint8Array): Promise<void> {
    await (await this.open()).putBlob({ name }, data);
  }

  async get(name: string): Promise<Uint8Array | null> {
    return (await this.open()).getBlob(name);
  }

  private open(): Promise<ObjectStore> {
    this.store ??= this.objm.open(Buckets.Artifacts);
    return this.store;
  }
}
