export { createClient } from './client.js';
export type { ClientOptions, SubmitOptions, EventsOptions, WaitOptions, TroupeClient } from './client.js';
export { TroupeApiError, TroupeApiErrorCode, isTroupeApiError, codeForStatus } from './errors.js';
export * from './schemas.js';
