/**
 * A test app's handler that reads a request body slowly: one chunk at a time with a
 * 1 ms pause after each, so whatever writes to it (a proxy) queues up behind it. It
 * answers `<bytes read> <sha256 of them>`, for the test to compare with what it sent.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads `req` in small bites with pauses, then answers its length and SHA-256. */
export function answerSlowHash(req: IncomingMessage, res: ServerResponse): void {
  const h = createHash('sha256');
  let n = 0;
  req.on('data', (c: Buffer) => {
    h.update(c);
    n += c.length;
    req.pause();
    setTimeout(() => req.resume(), 1);
  });
  req.on('end', () => res.end(`${n} ${h.digest('hex')}`));
}
