/**
 * The HTTP/1 parser's states (see the diagram in parser.ts), shared by the state machine
 * and the chunked framing. Plain numbers, compared on the hot path.
 */

export const HEAD = 0;
export const BODY_LENGTH = 1;
export const BODY_CHUNK_SIZE = 2;
export const BODY_CHUNK_DATA = 3;
export const BODY_CHUNK_DATA_END = 4;
export const TRAILERS = 5;
export const BODY_EOF = 6;
export const DEAD = 7;
