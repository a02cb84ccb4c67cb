/**
 * What `npm run manifests` prints to install Weft in a cluster: the namespace, the
 * controller's ServiceAccount and RBAC, the policy CRDs, the webhook's TLS Secret, the
 * mesh CA's Secret (trust anchor, issuer certificate and key, so every replica signs
 * with the same CA), the trust anchors' ConfigMap the injected proxies mount, the
 * controller Deployment and Service (API on 7090, injection webhook on 8443), the
 * MutatingWebhookConfiguration (its caBundle the Secret's certificate) and the
 * dashboard Deployment and Service. Images are built from the esbuild bundles with the
 * Dockerfiles beside each app.
 */

import { DEFAULT_TRUST_DOMAIN, TRUST_ROOTS_CONFIGMAP, TRUST_ROOTS_LABEL } from '@weft/shared';
import { generateCa } from '../identity/ca.ts';
import { privateKeyToPem } from '../identity/x509.ts';
import { WEBHOOK_PATH } from '../platform/kubernetes/webhook.ts';
import { selfSignedServingCert } from '../platform/kubernetes/webhook-cert.ts';
import { policyCrds } from './crds.ts';

export interface InstallOptions {
  namespace?: string;
  /** Image tag of the controller, proxy, init and dashboard images. */
  version?: string;
  registry?: string;
}

const API_PORT = 7090;
const WEBHOOK_PORT = 8443;
const DASHBOARD_PORT = 3000;

export async function installManifests(options: InstallOptions = {}): Promise<Record<string, unknown>[]> {
  const ns = options.namespace ?? 'weft';
  const version = options.version ?? '0.1.0';
  const registry = options.registry ?? 'ghcr.io/weft';
  const image = (name: string) => `${registry}/${name}:${version}`;
  const labels = (component: string) => ({
    'app.kubernetes.io/name': component,
    'app.kubernetes.io/part-of': 'weft',
  });
  const service = `weft-controller.${ns}.svc`;
  const cert = await selfSignedServingCert({
    dnsNames: [service, `weft-controller.${ns}`, 'weft-controller'],
  });
  const caBundle = Buffer.from(cert.certPem).toString('base64');
  const meshCa = await generateCa({ trustDomain: DEFAULT_TRUST_DOMAIN });
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { ...labels('weft'), 'weft.dev/control-plane': 'true' } },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'weft-controller', namespace: ns, labels: labels('weft-controller') },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'weft-controller', labels: labels('weft-controller') },
      rules: [
        { apiGroups: [''], resources: ['namespaces', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        // Policies applied through the API are written as their resources, so both replicas see them.
        {
          apiGroups: ['policy.weft.dev'],
          resources: ['*'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
        },
        { apiGroups: ['policy.weft.dev'], resources: ['*/status'], verbs: ['get', 'patch', 'update'] },
        // Gateway API and Linkerd policy kinds: read, and written for policies applied through the API.
        {
          apiGroups: ['gateway.networking.k8s.io'],
          resources: ['httproutes', 'grpcroutes'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
        },
        {
          apiGroups: ['policy.linkerd.io'],
          resources: [
            'httproutes',
            'grpcroutes',
            'servers',
            'authorizationpolicies',
            'meshtlsauthentications',
            'networkauthentications',
          ],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
        },
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
        // The copy of the trust anchors kept in each namespace with meshed pods.
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'list', 'watch', 'create', 'update'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'weft-controller', labels: labels('weft-controller') },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'weft-controller' },
      subjects: [{ kind: 'ServiceAccount', name: 'weft-controller', namespace: ns }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'weft-controller', namespace: ns, labels: labels('weft-controller') },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
        // The CA and webhook Secrets, and weft-auth (sign-in state shared by the replicas, watched).
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'weft-controller', namespace: ns, labels: labels('weft-controller') },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'weft-controller' },
      subjects: [{ kind: 'ServiceAccount', name: 'weft-controller', namespace: ns }],
    },
    ...policyCrds(),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'weft-webhook-tls', namespace: ns, labels: labels('weft-controller') },
      data: {
        'tls.crt': caBundle,
        'tls.key': Buffer.from(cert.keyPem).toString('base64'),
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: 'weft-identity-ca', namespace: ns, labels: labels('weft-controller') },
      data: {
        'trust-anchor.pem': b64(meshCa.trustAnchor.toString('pem')),
        'issuer.pem': b64(meshCa.issuer.toString('pem')),
        'issuer-key.pem': b64(await privateKeyToPem(meshCa.issuerKey)),
      },
    },
    {
      // The anchors every injected proxy mounts (public: a ConfigMap, not the CA's Secret).
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: TRUST_ROOTS_CONFIGMAP,
        namespace: ns,
        labels: { ...labels('weft-controller'), [TRUST_ROOTS_LABEL]: 'true' },
      },
      data: {
        'trust-anchor.pem': meshCa.trustAnchor.toString('pem'),
        'trust-domain': DEFAULT_TRUST_DOMAIN,
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'weft-controller', namespace: ns, labels: labels('weft-controller') },
      spec: {
        // Both serve reads; the Lease holder runs the writers; policies, their history and
        // canaries live in the cluster (custom resources, weft-state-* ConfigMaps).
        replicas: 2,
        selector: { matchLabels: labels('weft-controller') },
        template: {
          metadata: { labels: labels('weft-controller') },
          spec: {
            serviceAccountName: 'weft-controller',
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 2103,
              // Secret volumes are root's; the group lets the controller read the CA key (0440).
              fsGroup: 2103,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'controller',
                image: image('controller'),
                ports: [
                  { name: 'api', containerPort: API_PORT },
                  { name: 'webhook', containerPort: WEBHOOK_PORT },
                ],
                env: [
                  { name: 'WEFT_PLATFORM', value: 'kubernetes' },
                  { name: 'WEFT_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  {
                    name: 'WEFT_LEASE_NAMESPACE',
                    valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
                  },
                  { name: 'WEFT_API_ADDR', value: `0.0.0.0:${API_PORT}` },
                  { name: 'WEFT_STATE_DIR', value: '/var/lib/weft' },
                  { name: 'WEFT_CONTROLLER_URL', value: `http://${service}:${API_PORT}` },
                  { name: 'WEFT_WEBHOOK_ADDR', value: `0.0.0.0:${WEBHOOK_PORT}` },
                  { name: 'WEFT_WEBHOOK_CERT_FILE', value: '/etc/weft/webhook/tls.crt' },
                  { name: 'WEFT_WEBHOOK_KEY_FILE', value: '/etc/weft/webhook/tls.key' },
                  { name: 'WEFT_IDENTITY_TRUST_ANCHOR_FILE', value: '/etc/weft/identity/trust-anchor.pem' },
                  { name: 'WEFT_IDENTITY_ISSUER_CERT_FILE', value: '/etc/weft/identity/issuer.pem' },
                  { name: 'WEFT_IDENTITY_ISSUER_KEY_FILE', value: '/etc/weft/identity/issuer-key.pem' },
                  { name: 'WEFT_PROXY_IMAGE', value: image('proxy') },
                  { name: 'WEFT_INIT_IMAGE', value: image('init') },
                ],
                readinessProbe: { tcpSocket: { port: API_PORT }, periodSeconds: 5 },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  { name: 'webhook-tls', mountPath: '/etc/weft/webhook', readOnly: true },
                  { name: 'identity-ca', mountPath: '/etc/weft/identity', readOnly: true },
                  { name: 'state', mountPath: '/var/lib/weft' },
                ],
              },
            ],
            volumes: [
              { name: 'webhook-tls', secret: { secretName: 'weft-webhook-tls' } },
              { name: 'identity-ca', secret: { secretName: 'weft-identity-ca', defaultMode: 0o440 } },
              { name: 'state', emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'weft-controller', namespace: ns, labels: labels('weft-controller') },
      spec: {
        selector: labels('weft-controller'),
        ports: [
          { name: 'api', port: API_PORT, targetPort: 'api' },
          { name: 'webhook', port: 443, targetPort: 'webhook' },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'weft-proxy-injector', labels: labels('weft-controller') },
      webhooks: [
        {
          name: 'inject.weft.dev',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Ignore',
          timeoutSeconds: 10,
          reinvocationPolicy: 'Never',
          clientConfig: {
            service: { name: 'weft-controller', namespace: ns, path: WEBHOOK_PATH, port: 443 },
            caBundle,
          },
          rules: [
            {
              operations: ['CREATE'],
              apiGroups: [''],
              apiVersions: ['v1'],
              resources: ['pods'],
              scope: 'Namespaced',
            },
          ],
          namespaceSelector: {
            matchExpressions: [
              { key: 'weft.dev/control-plane', operator: 'DoesNotExist' },
              {
                key: 'kubernetes.io/metadata.name',
                operator: 'NotIn',
                values: ['kube-system', 'kube-public'],
              },
            ],
          },
        },
      ],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'weft-dashboard', namespace: ns, labels: labels('weft-dashboard') },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels('weft-dashboard') },
        template: {
          metadata: { labels: labels('weft-dashboard') },
          spec: {
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'dashboard',
                image: image('dashboard'),
                ports: [{ name: 'http', containerPort: DASHBOARD_PORT }],
                env: [
                  { name: 'CONTROLLER_URL', value: `http://${service}:${API_PORT}` },
                  { name: 'NEXT_TELEMETRY_DISABLED', value: '1' },
                  { name: 'PORT', value: String(DASHBOARD_PORT) },
                ],
                readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'weft-dashboard', namespace: ns, labels: labels('weft-dashboard') },
      spec: { selector: labels('weft-dashboard'), ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  ];
}
