// The install manifests (`npm run manifests`): every object valid against the
// Kubernetes OpenAPI schemas (kubernetes-models' validators), the webhook's caBundle the
// certificate of its Secret, and the whole set accepted by an API server (the fake one,
// through kubectl when present), after which the policy CRDs serve their kinds.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './demo-harness.ts';
import { ensureKubectl, kubectl, writeKubeconfig } from './kube/kubectl.ts';
import { FakeApiServer } from './kube/server.ts';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<
  string,
  unknown
>;

const MODULES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'apiextensions.k8s.io/v1': 'kubernetes-models/apiextensions.k8s.io/v1',
  'admissionregistration.k8s.io/v1': 'kubernetes-models/admissionregistration.k8s.io/v1',
};

let yamlText: string;
let objects: Obj[];

beforeAll(() => {
  yamlText = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'apps/controller/src/install/print-manifests.ts'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  objects = parseAllDocuments(yamlText).map((d) => d.toJS() as Obj);
}, 90_000);

describe('install manifests', () => {
  it('hold the namespace, RBAC, CRDs, controller, webhook configuration and dashboard', () => {
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const expected of [
      'Namespace/weft',
      'ServiceAccount/weft-controller',
      'ClusterRole/weft-controller',
      'ClusterRoleBinding/weft-controller',
      'CustomResourceDefinition/httpfaults.policy.weft.dev',
      'Secret/weft-webhook-tls',
      'Secret/weft-identity-ca',
      'Deployment/weft-controller',
      'Service/weft-controller',
      'MutatingWebhookConfiguration/weft-proxy-injector',
      'Deployment/weft-dashboard',
      'Service/weft-dashboard',
    ])
      expect(kinds).toContain(expected);
    // The controller may watch the Gateway API and Linkerd policy kinds it reads.
    const role = objects.find((o) => o.kind === 'ClusterRole') as Obj & {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    for (const [group, resource] of [
      ['gateway.networking.k8s.io', 'httproutes'],
      ['policy.linkerd.io', 'servers'],
      ['policy.linkerd.io', 'authorizationpolicies'],
    ])
      expect(
        role.rules.some(
          (r) =>
            r.apiGroups.includes(group as string) &&
            r.resources.includes(resource as string) &&
            r.verbs.includes('watch'),
        ),
        `${group}/${resource}`,
      ).toBe(true);
  });

  it('are each valid against the Kubernetes OpenAPI schema of their kind', async () => {
    for (const o of objects) {
      const module = MODULES[o.apiVersion];
      expect(module, `${o.apiVersion} has a validator`).toBeDefined();
      const models = (await import(module as string)) as Record<
        string,
        new (
          v: unknown,
        ) => { validate(): void }
      >;
      const Model = models[o.kind];
      expect(Model, `${o.apiVersion} ${o.kind}`).toBeDefined();
      expect(
        () => new (Model as new (v: unknown) => { validate(): void })(o).validate(),
        `${o.kind}/${o.metadata.name}`,
      ).not.toThrow();
    }
    // A validator that accepts anything would prove nothing.
    const { Deployment } = await import('kubernetes-models/apps/v1');
    const invalid = { metadata: { name: 'x' }, spec: { replicas: 'two' } } as never;
    expect(() => new Deployment(invalid).validate()).toThrow();
  });

  it('keep the mesh CA in a Secret whose files the controller is pointed at, and checks', async () => {
    const secret = objects.find((o) => o.metadata.name === 'weft-identity-ca') as Obj & {
      data: Record<string, string>;
    };
    const files = Object.fromEntries(
      Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
    const anchor = new X509Certificate(files['trust-anchor.pem'] as string);
    const issuer = new X509Certificate(files['issuer.pem'] as string);
    expect(issuer.verify(anchor.publicKey)).toBe(true);
    expect(issuer.ca).toBe(true);
    const controller = JSON.stringify(
      objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'weft-controller'),
    );
    for (const file of ['trust-anchor.pem', 'issuer.pem', 'issuer-key.pem'])
      expect(controller).toContain(`/etc/weft/identity/${file}`);
    expect(controller).toContain('"secretName":"weft-identity-ca"');
    // Injected proxies mount the same anchor from a ConfigMap (the key stays in the Secret).
    const roots = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'weft-identity-trust-roots',
    ) as (Obj & { data: Record<string, string> }) | undefined;
    expect(roots?.data['trust-anchor.pem']).toBe(files['trust-anchor.pem']);
    expect(roots?.data['trust-domain']).toBe('cluster.local');
    expect(Object.keys(roots?.data ?? {})).not.toContain('issuer-key.pem');
  });

  it('give the webhook a caBundle that is its Secret certificate, naming the controller Service', () => {
    const secret = objects.find((o) => o.metadata.name === 'weft-webhook-tls') as Obj & {
      data: Record<string, string>;
    };
    const hook = objects.find((o) => o.kind === 'MutatingWebhookConfiguration') as Obj & {
      webhooks: { clientConfig: { caBundle: string; service: { name: string; namespace: string } } }[];
    };
    expect(hook.webhooks[0]?.clientConfig.caBundle).toBe(secret.data['tls.crt']);
    const cert = new X509Certificate(Buffer.from(secret.data['tls.crt'] as string, 'base64'));
    expect(cert.subjectAltName).toContain('DNS:weft-controller.weft.svc');
    expect(hook.webhooks[0]?.clientConfig.service).toMatchObject({
      name: 'weft-controller',
      namespace: 'weft',
    });
  });

  describe('applied to an API server', () => {
    let server: FakeApiServer;
    let dir: string;
    beforeAll(async () => {
      server = new FakeApiServer();
      dir = mkdtempSync(join(tmpdir(), 'weft-install-'));
      await server.listen();
    });
    afterAll(async () => {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('is accepted whole, and the policy CRDs then serve their kinds', async () => {
      if (ensureKubectl() === undefined) {
        writeFileSync(join(dir, 'weft.yaml'), yamlText);
        const r = await kubectl(writeKubeconfig(dir, server.url), [
          'apply',
          '--validate=false',
          '-f',
          join(dir, 'weft.yaml'),
        ]);
        expect(r.ok, r.out).toBe(true);
        expect(r.out).toContain('deployment.apps/weft-controller created');
      } else {
        for (const o of objects) await server.create(o.apiVersion, o.kind, o.metadata.namespace, o);
      }
      expect(
        server.store.list('apiextensions.k8s.io/v1/customresourcedefinitions').map((c) => c.metadata.name),
      ).toEqual(['httpfaults.policy.weft.dev', 'httplocalratelimitpolicies.policy.weft.dev']);
      await server.create('v1', 'Namespace', undefined, { metadata: { name: 'demo' } });
      const fault = await server.create('policy.weft.dev/v1alpha1', 'HTTPFault', 'demo', {
        metadata: { name: 'slow' },
        spec: {},
      });
      expect(fault.metadata.uid).toBeTruthy();
    });
  });
});
