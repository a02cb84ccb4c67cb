/**
 * Guided rotation of the issuer, or of the trust anchor (with a new issuer under it), as
 * a state machine over the {@link Authority} (who signs, which anchors proxies trust) and
 * a {@link RotationStore} port (persisted, so a restart resumes it):
 *
 *   start     (1) generate or upload the new CA                  -> generated
 *   advance   (2) distribute old + new anchor; proxies renew       -> distributing
 *   advance   (3) the new issuer signs; proxies renew onto it      -> switching
 *   advance   (4) finish: only the new anchor; the new CA is the CA -> (none)
 *
 * Each change of the authority reaches proxies on `identity.watch`, and they renew at
 * once, so a step takes seconds, not a certificate lifetime. An advance waits for every
 * live proxy (its last certificate's issuer and anchors) unless forced. Cancel is allowed
 * until the new issuer signs.
 */
import {
  type ActiveRotation,
  ErrorCode,
  type IssuedCertificate,
  MeshError,
  type RotationAdvanceInput,
  type RotationPhase,
  type RotationProxy,
  type RotationStartInput,
  type RotationStatus,
} from '@weft/shared';
import type { Authority } from './authority.ts';
import { anchorsBundle, bundleDigest } from './authority.ts';
import {
  ANCHOR_LIFETIME_MS,
  type CaMaterial,
  checkCaMaterial,
  generateAnchor,
  generateIssuer,
} from './ca.ts';
import type { RotationRecord, RotationStore } from './rotation-store.ts';
import { summarizeCertificate } from './service.ts';
import { privateKeyFromPem, x509 } from './x509.ts';

export interface RotationOptions {
  authority: Authority;
  store: RotationStore;
  trustDomain: string;
  /** The last certificate of each live proxy. */
  proxies: () => IssuedCertificate[];
  /** Why rotation is not possible here (a CA from files given at start), if it is not. */
  unavailable?: string;
  log?: (message: string) => void;
  now?: () => Date;
}

const bad = (message: string) => new MeshError(ErrorCode.invalidInput, `identity rotation: ${message}`);
const conflict = (message: string) => new MeshError(ErrorCode.conflict, `identity rotation: ${message}`);

export class RotationMachine {
  readonly #opts: RotationOptions;
  readonly #now: () => Date;
  #active: RotationRecord | undefined;
  /** The CA before the rotation (signer and anchor), to go back to on cancel. */
  #before: CaMaterial;
  #lastFinished: { kind: 'issuer' | 'anchor'; finishedAt: string } | undefined;
  /** Mutations run one after another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: RotationOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? (() => new Date());
    this.#before = opts.authority.signer;
  }

  /** Picks up a rotation persisted by an earlier run and restores what proxies are told. */
  async resume(): Promise<void> {
    this.#lastFinished = await this.#opts.store.lastFinished();
    const r = await this.#opts.store.load();
    if (!r) return;
    this.#active = r;
    this.#before = this.#opts.authority.signer;
    await this.#apply(r);
    this.#log(`resumed the ${r.kind} rotation in phase ${r.phase}`);
  }

  status(): RotationStatus {
    return {
      active: this.#active ? this.#describe(this.#active) : null,
      lastFinished: this.#lastFinished ?? null,
      unavailable: this.#opts.unavailable ?? null,
    };
  }

  /** Step 1: generates (or checks the uploaded) new CA. Nothing changes for proxies yet. */
  start(input: RotationStartInput): Promise<ActiveRotation> {
    return this.#serial(async () => {
      if (this.#opts.unavailable) throw conflict(this.#opts.unavailable);
      if (this.#active)
        throw conflict(
          `an ${this.#active.kind} rotation is already in phase ${this.#active.phase}; advance or cancel it first`,
        );
      const current = this.#opts.authority.signer;
      const next = await this.#newCa(input, current);
      const at = this.#now().toISOString();
      const r: RotationRecord = {
        kind: input.kind,
        phase: 'generated',
        startedAt: at,
        updatedAt: at,
        oldAnchor: current.trustAnchor,
        next,
      };
      await this.#opts.store.save(r);
      this.#before = current;
      this.#active = r;
      this.#log(
        `started an ${r.kind} rotation: new issuer ${next.issuer.subject} (serial ${next.issuer.serialNumber})`,
      );
      return this.#describe(r);
    });
  }

  /** Steps 2 to 4: the next phase, once every proxy is ready (or forced). */
  advance(input: RotationAdvanceInput): Promise<RotationStatus> {
    return this.#serial(async () => {
      const r = this.#active;
      if (!r) throw conflict('no rotation is in progress; start one first');
      if (r.phase !== input.from)
        throw conflict(`the rotation is in phase ${r.phase}, not ${input.from} (someone else advanced it?)`);
      const view = this.#describe(r);
      if (!view.readyToAdvance && !input.force) {
        const waiting = view.proxies
          .filter((p) => !proxyDone(r.phase, p))
          .map((p) => `${p.namespace}/${p.pod}`);
        throw conflict(
          `${waiting.length} proxies have not moved yet (${waiting.slice(0, 5).join(', ')}${waiting.length > 5 ? ', ...' : ''}); wait, or force it (they fail mTLS until they renew)`,
        );
      }
      if (r.phase === 'switching') {
        await this.#opts.store.commit(r);
        this.#opts.authority.set(r.next, [r.next.trustAnchor]);
        this.#active = undefined;
        this.#before = r.next;
        this.#lastFinished = { kind: r.kind, finishedAt: this.#now().toISOString() };
        this.#log(`finished the ${r.kind} rotation: ${r.next.trustAnchor.subject} is the only trust anchor`);
        return this.status();
      }
      const to: RotationPhase = r.phase === 'generated' ? 'distributing' : 'switching';
      const moved: RotationRecord = { ...r, phase: to, updatedAt: this.#now().toISOString() };
      // Persist first: proxies must never be told of a phase a restart would forget.
      await this.#opts.store.save(moved);
      this.#active = moved;
      await this.#apply(moved);
      this.#log(`${r.kind} rotation: ${to}`);
      return this.status();
    });
  }

  /** Drops a rotation whose new issuer does not sign yet; proxies go back to the old anchor alone. */
  cancel(): Promise<RotationStatus> {
    return this.#serial(async () => {
      const r = this.#active;
      if (!r) throw conflict('no rotation is in progress');
      if (r.phase === 'switching')
        throw conflict(
          'the new issuer already signs proxy certificates; finish the rotation (cancelling now would break them)',
        );
      await this.#opts.store.publishAnchors(anchorsBundle([r.oldAnchor]));
      await this.#opts.store.clear();
      this.#opts.authority.set(this.#before, [r.oldAnchor]);
      this.#active = undefined;
      this.#log(`cancelled the ${r.kind} rotation in phase ${r.phase}`);
      return this.status();
    });
  }

  /** Tells proxies what the phase of `r` means: anchors to trust, issuer that signs. */
  async #apply(r: RotationRecord): Promise<void> {
    const anchors = overlap(r);
    if (r.phase === 'generated') return;
    await this.#opts.store.publishAnchors(anchorsBundle(anchors));
    this.#opts.authority.set(r.phase === 'switching' ? r.next : this.#before, anchors);
  }

  async #newCa(input: RotationStartInput, current: CaMaterial): Promise<CaMaterial> {
    const now = this.#now();
    const label = `rotated-${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}`;
    if (input.upload) {
      const u = input.upload;
      if (input.kind === 'issuer' && u.trustAnchor)
        throw bad('an issuer rotation keeps the trust anchor; upload only the issuer and its key');
      if (input.kind === 'anchor' && !u.trustAnchor)
        throw bad('an anchor rotation needs the new trust anchor with the issuer');
      const ca: CaMaterial = {
        trustAnchor: u.trustAnchor ? parseCert(u.trustAnchor, 'trustAnchor') : current.trustAnchor,
        issuer: parseCert(u.issuerCert, 'issuerCert'),
        issuerKey: await privateKeyFromPem(u.issuerKey).catch(() => {
          throw bad('issuerKey is not a PKCS#8 ECDSA P-256 private key');
        }),
        ...(input.kind === 'issuer' && current.trustAnchorKey
          ? { trustAnchorKey: current.trustAnchorKey }
          : {}),
      };
      await checkCaMaterial(ca, now);
      if (ca.issuer.serialNumber === current.issuer.serialNumber)
        throw bad('the uploaded issuer is the current one');
      if (input.kind === 'anchor' && ca.trustAnchor.serialNumber === current.trustAnchor.serialNumber)
        throw bad('the uploaded trust anchor is the current one');
      return ca;
    }
    if (input.kind === 'issuer') {
      if (!current.trustAnchorKey)
        throw bad(
          'the trust anchor key is not here (a CA from supplied files); upload a new issuer signed by it',
        );
      return generateIssuer(
        { cert: current.trustAnchor, key: current.trustAnchorKey },
        { trustDomain: this.#opts.trustDomain, now, label },
      );
    }
    const lifetime = Math.max(
      current.trustAnchor.notAfter.getTime() - current.trustAnchor.notBefore.getTime(),
      ANCHOR_LIFETIME_MS,
    );
    const anchor = await generateAnchor(this.#opts.trustDomain, lifetime, now, label);
    const issuer = await generateIssuer(anchor, { trustDomain: this.#opts.trustDomain, now, label });
    return { ...issuer, trustAnchorKey: anchor.key };
  }

  #describe(r: RotationRecord): ActiveRotation {
    const now = this.#now();
    const digest = bundleDigest(anchorsBundle(overlap(r)));
    const newSerial = r.next.issuer.serialNumber;
    const proxies: RotationProxy[] = this.#opts.proxies().map((c) => ({
      namespace: c.namespace,
      pod: c.pod ?? c.identity,
      identity: c.identity,
      trustsBundle: r.phase !== 'generated' && (r.kind === 'issuer' || c.anchorsDigest === digest),
      onNewIssuer: c.issuerSerial === newSerial,
      lastRenewal: c.issuedAt,
    }));
    return {
      kind: r.kind,
      phase: r.phase,
      startedAt: r.startedAt,
      updatedAt: r.updatedAt,
      newIssuer: summarizeCertificate(r.next.issuer, now),
      newTrustAnchor: r.kind === 'anchor' ? summarizeCertificate(r.next.trustAnchor, now) : null,
      anchorsDistributed: r.phase === 'generated' ? 1 : overlap(r).length,
      proxies,
      readyToAdvance: proxies.every((p) => proxyDone(r.phase, p)),
      next: NEXT[r.kind][r.phase],
    };
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  #log(message: string): void {
    this.#opts.log?.(message);
  }
}

/** Whether a proxy has done what `phase` waits for before the next advance. */
function proxyDone(phase: RotationPhase, p: RotationProxy): boolean {
  if (phase === 'generated') return true;
  if (phase === 'distributing') return p.trustsBundle;
  return p.trustsBundle && p.onNewIssuer;
}

/** The anchors trusted during the overlap: the old one, and the new one if it differs. */
function overlap(r: RotationRecord): x509.X509Certificate[] {
  return r.kind === 'anchor' ? [r.oldAnchor, r.next.trustAnchor] : [r.oldAnchor];
}

const NEXT: Record<'issuer' | 'anchor', Record<RotationPhase, string>> = {
  anchor: {
    generated: 'Distribute a bundle of the old and the new trust anchor; every proxy renews to trust both.',
    distributing: 'Switch to the new issuer; every proxy renews and gets a certificate from it.',
    switching: 'Finish: remove the old trust anchor; the new CA becomes the CA.',
  },
  issuer: {
    generated: 'Distribute: the trust anchor stays, so proxies need nothing new (nothing to wait for).',
    distributing: 'Switch to the new issuer; every proxy renews and gets a certificate from it.',
    switching: 'Finish: the new issuer becomes the CA’s issuer and the old one is discarded.',
  },
};

function parseCert(pem: string, field: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch {
    throw bad(`${field} is not a PEM certificate`);
  }
}
