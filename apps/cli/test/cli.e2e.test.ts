/**
 * Every `weft` command against a running local mesh: the real controller as its own
 * process on the demo application, `weft` run as a user runs it, asserting what it prints
 * and its exit status. One mesh is shared by the file's tests, which run in order.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type DemoMesh, REPO_ROOT, startDemoMesh, waitFor, weft } from './harness.ts';

const ROUTE = join(REPO_ROOT, 'examples/demo/policies/timeout.yaml');

let demo: DemoMesh;
let controller: DemoMesh['controller'];
let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  demo = await startDemoMesh('weft-cli-e2e-');
  ({ controller, work, env } = demo);
}, 150_000);

afterAll(() => demo?.stop(), 60_000);

describe('weft on the demo mesh', () => {
  it('check passes, grouped by category, and exits 0', async () => {
    const r = await weft(['check'], env);
    expect(r.code).toBe(0);
    for (const heading of ['control plane', 'identity', 'metrics', 'policy'])
      expect(r.stdout).toContain(heading);
    expect(r.stdout).toContain('√ the issuer certificate is valid for 60 days or more');
    expect(r.stdout).toContain('Status check results are √');
  });

  it('mesh follows the rollout live until every replica is updated and ready', async () => {
    const r = await weft(['mesh', 'web', '-n', 'demo', '--timeout', '120'], env, 150_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.some((l) => /demo\/web: [01]\/2 updated/.test(l))).toBe(true);
    expect(r.stdout).toContain('demo/web: 2/2 updated, 2/2 ready');
    expect(lines.at(-1)).toBe('mesh complete');
  }, 160_000);

  it('stat shows the golden metrics of the meshed workload', async () => {
    const rows = await waitFor(
      'web to have requests in its metrics',
      async () => {
        const r = await weft(['stat', '-n', 'demo', '-o', 'json'], env);
        const rows = JSON.parse(r.stdout) as {
          name: string;
          meshed: boolean;
          metrics: { requests: number } | null;
        }[];
        const web = rows.find((x) => x.name === 'web');
        return web?.meshed && (web.metrics?.requests ?? 0) > 0 ? rows : undefined;
      },
      60_000,
      1000,
    );
    expect(rows.map((x) => x.name)).toEqual(
      expect.arrayContaining(['catalog', 'inventory', 'traffic', 'web']),
    );
    const table = await weft(['stat', '-n', 'demo', '--window', '5m'], env);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+MESHED\s+READY\s+SUCCESS\s+RPS/);
    expect(table.stdout).toMatch(/^demo\s+web\s+yes\s+2\/2\s+\d+\.\d\d%\s+\d+\.\drps/m);
    const bad = await weft(['stat', '--window', '2m'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/2m.*invalid|Allowed choices are 1m, 5m, 15m, 1h/);
  }, 90_000);

  it('edges shows web calling catalog', async () => {
    await waitFor(
      'an edge web -> catalog',
      async () => {
        const r = await weft(['edges', '-n', 'demo', '-o', 'json'], env);
        const edges = JSON.parse(r.stdout) as { source: { name: string }; destination: { name: string } }[];
        return edges.some((e) => e.source.name === 'web' && e.destination.name === 'catalog');
      },
      60_000,
      1000,
    );
    const r = await weft(['edges', 'web', '-n', 'demo'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^SRC\s+DST\s+SRC_NS\s+DST_NS\s+SECURED/);
    expect(r.stdout).toMatch(/^web\s+catalog\s+demo\s+demo\s/m);
  }, 90_000);

  it('diff, apply, routes, history, delete and rollback a route', async () => {
    const before = await weft(['diff', '-f', ROUTE], env);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain('+ HTTPRoute demo/catalog-timeout');

    const applied = await weft(['apply', '-f', ROUTE], env);
    expect(applied.code).toBe(0);
    const revision = Number(/revision (\d+) applied/.exec(applied.stdout)?.[1]);
    expect(revision).toBeGreaterThan(0);
    expect(applied.stdout).toContain('HTTPRoute demo/catalog-timeout: accepted');

    const same = await weft(['diff', '-f', ROUTE], env);
    expect(same.code).toBe(0);
    expect(same.stdout.trim()).toBe('no changes');

    const routes = await weft(['routes', '-n', 'demo'], env);
    expect(routes.stdout).toMatch(/^demo\s+HTTPRoute\s+catalog-timeout\s+catalog:8080\s+1\s+Accepted$/m);

    const history = JSON.parse((await weft(['history', '-o', 'json'], env)).stdout) as { revision: number }[];
    expect(history.at(-1)?.revision).toBe(revision);

    const deleted = await weft(['delete', '-f', ROUTE], env);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/HTTPRoute demo\/catalog-timeout deleted \(revision \d+\)/);
    expect(JSON.parse((await weft(['routes', '-o', 'json'], env)).stdout)).toEqual([]);

    const back = await weft(['rollback', String(revision)], env);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain(`rolled back to ${revision}`);
    const again = parseYaml((await weft(['routes', '-o', 'yaml'], env)).stdout) as {
      document: { metadata: { name: string } };
    }[];
    expect(again.map((r) => r.document.metadata.name)).toEqual(['catalog-timeout']);
  }, 120_000);

  it('refuses a bad policy file with a clear error and changes nothing', async () => {
    const revisionsBefore = JSON.parse((await weft(['history', '-o', 'json'], env)).stdout).length;
    const bad = join(work, 'bad.yaml');
    writeFileSync(
      bad,
      'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: { name: nowhere, namespace: demo }\nspec:\n  parentRefs: [{ group: core, kind: Service, name: no-such-service, port: 8080 }]\n',
    );
    const r = await weft(['apply', '-f', bad], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^weft: .*no-such-service/m);
    const missing = await weft(['apply', '-f', join(work, 'absent.yaml')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('absent.yaml: no such file');
    expect(JSON.parse((await weft(['history', '-o', 'json'], env)).stdout).length).toBe(revisionsBefore);
  }, 60_000);

  it('dashboard prints a one-time login link the controller accepts once', async () => {
    const r = await weft(['dashboard', '--url', 'http://127.0.0.1:50999', '-o', 'json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { url: string; loginUrl: string };
    expect(out.url).toBe('http://127.0.0.1:50999');
    const code = new URL(out.loginUrl).searchParams.get('code') ?? '';
    expect(out.loginUrl.startsWith('http://127.0.0.1:50999/login/link?code=')).toBe(true);
    const redeem = () =>
      fetch(`${controller.url}/trpc/auth.redeemLink`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
        signal: AbortSignal.timeout(10_000),
      });
    expect((await redeem()).status).toBe(200);
    expect((await redeem()).status).not.toBe(200);
  });

  it('version prints the client and the controller', async () => {
    const r = await weft(['version', '-o', 'yaml'], env);
    expect(r.code).toBe(0);
    const v = parseYaml(r.stdout) as { client: string; controller: string };
    expect(v.client).toBe('0.1.0');
    expect(typeof v.controller).toBe('string');
    const client = await weft(['version', '--client'], { WEFT_CONTROLLER_URL: 'http://127.0.0.1:9' });
    expect(client.stdout.trim()).toBe('client: 0.1.0');
  });

  it('fails on stderr with a non-zero exit without a token, or with a bad option', async () => {
    const noToken = await weft(['stat'], {
      WEFT_CONTROLLER_URL: controller.url,
      WEFT_STATE_DIR: join(work, 'none'),
    });
    expect(noToken.code).toBe(1);
    expect(noToken.stdout).toBe('');
    expect(noToken.stderr).toMatch(/^weft: WEFT_UNAUTHENTICATED: authentication required.*pass --token/);
    const wrongToken = await weft(['stat', '--token', 'wa_not-a-real-token-at-all-0000000000000000000'], env);
    expect(wrongToken.code).toBe(1);
    const format = await weft(['stat', '-o', 'xml'], env);
    expect(format.code).not.toBe(0);
    expect(format.stderr).toContain('xml');
    const revision = await weft(['rollback', 'latest'], env);
    expect(revision.code).toBe(2);
    expect(revision.stderr).toContain('"latest" must be a revision number');
  });

  it('unmesh follows the rollout back to no proxies', async () => {
    const r = await weft(['unmesh', 'web', '-n', 'demo', '-o', 'json'], env, 150_000);
    expect(r.code).toBe(0);
    const done = JSON.parse(r.stdout) as { action: string; state: string; ready: number; total: number };
    expect(done).toMatchObject({ action: 'unmesh', state: 'complete', ready: 2, total: 2 });
    const rows = JSON.parse((await weft(['stat', '-n', 'demo', '-o', 'json'], env)).stdout) as {
      name: string;
      meshed: boolean;
    }[];
    expect(rows.find((x) => x.name === 'web')?.meshed).toBe(false);
  }, 160_000);

  it('has help with examples for every command, and bash and zsh completion', async () => {
    const help = await weft(['--help'], {});
    const commands = [
      'check',
      'stat',
      'edges',
      'apply',
      'diff',
      'delete',
      'history',
      'rollback',
      'routes',
      'mesh',
      'unmesh',
      'dashboard',
      'version',
      'completion',
    ];
    for (const c of commands) expect(help.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    const meshHelp = await weft(['mesh', '--help'], {});
    expect(meshHelp.stdout).toContain('Examples:');
    expect(meshHelp.stdout).toContain('$ weft mesh web -n demo');
    const bash = await weft(['completion', 'bash'], {});
    expect(bash.code).toBe(0);
    const script = join(work, 'weft.bash');
    writeFileSync(script, bash.stdout);
    execFileSync('bash', ['-n', script]);
    for (const c of commands) expect(bash.stdout).toContain(c);
    // Completing `weft me` in bash offers mesh.
    const offered = execFileSync(
      'bash',
      ['-c', `source ${script}; COMP_WORDS=(weft me); COMP_CWORD=1; _weft; echo "\${COMPREPLY[@]}"`],
      { encoding: 'utf8' },
    );
    expect(offered.trim()).toBe('mesh');
    const zsh = await weft(['completion', 'zsh'], {});
    expect(zsh.stdout.startsWith('#compdef weft')).toBe(true);
    expect(zsh.stdout).toContain("'unmesh:");
    const fish = await weft(['completion', 'fish'], {});
    expect(fish.code).toBe(2);
  }, 90_000);
});
