/**
 * The mutating admission webhook, served over TLS by the controller on `POST /inject`:
 * reads an AdmissionReview (bounded), answers it (admission.ts). A malformed review is
 * answered 400 naming what is wrong.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { InjectionConfig } from '@weft/shared';
import { AdmissionReview, answerReview, type AdmissionReview as Review } from './admission.ts';

/** The API server sends at most 3 MiB objects; a review is a little more. */
const MAX_REVIEW_BYTES = 4 * 1024 * 1024;
export const WEBHOOK_PATH = '/inject';

export interface InjectionWebhookOptions {
  certPem: string;
  keyPem: string;
  host: string;
  port: number;
  config: InjectionConfig;
  namespaceAnnotations: (namespace: string) => Record<string, string>;
  /** Whether the namespace has its copy of the trust-roots ConfigMap. */
  trustRootsIn?: (namespace: string) => boolean;
}

export interface RunningWebhook {
  /** `host:port` it listens on. */
  address: string;
  close(): Promise<void>;
}

export async function startInjectionWebhook(o: InjectionWebhookOptions): Promise<RunningWebhook> {
  const server: Server = createServer({ cert: o.certPem, key: o.keyPem }, (req, res) => {
    const fail = (code: number, message: string) => {
      if (!res.headersSent) res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end(`${message}\n`);
    };
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'https://x').pathname !== WEBHOOK_PATH)
      return fail(404, `only POST ${WEBHOOK_PATH} is served`);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REVIEW_BYTES) {
        fail(413, `an AdmissionReview is at most ${MAX_REVIEW_BYTES} bytes`);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      let review: Review;
      try {
        const parsed = AdmissionReview.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return fail(
            400,
            `not an admission.k8s.io/v1 AdmissionReview: ${issue?.path.join('.')}: ${issue?.message}`,
          );
        }
        review = parsed.data;
      } catch {
        return fail(400, 'the body is not JSON');
      }
      try {
        const answer = answerReview(review, o.namespaceAnnotations, o.config, o.trustRootsIn);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
      } catch (err) {
        fail(500, `cannot answer the review: ${(err as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    address: `${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
