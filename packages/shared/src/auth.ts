/**
 * Who may call the controller's API: the roles, what `auth.me` answers, and the inputs
 * and answers of logging in (password, one-time link) and of minting a login link.
 */
import { z } from 'zod';

/** `viewer` reads everything; `admin` also meshes, unmeshes, scales and changes policy. */
export const Role = z.enum(['viewer', 'admin']);
export type Role = z.infer<typeof Role>;

/** The kinds of authenticated caller. */
export const CallerKind = z.enum(['user', 'api-token', 'workload', 'auth-off']);
export type CallerKind = z.infer<typeof CallerKind>;

/** `auth.me`: who the API thinks the caller is. */
export const WhoAmI = z.object({
  kind: CallerKind,
  /** A user's name, `admin-token`, a workload's `namespace/pod`, or `local` with auth off. */
  name: z.string(),
  /** Absent for workloads, which have no dashboard role. */
  role: Role.nullable(),
});
export type WhoAmI = z.infer<typeof WhoAmI>;

/** A user name: letters, digits, `.`, `_`, `-`, 1 to 64 characters. */
export const UserName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, ".", "_" and "-"');

/** `auth.login`: a user's name and password. */
export const LoginInput = z.object({
  user: UserName,
  password: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
});
export type LoginInput = z.infer<typeof LoginInput>;

/** `auth.redeemLink`: the code of a one-time login link. */
export const RedeemLinkInput = z.object({
  code: z
    .string()
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters')
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a login code'),
});
export type RedeemLinkInput = z.infer<typeof RedeemLinkInput>;

/** A new session: the secret the dashboard keeps in its cookie, and until when it holds. */
export const SessionGrant = z.object({
  session: z.string(),
  user: z.string(),
  role: Role,
  expiresAt: z.string(),
});
export type SessionGrant = z.infer<typeof SessionGrant>;

/** `auth.createLoginLink`: a one-time code for the role asked (admin by default). */
export const CreateLoginLinkInput = z.object({ role: Role.default('admin') }).default({ role: 'admin' });
export type CreateLoginLinkInput = z.infer<typeof CreateLoginLinkInput>;

export const LoginLink = z.object({ code: z.string(), role: Role, expiresAt: z.string() });
export type LoginLink = z.infer<typeof LoginLink>;

/** `auth.logout`: the session to end. */
export const LogoutInput = z.object({ session: z.string().max(256) });

/** Name of the dashboard's session cookie, and of the header the dashboard forwards it in. */
export const SESSION_COOKIE = 'weft_session';
