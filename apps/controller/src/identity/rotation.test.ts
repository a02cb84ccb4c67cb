/**
 * The rotation state machine without processes: an in-memory store, the real CA code, and
 * "proxies" that renew as a real one does when `identity.watch` tells it of a change.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdentityWatchEvent, IssuedCertificate } from '@weft/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Authority, bundleDigest } from './authority.ts';
import { type CaMaterial, generateCa } from './ca.ts';
import { RotationMachine } from './rotation.ts';
import {
  FileRotationStore,
  type FinishedRotation,
  type RotationRecord,
  type RotationStore,
} from './rotation-store.ts';
import { loadOrCreateCa } from './store.ts';
import { privateKeyToPem, x509 } from './x509.ts';

class MemoryStore implements RotationStore {
  record: RotationRecord | undefined;
  published: string[] = [];
  committed: RotationRecord | undefined;
  async load() {
    return this.record;
  }
  async save(r: RotationRecord) {
    this.record = r;
  }
  async publishAnchors(pem: string) {
    this.published.push(pem);
  }
  async commit(r: RotationRecord) {
    this.committed = r;
    this.record = undefined;
  }
  async clear() {
    this.record = undefined;
  }
  async lastFinished(): Promise<FinishedRotation | undefined> {
    return undefined;
  }
}

/** Two proxies that hold whatever the authority hands out when they last renewed. */
class FakeProxies {
  readonly records = new Map<string, IssuedCertificate>();
  constructor(private readonly authority: Authority) {}
  renew(pod: string): void {
    this.records.set(pod, {
      identity: `${pod}.demo.serviceaccount.identity.weft.cluster.local`,
      namespace: 'demo',
      serviceAccount: pod,
      workload: pod,
      pod,
      serialNumber: '01',
      notBefore: new Date().toISOString(),
      notAfter: new Date(Date.now() + 3600_000).toISOString(),
      issuedAt: new Date().toISOString(),
      issuerSerial: this.authority.signer.issuer.serialNumber,
      anchorsDigest: this.authority.anchorsDigest,
    });
  }
  list = () => [...this.records.values()];
}

let ca: CaMaterial;
let authority: Authority;
let store: MemoryStore;
let proxies: FakeProxies;
let events: IdentityWatchEvent[];

function machine(): RotationMachine {
  return new RotationMachine({ authority, store, trustDomain: 'cluster.local', proxies: proxies.list });
}

function anchorsIn(pem: string): string[] {
  return x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der).serialNumber);
}

beforeEach(async () => {
  ca = await generateCa({ trustDomain: 'cluster.local' });
  authority = new Authority(ca);
  store = new MemoryStore();
  proxies = new FakeProxies(authority);
  proxies.renew('web');
  proxies.renew('api');
  events = [];
  authority.onChange((e) => events.push(e));
});

describe('bundleDigest', () => {
  it('is the first 16 hex digits of the SHA-256 of the PEM without whitespace (as proxies compute it)', () => {
    expect(bundleDigest('a b\nc')).toBe('ba7816bf8f01cfea');
  });
});

describe('anchor rotation', () => {
  it('walks generate, distribute, switch and finish, telling proxies each change', async () => {
    const m = machine();
    const started = await m.start({ kind: 'anchor' });
    expect(started).toMatchObject({ kind: 'anchor', phase: 'generated', readyToAdvance: true });
    const next = store.record?.next as CaMaterial;
    expect(await next.issuer.verify({ publicKey: next.trustAnchor.publicKey, signatureOnly: true })).toBe(
      true,
    );
    expect(next.trustAnchor.subject).not.toBe(ca.trustAnchor.subject);
    expect(events).toHaveLength(0);

    // 2: both anchors go out; the old issuer still signs; proxies have not renewed yet.
    let s = await m.advance({ from: 'generated' });
    expect(anchorsIn(events.at(-1)?.trustAnchors ?? '')).toEqual([
      ca.trustAnchor.serialNumber,
      next.trustAnchor.serialNumber,
    ]);
    expect(events.at(-1)?.issuerSerial).toBe(ca.issuer.serialNumber);
    expect(store.published).toHaveLength(1);
    expect(s.active).toMatchObject({ phase: 'distributing', anchorsDistributed: 2, readyToAdvance: false });
    expect(s.active?.proxies.map((p) => p.trustsBundle)).toEqual([false, false]);
    proxies.renew('web');
    proxies.renew('api');
    expect(m.status().active?.readyToAdvance).toBe(true);

    // 3: the new issuer signs.
    s = await m.advance({ from: 'distributing' });
    expect(events.at(-1)?.issuerSerial).toBe(next.issuer.serialNumber);
    expect(authority.signer.issuer.serialNumber).toBe(next.issuer.serialNumber);
    expect(s.active?.proxies.map((p) => p.onNewIssuer)).toEqual([false, false]);
    proxies.renew('web');
    proxies.renew('api');
    expect(m.status().active?.proxies.every((p) => p.onNewIssuer && p.trustsBundle)).toBe(true);

    // 4: only the new anchor; the new CA is committed.
    s = await m.advance({ from: 'switching' });
    expect(s.active).toBeNull();
    expect(s.lastFinished?.kind).toBe('anchor');
    expect(anchorsIn(events.at(-1)?.trustAnchors ?? '')).toEqual([next.trustAnchor.serialNumber]);
    expect(store.committed?.next.issuer.serialNumber).toBe(next.issuer.serialNumber);
  });

  it('waits for every proxy unless forced, and names the ones still on the old chain', async () => {
    const m = machine();
    await m.start({ kind: 'anchor' });
    await m.advance({ from: 'generated' });
    proxies.renew('web');
    await expect(m.advance({ from: 'distributing' })).rejects.toMatchObject({
      code: 'WEFT_CONFLICT',
      message: expect.stringMatching(/1 proxies have not moved yet \(demo\/api\)/),
    });
    expect(m.status().active?.phase).toBe('distributing');
    const s = await m.advance({ from: 'distributing', force: true });
    expect(s.active?.phase).toBe('switching');
  });

  it('refuses a stale step, a second rotation, and a step with none in progress', async () => {
    const m = machine();
    await expect(m.advance({ from: 'generated' })).rejects.toThrow(/no rotation is in progress/);
    await m.start({ kind: 'anchor' });
    await expect(m.start({ kind: 'issuer' })).rejects.toThrow(/already in phase generated/);
    await expect(m.advance({ from: 'switching' })).rejects.toThrow(/in phase generated, not switching/);
  });

  it('cancels while distributing (back to the old anchor alone) but not once the new issuer signs', async () => {
    const m = machine();
    await m.start({ kind: 'anchor' });
    await m.advance({ from: 'generated' });
    const s = await m.cancel();
    expect(s.active).toBeNull();
    expect(anchorsIn(events.at(-1)?.trustAnchors ?? '')).toEqual([ca.trustAnchor.serialNumber]);
    expect(authority.signer.issuer.serialNumber).toBe(ca.issuer.serialNumber);
    expect(store.record).toBeUndefined();

    await m.start({ kind: 'anchor' });
    await m.advance({ from: 'generated', force: true });
    await m.advance({ from: 'distributing', force: true });
    await expect(m.cancel()).rejects.toThrow(/already signs proxy certificates; finish the rotation/);
  });

  it('resumes after a restart in the phase it was in', async () => {
    const first = machine();
    await first.start({ kind: 'anchor' });
    await first.advance({ from: 'generated' });
    await first.advance({ from: 'distributing', force: true });
    const next = store.record?.next as CaMaterial;
    // A new process: the authority starts from the CA files (the old CA).
    authority = new Authority(ca);
    const second = machine();
    await second.resume();
    expect(second.status().active).toMatchObject({
      kind: 'anchor',
      phase: 'switching',
      anchorsDistributed: 2,
    });
    expect(authority.signer.issuer.serialNumber).toBe(next.issuer.serialNumber);
    expect(anchorsIn(authority.anchorsPem)).toHaveLength(2);
  });
});

describe('issuer rotation', () => {
  it('signs a new issuer with the same anchor and never changes the anchors', async () => {
    const m = machine();
    await m.start({ kind: 'issuer' });
    const next = store.record?.next as CaMaterial;
    expect(next.trustAnchor.serialNumber).toBe(ca.trustAnchor.serialNumber);
    expect(await next.issuer.verify({ publicKey: ca.trustAnchor.publicKey, signatureOnly: true })).toBe(true);
    const s = await m.advance({ from: 'generated' });
    expect(s.active?.readyToAdvance).toBe(true);
    await m.advance({ from: 'distributing' });
    expect(m.status().active?.readyToAdvance).toBe(false);
    proxies.renew('web');
    proxies.renew('api');
    await m.advance({ from: 'switching' });
    expect(events.every((e) => anchorsIn(e.trustAnchors).join() === ca.trustAnchor.serialNumber)).toBe(true);
    expect(authority.signer.issuer.serialNumber).toBe(next.issuer.serialNumber);
  });

  it('checks an uploaded issuer and refuses one the anchor did not sign', async () => {
    const other = await generateCa({ trustDomain: 'cluster.local' });
    const upload = {
      issuerCert: other.issuer.toString('pem'),
      issuerKey: await privateKeyToPem(other.issuerKey),
    };
    await expect(machine().start({ kind: 'issuer', upload })).rejects.toThrow(
      /is not signed by the trust anchor/,
    );
    await expect(machine().start({ kind: 'anchor', upload })).rejects.toThrow(/needs the new trust anchor/);
    const s = await machine().start({
      kind: 'anchor',
      upload: { ...upload, trustAnchor: other.trustAnchor.toString('pem') },
    });
    expect(s.newIssuer.serialNumber).toBe(other.issuer.serialNumber);
    expect(store.record).toBeDefined();
  });
});

describe('FileRotationStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-rotation-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the rotation across restarts and makes the new CA the CA on finish', async () => {
    const loaded = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
    authority = new Authority(loaded.ca);
    const fileStore = new FileRotationStore(dir);
    const m = new RotationMachine({
      authority,
      store: fileStore,
      trustDomain: 'cluster.local',
      proxies: () => [],
    });
    await m.start({ kind: 'anchor' });
    await m.advance({ from: 'generated' });
    const bundle = await readFile(join(dir, 'identity', 'trust-anchor.pem'), 'utf8');
    expect(anchorsIn(bundle)).toHaveLength(2);
    // The CA files still load (the old anchor first in the bundle).
    const reloaded = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
    expect(reloaded.ca.issuer.serialNumber).toBe(loaded.ca.issuer.serialNumber);
    const record = await fileStore.load();
    expect(record?.phase).toBe('distributing');
    await m.advance({ from: 'distributing' });
    await m.advance({ from: 'switching' });
    const after = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
    expect(after.ca.issuer.serialNumber).toBe(record?.next.issuer.serialNumber);
    expect(anchorsIn(await readFile(join(dir, 'identity', 'trust-anchor.pem'), 'utf8'))).toEqual([
      record?.next.trustAnchor.serialNumber,
    ]);
    expect(await fileStore.load()).toBeUndefined();
    expect((await fileStore.lastFinished())?.kind).toBe('anchor');
  });

  it('finishes a rotation that crashed while finishing before the CA is read', async () => {
    const loaded = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
    authority = new Authority(loaded.ca);
    const fileStore = new FileRotationStore(dir);
    const m = new RotationMachine({
      authority,
      store: fileStore,
      trustDomain: 'cluster.local',
      proxies: () => [],
    });
    await m.start({ kind: 'issuer' });
    const file = join(dir, 'identity', 'private', 'rotation.json');
    const saved = JSON.parse(await readFile(file, 'utf8'));
    // As if the process died after marking it finishing, before writing the CA files.
    await writeFile(file, JSON.stringify({ ...saved, phase: 'switching', finishing: true }));
    expect(await new FileRotationStore(dir).load()).toBeUndefined();
    const after = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
    expect(after.ca.issuer.toString('pem')).toBe(saved.issuer);
  });

  it('refuses a corrupt rotation file, naming it', async () => {
    await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
    await writeFile(join(dir, 'identity', 'private', 'rotation.json'), '{"kind":"x"}');
    await expect(new FileRotationStore(dir).load()).rejects.toThrow(
      /rotation\.json is not a rotation record/,
    );
  });
});
