/**
 * Who is calling the API, as established once per request by `Authenticator`: a
 * dashboard user (session), a script (the admin API token), a proxy (its workload token),
 * everyone with `WEFT_AUTH=off`, or nobody (with the reason a credential was refused).
 */
import type { Role, WhoAmI } from '@weft/shared';
import type { TokenIdentity } from '../identity/token.ts';

export type Caller =
  | { kind: 'anonymous'; refused?: string }
  | { kind: 'user'; name: string; role: Role }
  | { kind: 'api-token'; role: 'admin' }
  | { kind: 'workload'; workload: TokenIdentity; token: string }
  | { kind: 'auth-off'; role: 'admin' };

/** The caller of in-process calls made by the controller itself and by tests. */
export const IN_PROCESS_ADMIN: Caller = { kind: 'api-token', role: 'admin' };

/** The dashboard role of a caller; undefined for proxies and the unauthenticated. */
export function roleOf(caller: Caller): Role | undefined {
  return caller.kind === 'user' || caller.kind === 'api-token' || caller.kind === 'auth-off'
    ? caller.role
    : undefined;
}

/** What `auth.me` answers for an authenticated caller. */
export function describeCaller(caller: Exclude<Caller, { kind: 'anonymous' }>): WhoAmI {
  switch (caller.kind) {
    case 'user':
      return { kind: 'user', name: caller.name, role: caller.role };
    case 'api-token':
      return { kind: 'api-token', name: 'admin-token', role: 'admin' };
    case 'auth-off':
      return { kind: 'auth-off', name: 'local', role: 'admin' };
    case 'workload': {
      const w = caller.workload;
      return {
        kind: 'workload',
        name: `${w.namespace}/${w.pod ?? w.workload ?? w.serviceAccount}`,
        role: null,
      };
    }
  }
}
