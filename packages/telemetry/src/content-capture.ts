import { captureContentEnabled } from './env-config.js';

/**
 * Whether spans carry prompt and completion text. Read once from `TROUPE_CAPTURE_CONTENT` (or set by
 * `initTelemetry`), not per span: the helpers run on the hot path.
 */
let capture: boolean | undefined;

export function contentCaptureOn(): boolean {
  capture ??= captureContentEnabled(process.env);
  return capture;
}

export function setContentCapture(on: boolean | undefined): void {
  capture = on;
}

/** Serialises message content for an attribute; never throws. */
export function contentToAttribute(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
