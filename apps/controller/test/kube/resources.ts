/**
 * Test support for the fake Kubernetes API server: the resource types it serves (the
 * built-in ones Weft uses, plus custom resources registered from CRDs) and the
 * discovery documents kubectl reads to map kinds to REST paths.
 */

export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  /** Served subresources besides the object itself. */
  status: boolean;
  scale: boolean;
  /** Custom resources accept no strategic merge patch. */
  custom: boolean;
  shortNames?: string[];
  /** Create-only virtual resources (TokenReview): answered, never stored. */
  virtual?: boolean;
}

const builtIn = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType => ({
  group,
  version,
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  status: false,
  scale: false,
  custom: false,
  ...extra,
});

export const BUILT_IN: readonly ResourceType[] = [
  builtIn('', 'v1', 'Namespace', 'namespaces', false, { status: true, shortNames: ['ns'] }),
  builtIn('', 'v1', 'Pod', 'pods', true, { status: true, shortNames: ['po'] }),
  builtIn('', 'v1', 'Service', 'services', true, { status: true, shortNames: ['svc'] }),
  builtIn('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'] }),
  builtIn('', 'v1', 'Secret', 'secrets', true),
  builtIn('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  builtIn('', 'v1', 'Endpoints', 'endpoints', true, { singular: 'endpoints', shortNames: ['ep'] }),
  builtIn('apps', 'v1', 'Deployment', 'deployments', true, {
    status: true,
    scale: true,
    shortNames: ['deploy'],
  }),
  builtIn('apps', 'v1', 'ReplicaSet', 'replicasets', true, { status: true, scale: true, shortNames: ['rs'] }),
  builtIn('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  builtIn('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  builtIn('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, {
    status: true,
    shortNames: ['crd', 'crds'],
  }),
  builtIn(
    'admissionregistration.k8s.io',
    'v1',
    'MutatingWebhookConfiguration',
    'mutatingwebhookconfigurations',
    false,
  ),
  builtIn('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  builtIn('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  builtIn('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  builtIn('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  builtIn('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', false, { virtual: true }),
];

/** `group/version`, or `version` for the core group (the `apiVersion` field). */
export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** The key a resource type is stored under. */
export function resourceKey(t: Pick<ResourceType, 'group' | 'version' | 'plural'>): string {
  return `${apiVersionOf(t)}/${t.plural}`;
}

/** The resource types a CustomResourceDefinition (apiextensions.k8s.io/v1) declares, one per served version. */
export function typesFromCrd(crd: Record<string, unknown>): ResourceType[] {
  const spec = crd.spec as {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { plural: string; singular?: string; kind: string; shortNames?: string[] };
    versions: { name: string; served: boolean; subresources?: { status?: object; scale?: object } }[];
  };
  return spec.versions
    .filter((v) => v.served)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      kind: spec.names.kind,
      namespaced: spec.scope === 'Namespaced',
      status: v.subresources?.status !== undefined,
      scale: v.subresources?.scale !== undefined,
      custom: true,
      ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
    }));
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** `GET /api/v1` or `/apis/<group>/<version>`: an APIResourceList. */
export function resourceList(types: readonly ResourceType[], group: string, version: string) {
  const here = types.filter((t) => t.group === group && t.version === version);
  const resources = here.flatMap((t) => [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.virtual ? ['create'] : VERBS,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
    },
    ...(t.status
      ? [
          {
            name: `${t.plural}/status`,
            singularName: '',
            namespaced: t.namespaced,
            kind: t.kind,
            verbs: ['get', 'patch', 'update'],
          },
        ]
      : []),
    ...(t.scale
      ? [
          {
            name: `${t.plural}/scale`,
            singularName: '',
            namespaced: t.namespaced,
            group: 'autoscaling',
            version: 'v1',
            kind: 'Scale',
            verbs: ['get', 'patch', 'update'],
          },
        ]
      : []),
  ]);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources,
  };
}

/** `GET /apis`: an APIGroupList of every non-core group. */
export function groupList(types: readonly ResourceType[]) {
  const groups = new Map<string, Set<string>>();
  for (const t of types) if (t.group) groups.set(t.group, (groups.get(t.group) ?? new Set()).add(t.version));
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => {
      const list = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}
