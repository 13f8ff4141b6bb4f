import { isTroupeApiError, TroupeApiErrorCode } from '@troupe/client';

/** What to tell a person about a failed call: the API's problem detail when it sent one. */
export function describeError(err: unknown): string {
  if (isTroupeApiError(err)) {
    if (err.problem?.detail) return err.problem.detail;
    if (err.code === TroupeApiErrorCode.Network) return 'The Troupe API cannot be reached.';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export const isUnauthorized = (err: unknown): boolean => isTroupeApiError(err) && err.status === 401;
export const isForbidden = (err: unknown): boolean => isTroupeApiError(err) && err.status === 403;
