/**
 * `identity.*`: proxies get their certificates here (`certify`, a plain JSON POST to
 * `/trpc/identity.certify`), and the dashboard reads the CA's state (`status`) and the
 * last certificate of each pod (`certificates`). A proxy renews its workload token with
 * `renewToken`. `watch` and `rotation.*` (in `identity-rotation.ts`) rotate the CA.
 */
import {
  CertifyRequest,
  CertifyResponse,
  ErrorCode,
  IdentityStatus,
  IssuedCertificate,
  IssuedCertificatesQuery,
  MeshError,
  WorkloadTokenGrant,
} from '@weft/shared';
import { z } from 'zod';
import type { IdentityService } from '../identity/service.ts';
import { identityWatch, rotationRouter } from './identity-rotation.ts';
import { proxyProcedure, router, viewerProcedure } from './trpc.ts';

function service(identity: IdentityService | undefined): IdentityService {
  if (!identity) throw new MeshError(ErrorCode.unavailable, 'identity: this controller runs without a CA');
  return identity;
}

export const identityRouter = router({
  certify: proxyProcedure
    .input(CertifyRequest)
    .output(CertifyResponse)
    .mutation(({ ctx, input }) => service(ctx.identity).certify(input)),

  status: viewerProcedure.output(IdentityStatus).query(({ ctx }) => service(ctx.identity).status()),

  certificates: viewerProcedure
    .input(IssuedCertificatesQuery.optional())
    .output(z.array(IssuedCertificate))
    .query(({ ctx, input }) => service(ctx.identity).certificates(input ?? {})),

  /** Which issuer signs and which anchors to trust, now and on every change (proxies renew on a change). */
  watch: identityWatch,

  /** The guided rotation of the issuer or the trust anchor. */
  rotation: rotationRouter,

  /** A fresh token for the calling proxy's workload, before its own expires. */
  renewToken: proxyProcedure.output(WorkloadTokenGrant).mutation(({ ctx }) => {
    const tokens = ctx.workloadTokens;
    if (!tokens)
      throw new MeshError(ErrorCode.unavailable, 'identity: this controller issues no workload tokens');
    if (!ctx.workload)
      throw new MeshError(
        ErrorCode.invalidInput,
        'identity.renewToken: auth is off; there is no token to renew',
      );
    return {
      token: tokens.issue(ctx.workload),
      expiresAt: new Date(Date.now() + tokens.ttlMs).toISOString(),
    };
  }),
});
