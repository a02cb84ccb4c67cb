/**
 * The mutating admission webhook's protocol (admission.k8s.io/v1 AdmissionReview): a
 * review in, the same review with a `response` out, carrying the injection patch as
 * base64 JSON Patch. Pure; webhook.ts serves it over TLS.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { type InjectionConfig, injectionPatch, MeshError } from '@weft/shared';
import { z } from 'zod';

export const AdmissionReview = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.object({
    uid: z.string().min(1),
    kind: z.object({ group: z.string(), version: z.string(), kind: z.string() }),
    namespace: z.string().optional(),
    operation: z.string(),
    object: z.record(z.string(), z.unknown()),
  }),
});
export type AdmissionReview = z.infer<typeof AdmissionReview>;

/** The review answered: the injection patch for a pod, nothing for anything else; a bad annotation denies. */
export function answerReview(
  review: AdmissionReview,
  namespaceAnnotations: (namespace: string) => Record<string, string>,
  config: InjectionConfig,
  /** Whether the namespace has its copy of the trust-roots ConfigMap (the volume is then required). */
  trustRootsIn: (namespace: string) => boolean = () => false,
) {
  const { request } = review;
  const base = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' } as const;
  if (request.kind.kind !== 'Pod' || request.kind.group !== '' || request.operation !== 'CREATE')
    return { ...base, response: { uid: request.uid, allowed: true } };
  const pod = request.object as V1Pod;
  const namespace = request.namespace ?? pod.metadata?.namespace ?? 'default';
  try {
    const patch = injectionPatch(pod, namespaceAnnotations(namespace), config, trustRootsIn(namespace));
    if (patch.length === 0) return { ...base, response: { uid: request.uid, allowed: true } };
    return {
      ...base,
      response: {
        uid: request.uid,
        allowed: true,
        patchType: 'JSONPatch',
        patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
      },
    };
  } catch (err) {
    if (!(err instanceof MeshError)) throw err;
    return {
      ...base,
      response: {
        uid: request.uid,
        allowed: false,
        status: { code: 400, message: `weft injection: ${err.message}` },
      },
    };
  }
}
