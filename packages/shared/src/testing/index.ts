/** Helpers for the tests of every workspace (not part of any app's runtime). */
export { freePort } from './free-port.ts';
export { answerSlowHash } from './slow-reader.ts';
export { waitFor } from './wait-for.ts';
