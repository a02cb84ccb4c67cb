/**
 * Guided rotation of the mesh CA, on the wire: the four steps (generate, distribute a
 * bundle of both anchors, switch proxies to the new issuer, finish), what
 * `identity.rotation.*` answers with per-proxy progress, and the `identity.watch` event
 * that tells proxies which issuer signs and which anchors to trust.
 */
import { z } from 'zod';
import { CertificateSummary } from './identity.ts';
import { lazy } from './lazy.ts';

/** What a rotation replaces: the issuer only, or the trust anchor and the issuer. */
export const RotationKind = lazy(() => z.enum(['issuer', 'anchor']));
export type RotationKind = z.infer<typeof RotationKind>;

/**
 * Where a rotation stands. `generated`: the new certificates exist, nothing changed yet.
 * `distributing`: proxies trust the old and the new anchor. `switching`: the new issuer
 * signs, proxies move to it. A finished or cancelled rotation is no longer active.
 */
export const RotationPhase = lazy(() => z.enum(['generated', 'distributing', 'switching']));
export type RotationPhase = z.infer<typeof RotationPhase>;

/** PEM text uploaded for the new CA instead of generating it. */
const PemText = z.string().min(1, 'must not be empty').max(64_000, 'must be at most 64000 characters');

/** `identity.rotation.start`: begin a rotation (step 1), generating or uploading the new CA. */
export const RotationStartInput = lazy(() =>
  z.object({
    kind: RotationKind,
    /** The new CA as PEM files; without it the controller generates one. */
    upload: z
      .object({
        /** The new trust anchor (anchor rotation only; an issuer rotation keeps the anchor). */
        trustAnchor: PemText.optional(),
        issuerCert: PemText,
        issuerKey: PemText,
      })
      .optional(),
  }),
);
export type RotationStartInput = z.infer<typeof RotationStartInput>;

/** `identity.rotation.advance`: the next step, from the phase the caller saw (a stale click fails). */
export const RotationAdvanceInput = lazy(() =>
  z.object({
    from: RotationPhase,
    /** Advance even though some proxies have not moved yet (they fail mTLS until they renew). */
    force: z.boolean().optional(),
  }),
);
export type RotationAdvanceInput = z.infer<typeof RotationAdvanceInput>;

/** One proxy's progress through the rotation. */
export const RotationProxy = lazy(() =>
  z.object({
    namespace: z.string(),
    pod: z.string(),
    identity: z.string(),
    /** It trusts the anchors the controller distributes now. */
    trustsBundle: z.boolean(),
    /** Its certificate was signed by the new issuer. */
    onNewIssuer: z.boolean(),
    /** When its certificate was last issued (its last renewal). */
    lastRenewal: z.string(),
  }),
);
export type RotationProxy = z.infer<typeof RotationProxy>;

/** An active rotation. */
export const ActiveRotation = lazy(() =>
  z.object({
    kind: RotationKind,
    phase: RotationPhase,
    startedAt: z.string(),
    updatedAt: z.string(),
    /** The issuer that replaces the current one. */
    newIssuer: CertificateSummary,
    /** The anchor that replaces the current one (anchor rotation only). */
    newTrustAnchor: CertificateSummary.nullable(),
    /** Number of anchors proxies are told to trust now (2 during the overlap). */
    anchorsDistributed: z.number().int().nonnegative(),
    proxies: z.array(RotationProxy),
    /** Whether every proxy has done what the current phase waits for. */
    readyToAdvance: z.boolean(),
    /** What the next `advance` does, in words. */
    next: z.string(),
  }),
);
export type ActiveRotation = z.infer<typeof ActiveRotation>;

/** `identity.rotation.status`. */
export const RotationStatus = lazy(() =>
  z.object({
    active: ActiveRotation.nullable(),
    /** The last rotation that finished, if this controller has seen one. */
    lastFinished: z.object({ kind: RotationKind, finishedAt: z.string() }).nullable(),
    /** Why a rotation cannot start here, if it cannot (a CA from supplied files, say). */
    unavailable: z.string().nullable(),
  }),
);
export type RotationStatus = z.infer<typeof RotationStatus>;

/** `identity.watch`: what the controller wants proxies to hold; a proxy renews when it differs. */
export const IdentityWatchEvent = z.object({
  /** Serial number (hex) of the issuer that signs certificates now. */
  issuerSerial: z.string(),
  /** The trust anchors' PEM bundle proxies should trust now. */
  trustAnchors: z.string(),
});
export type IdentityWatchEvent = z.infer<typeof IdentityWatchEvent>;

/**
 * `identity.watch` input: what the proxy holds when it (re)connects, so a controller that
 * restarted mid-rotation (and lost its last records) still knows each proxy's progress.
 * `anchorsDigest`: the first 16 hex digits of the SHA-256 of its anchors' PEM, whitespace removed.
 */
export const IdentityWatchInput = lazy(() =>
  z
    .object({
      issuerSerial: z.string().max(128),
      anchorsDigest: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits'),
    })
    .nullish(),
);
export type IdentityWatchInput = z.infer<typeof IdentityWatchInput>;
