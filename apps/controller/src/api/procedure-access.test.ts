/**
 * Every procedure on the router says who may call it: walked from the router itself, so
 * that a procedure added later on a public base fails here. Without a credential each
 * answers UNAUTHORIZED (only logging in is open), and a viewer may change nothing.
 */
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../auth/caller.ts';
import { appRouter, createCaller } from './router.ts';
import { type ApiServices, createContext } from './trpc.ts';

/** Open to anyone: the ways in and out. */
const PUBLIC = new Set(['auth.login', 'auth.redeemLink', 'auth.logout']);
/** Mutations a non-admin may make: its own session, and a proxy's certificate and token. */
const NOT_ADMIN_MUTATIONS = new Set([...PUBLIC, 'identity.certify', 'identity.renewToken']);

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
);

async function codeOf(caller: Caller, path: string): Promise<string | undefined> {
  // No service is reached: every call must stop at its access check (or at its input).
  const api = createCaller(createContext({} as ApiServices, caller)) as unknown as Record<string, unknown>;
  const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], api) as (
    input: unknown,
  ) => Promise<unknown>;
  try {
    await fn(undefined);
    return undefined;
  } catch (err) {
    return err instanceof TRPCError ? err.code : String(err);
  }
}

describe('procedure access', () => {
  it('finds the procedures', () => {
    expect(procedures.length).toBeGreaterThan(20);
  });

  it.each(procedures.filter(([path]) => !PUBLIC.has(path)))(
    '%s answers UNAUTHORIZED without a credential',
    async (path) => {
      expect(await codeOf({ kind: 'anonymous' }, path)).toBe('UNAUTHORIZED');
    },
  );

  it.each(procedures.filter(([path, p]) => p._def.type === 'mutation' && !NOT_ADMIN_MUTATIONS.has(path)))(
    '%s is FORBIDDEN to a viewer and to a proxy',
    async (path) => {
      expect(await codeOf({ kind: 'user', name: 'vera', role: 'viewer' }, path)).toBe('FORBIDDEN');
      const proxy: Caller = {
        kind: 'workload',
        token: 't',
        workload: { namespace: 'demo', serviceAccount: 'web' },
      };
      expect(await codeOf(proxy, path)).toBe('FORBIDDEN');
    },
  );

  // The policy editor's reads and the canary runner: each on the base its role needs.
  it.each([
    'policies.describeChange',
    'policies.describeRevision',
    'policies.describeRollback',
    'policies.trafficImpact',
    'canaries.list',
    'canaries.get',
    'canaries.watch',
  ])('%s is a read a viewer may call (it stops at its input or the missing service)', async (path) => {
    expect(procedures.map(([p]) => p)).toContain(path);
    const code = await codeOf({ kind: 'user', name: 'vera', role: 'viewer' }, path);
    expect(['BAD_REQUEST', 'SERVICE_UNAVAILABLE']).toContain(code);
  });

  it.each(['canaries.start', 'canaries.abort'])('%s is an admin mutation', (path) => {
    expect(procedures.find(([p]) => p === path)?.[1]._def.type).toBe('mutation');
  });
});
