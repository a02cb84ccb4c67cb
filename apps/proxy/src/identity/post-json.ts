/**
 * One JSON POST to the controller over `node:http` (or `node:https`, loaded when first
 * needed), as the identity calls (`identity.certify`, `identity.renewToken`) make them.
 * Not `fetch`: its HTTP client (undici) is 6-9 MB of private memory in every proxy,
 * loaded for two small requests. The answer's body is bounded, and so is the wait.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';

/** The largest answer read (a certificate chain and its trust anchors fit many times over). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface JsonAnswer {
  status: number;
  /** `status` in 200..299. */
  ok: boolean;
  /** The body parsed as JSON. */
  json: unknown;
}

type RequestFn = (
  url: URL,
  options: RequestOptions,
  cb: (res: IncomingMessage) => void,
) => ReturnType<typeof httpRequest>;

async function requestFor(url: URL): Promise<RequestFn> {
  if (url.protocol === 'http:') return httpRequest;
  if (url.protocol === 'https:') return (await import('node:https')).request;
  throw new Error(`unsupported controller URL scheme ${url.protocol}`);
}

/**
 * POSTs `body` (already JSON) to `url`; resolves with the status and the parsed answer.
 * Rejects on a network failure, no full answer within `timeoutMs`, an answer past
 * `MAX_ANSWER_BYTES`, or a body that is not JSON (the message says which).
 */
export async function postJson(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<JsonAnswer> {
  const request = await requestFor(url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(new Error(`HTTP ${status} with a body that is not JSON`));
            return;
          }
          resolve({ status, ok: status >= 200 && status < 300, json });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
