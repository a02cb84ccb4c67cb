/**
 * Writes a policy document committed through the API to the cluster as its resource:
 * created, or replaced (keeping the resource's other metadata and its status), or
 * deleted; the author in the `weft.dev/applied-by` annotation, so the revision every
 * replica records from the resource names them. A refused write is logged: the sync then
 * takes the cluster's version back.
 */
import type { CustomObjectsApi, KubernetesObject } from '@kubernetes/client-node';
import type { PolicyDocument } from '@weft/shared';

/** Who applied a resource through the API, on the resource (the revision's author on every replica). */
export const APPLIED_BY_ANNOTATION = 'weft.dev/applied-by';

/** The kind's resource, as the sync watches it. */
export interface WrittenKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
}

export async function writePolicyResource(
  custom: CustomObjectsApi,
  kind: WrittenKind,
  d: PolicyDocument,
  remove: boolean,
  author: string,
): Promise<void> {
  const { group, version, plural } = kind;
  const namespace = d.metadata.namespace ?? 'default';
  const name = d.metadata.name;
  const what = `${d.kind} ${namespace}/${name}`;
  try {
    if (remove) {
      await custom
        .deleteNamespacedCustomObject({ group, version, plural, namespace, name })
        .catch((err: unknown) => {
          if ((err as { code?: number }).code !== 404) throw err;
        });
      return;
    }
    const body = {
      apiVersion: `${group}/${version}`,
      kind: kind.kind,
      metadata: {
        name,
        namespace,
        ...(d.metadata.labels ? { labels: d.metadata.labels } : {}),
        annotations: { [APPLIED_BY_ANNOTATION]: author },
      },
      spec: (d as { spec?: unknown }).spec,
    };
    for (let attempt = 1; ; attempt++) {
      const current = await custom
        .getNamespacedCustomObject({ group, version, plural, namespace, name })
        .catch((err: unknown) => {
          if ((err as { code?: number }).code === 404) return undefined;
          throw err;
        });
      try {
        if (current === undefined)
          await custom.createNamespacedCustomObject({ group, version, plural, namespace, body });
        else {
          const meta = (current as KubernetesObject).metadata ?? {};
          await custom.replaceNamespacedCustomObject({
            group,
            version,
            plural,
            namespace,
            name,
            body: {
              ...(current as object),
              metadata: {
                ...meta,
                labels: d.metadata.labels ?? meta.labels,
                annotations: { ...(meta.annotations ?? {}), [APPLIED_BY_ANNOTATION]: author },
              },
              spec: body.spec,
            },
          });
        }
        return;
      } catch (err) {
        // Another writer got there first: read it again (a few times).
        if ((err as { code?: number }).code === 409 && attempt < 5) continue;
        throw err;
      }
    }
  } catch (err) {
    const why = (err as { body?: unknown }).body
      ? JSON.stringify((err as { body?: unknown }).body)
      : (err as Error).message;
    console.error(
      `[kubernetes] cannot write ${what} to the cluster (${why}); the cluster's version is taken back`,
    );
  }
}
