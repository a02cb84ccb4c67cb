/**
 * `identity.*`: proxies get their certificates here (`certify`, a plain JSON POST to
 * `/trpc/identity.certify`), and the dashboard reads the CA's state (`status`) and the
 * last certificate of each pod (`certificates`).
 */
import {
  CertifyRequest,
  CertifyResponse,
  ErrorCode,
  IdentityStatus,
  IssuedCertificate,
  IssuedCertificatesQuery,
  MeshError,
} from '@weft/shared';
import { z } from 'zod';
import type { IdentityService } from '../identity/service.ts';
import { publicProcedure, router } from './trpc.ts';

function service(identity: IdentityService | undefined): IdentityService {
  if (!identity) throw new MeshError(ErrorCode.unavailable, 'identity: this controller runs without a CA');
  return identity;
}

export const identityRouter = router({
  certify: publicProcedure
    .input(CertifyRequest)
    .output(CertifyResponse)
    .mutation(({ ctx, input }) => service(ctx.identity).certify(input)),

  status: publicProcedure.output(IdentityStatus).query(({ ctx }) => service(ctx.identity).status()),

  certificates: publicProcedure
    .input(IssuedCertificatesQuery.optional())
    .output(z.array(IssuedCertificate))
    .query(({ ctx, input }) => service(ctx.identity).certificates(input ?? {})),
});
