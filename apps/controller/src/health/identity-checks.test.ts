// The proxy-certificate check as `weft check` and the Health page word it: each proxy's
// last renewal when all is well, and a warning naming a proxy whose renewals the CA
// refused since its last certificate (cleared once it gets one).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '@weft/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Platform } from '../core/platform.ts';
import { createIdentity, type Identity } from '../identity/index.ts';
import { makeCsr } from '../identity/test-util.ts';
import { identityChecks } from './identity-checks.ts';

const WEB = 'web.demo.serviceaccount.identity.weft.cluster.local';
let dir: string;
let id: Identity;

const pod = (name: string) =>
  ({ namespace: 'demo', name, meshed: true, phase: 'Running', startedAt: new Date().toISOString() }) as Pod;
const platform = { listPods: () => [pod('web-1'), pod('web-2')] } as unknown as Platform;
const token = (p: string) =>
  id.tokens.issue({ namespace: 'demo', serviceAccount: 'web', workload: 'web', pod: p });
const check = () =>
  identityChecks(platform, id.service, new Date()).find((c) => c.id === 'identity.proxy-certificates');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-health-identity-'));
  id = await createIdentity({ stateDir: dir, trustDomain: 'cluster.local', log: () => {} });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it("lists each proxy's last renewal, and warns of renewals refused since, until the next certificate", async () => {
  const first = await id.service.certify({ csr: (await makeCsr([WEB])).pem, token: token('web-1') });
  await id.service.certify({ csr: (await makeCsr([WEB])).pem, token: token('web-2') });
  const issued = id.service
    .certificates()
    .sort((a, b) => a.issuedAt.localeCompare(b.issuedAt))
    .map((c) => `demo/${c.pod} ${c.issuedAt}`);
  expect(check()).toMatchObject({
    status: 'ok',
    detail: `2 meshed proxies hold valid certificates; last renewal: ${issued.join(', ')}`,
  });

  const wrong = (await makeCsr(['db.demo.serviceaccount.identity.weft.cluster.local'])).pem;
  for (let i = 0; i < 2; i++)
    await expect(id.service.certify({ csr: wrong, token: token('web-2') })).rejects.toThrow(
      /asks for identity/,
    );
  const warned = check();
  expect(warned?.status).toBe('warning');
  expect(warned?.detail).toMatch(
    /^demo\/web-2: 2 renewals refused since its last certificate \(.+\), last at .+ \(identity_mismatch: certify: CSR asks for identity "db\.demo/,
  );
  expect(warned?.detail).not.toContain('web-1');
  expect(first.identity).toBe(WEB);

  await id.service.certify({ csr: (await makeCsr([WEB])).pem, token: token('web-2') });
  expect(check()?.status).toBe('ok');
});
