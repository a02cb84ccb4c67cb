/**
 * Test support: the API server's side of mutating admission webhooks. Installs an
 * admission step on the fake server that, for every MutatingWebhookConfiguration whose
 * rules match a create, POSTs an AdmissionReview to the webhook's `clientConfig.url`
 * over TLS (trusting only its caBundle) and applies the JSON patch it returns; a denial,
 * or a failure under `failurePolicy: Fail`, refuses the create.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import type { JsonObject } from './patch.ts';
import { jsonPatch } from './patch.ts';
import type { FakeApiServer } from './server.ts';
import { StatusError } from './status.ts';
import type { KubeObject } from './store.ts';

interface Webhook {
  name: string;
  clientConfig: { url?: string; caBundle?: string };
  rules?: { operations: string[]; apiGroups: string[]; apiVersions: string[]; resources: string[] }[];
  failurePolicy?: 'Fail' | 'Ignore';
  timeoutSeconds?: number;
}

function post(url: string, ca: string | undefined, body: unknown, timeoutMs: number): Promise<JsonObject> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', ca, headers: { 'Content-Type': 'application/json' }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200)
            return reject(new Error(`the webhook answered ${res.statusCode}: ${text.trim()}`));
          try {
            resolve(JSON.parse(text) as JsonObject);
          } catch {
            reject(new Error('the webhook answered no JSON'));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('the webhook timed out')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export function callMutatingWebhooks(server: FakeApiServer): void {
  server.admit(async ({ operation, type, object }) => {
    let out: KubeObject = object;
    const configs = server.store.list('admissionregistration.k8s.io/v1/mutatingwebhookconfigurations');
    for (const config of configs) {
      for (const hook of (config.webhooks ?? []) as unknown as Webhook[]) {
        const applies = (hook.rules ?? []).some(
          (r) =>
            (r.operations.includes(operation) || r.operations.includes('*')) &&
            (r.apiGroups.includes(type.group) || r.apiGroups.includes('*')) &&
            (r.apiVersions.includes(type.version) || r.apiVersions.includes('*')) &&
            (r.resources.includes(type.plural) || r.resources.includes('*')),
        );
        if (!applies || !hook.clientConfig.url) continue;
        const review = {
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: {
            uid: randomUUID(),
            kind: { group: type.group, version: type.version, kind: type.kind },
            resource: { group: type.group, version: type.version, resource: type.plural },
            namespace: out.metadata.namespace,
            operation,
            object: out,
          },
        };
        const ca = hook.clientConfig.caBundle
          ? Buffer.from(hook.clientConfig.caBundle, 'base64').toString('utf8')
          : undefined;
        let answer: JsonObject;
        try {
          answer = await post(hook.clientConfig.url, ca, review, (hook.timeoutSeconds ?? 10) * 1000);
        } catch (err) {
          if (hook.failurePolicy === 'Ignore') continue;
          throw new StatusError(
            500,
            'InternalError',
            `Internal error occurred: failed calling webhook "${hook.name}": ${(err as Error).message}`,
          );
        }
        const response = (answer.response ?? {}) as {
          uid?: string;
          allowed?: boolean;
          patch?: string;
          status?: { message?: string };
        };
        if (response.uid !== review.request.uid)
          throw new StatusError(500, 'InternalError', `webhook "${hook.name}" answered another review's uid`);
        if (!response.allowed)
          throw new StatusError(
            400,
            'BadRequest',
            `admission webhook "${hook.name}" denied the request: ${response.status?.message ?? ''}`,
          );
        if (response.patch)
          out = jsonPatch(
            out,
            JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')),
          ) as KubeObject;
      }
    }
    return out;
  });
}
