/**
 * `auth.*`: who am I, logging in (password or one-time link) and out, and minting
 * one-time login links (admins, e.g. `npm start` with the admin token).
 */
import {
  CreateLoginLinkInput,
  ErrorCode,
  LoginInput,
  LoginLink,
  LogoutInput,
  MeshError,
  RedeemLinkInput,
  SessionGrant,
  WhoAmI,
} from '@weft/shared';
import { z } from 'zod';
import { describeCaller } from '../auth/caller.ts';
import type { AuthService } from '../auth/service.ts';
import { adminProcedure, authenticatedProcedure, publicProcedure, router } from './trpc.ts';

function service(auth: AuthService | undefined): AuthService {
  if (!auth) throw new MeshError(ErrorCode.unavailable, 'auth: this controller runs without logins');
  return auth;
}

export const authRouter = router({
  me: authenticatedProcedure.output(WhoAmI).query(({ ctx }) => {
    if (ctx.caller.kind === 'anonymous') throw new MeshError(ErrorCode.unauthenticated, 'not logged in');
    return describeCaller(ctx.caller);
  }),

  login: publicProcedure
    .input(LoginInput)
    .output(SessionGrant)
    .mutation(({ ctx, input }) => service(ctx.auth).login(input.user, input.password)),

  redeemLink: publicProcedure
    .input(RedeemLinkInput)
    .output(SessionGrant)
    .mutation(({ ctx, input }) => service(ctx.auth).redeem(input.code)),

  logout: publicProcedure
    .input(LogoutInput)
    .output(z.object({ ended: z.boolean() }))
    .mutation(async ({ ctx, input }) => ({ ended: await service(ctx.auth).logout(input.session) })),

  createLoginLink: adminProcedure
    .input(CreateLoginLinkInput)
    .output(LoginLink)
    .mutation(async ({ ctx, input }) => {
      const link = await service(ctx.auth).createLink(input.role);
      return { code: link.code, role: input.role, expiresAt: new Date(link.expiresAt).toISOString() };
    }),
});
