/**
 * HTTP/2 error codes (RFC 9113 section 7) and the error the h2wire parts throw: a
 * protocol violation found while reading frames or header blocks, with the code to send
 * in GOAWAY (connection error, `streamId` 0) or RST_STREAM (stream error).
 */

export const NO_ERROR = 0x0;
export const PROTOCOL_ERROR = 0x1;
export const INTERNAL_ERROR = 0x2;
export const FLOW_CONTROL_ERROR = 0x3;
export const SETTINGS_TIMEOUT = 0x4;
export const STREAM_CLOSED = 0x5;
export const FRAME_SIZE_ERROR = 0x6;
export const REFUSED_STREAM = 0x7;
export const CANCEL = 0x8;
export const COMPRESSION_ERROR = 0x9;
export const CONNECT_ERROR = 0xa;
export const ENHANCE_YOUR_CALM = 0xb;
export const INADEQUATE_SECURITY = 0xc;
export const HTTP_1_1_REQUIRED = 0xd;

const NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

/** The RFC's name of an error code (`UNKNOWN_0x..` for codes it does not define). */
export function errorName(code: number): string {
  return NAMES[code] ?? `UNKNOWN_0x${code.toString(16)}`;
}

/** A protocol violation: `streamId` 0 for a connection error, else a stream error on that stream. */
export class H2Error extends Error {
  readonly code: number;
  readonly streamId: number;

  constructor(code: number, message: string, streamId = 0) {
    super(`${errorName(code)}: ${message}`);
    this.name = 'H2Error';
    this.code = code;
    this.streamId = streamId;
  }
}
