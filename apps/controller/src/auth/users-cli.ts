/**
 * `npm run -s users -- add <name> <viewer|admin>`: adds (or replaces) a dashboard user in
 * `<WEFT_STATE_DIR>/auth/users.json`, reading the password from `WEFT_USER_PASSWORD` or
 * the first line of standard input. With `WEFT_PLATFORM=kubernetes` the user goes to the
 * `weft-auth` Secret the replicas share (namespace `WEFT_LEASE_NAMESPACE`, default
 * `weft`; kubeconfig from `KUBECONFIG` or in-cluster). A running controller sees the
 * change at the next login.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { LoginInput, Role } from '@weft/shared';
import { AuthSecret } from '../platform/kubernetes/auth-secret.ts';
import { loadKubeConfig } from '../platform/kubernetes/kubeconfig.ts';
import { SharedAuthStorage } from './shared-auth.ts';
import { UserStore } from './users.ts';

function fail(message: string): never {
  process.stderr.write(`users: ${message}\n`);
  process.exit(2);
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env.WEFT_USER_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

async function main(): Promise<void> {
  const [command, name, role] = process.argv.slice(2);
  if (command !== 'add' || name === undefined || role === undefined)
    fail('usage: users add <name> <viewer|admin>  (password from WEFT_USER_PASSWORD or stdin)');
  const parsedRole = Role.safeParse(role);
  if (!parsedRole.success) fail(`role must be viewer or admin, not "${role}"`);
  const password = await readPassword();
  const input = LoginInput.safeParse({ user: name, password });
  if (!input.success) fail(input.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; '));
  if (process.env.WEFT_PLATFORM === 'kubernetes') {
    const kc = loadKubeConfig(
      process.env.KUBECONFIG || undefined,
      process.env.KUBERNETES_SERVICE_HOST !== undefined,
    );
    const secret = new AuthSecret(kc, {
      namespace: process.env.WEFT_LEASE_NAMESPACE || 'weft',
      log: (m) => process.stderr.write(`users: ${m}\n`),
      watch: false,
    });
    const shared = await SharedAuthStorage.open(secret);
    await shared.setUser(input.data.user, parsedRole.data, input.data.password);
    process.stdout.write(`users: ${name} (${parsedRole.data}) saved in ${secret.where}\n`);
    return;
  }
  const stateDir = resolve(process.env.WEFT_STATE_DIR ?? '.weft');
  const store = new UserStore(stateDir);
  await store.set(input.data.user, parsedRole.data, input.data.password);
  process.stdout.write(`users: ${name} (${parsedRole.data}) saved in ${store.path}\n`);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
