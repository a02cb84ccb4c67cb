/**
 * `weft inject` as a user runs it: YAML in, YAML out, every pod template given the
 * containers the webhook's own function (`@weft/shared`) makes, other documents as they
 * were, what it did on stderr, and clear failures for a missing file and bad YAML.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initContainer, proxyContainer } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { weft } from './harness.ts';

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: example/web:1
          ports: [{ containerPort: 8080 }]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: demo
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: { weft.dev/inject: disabled }
        spec:
          containers: [{ name: job, image: example/job:1 }]
          restartPolicy: Never
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-cli-inject-'));
  writeFileSync(join(dir, 'app.yaml'), MANIFESTS);
  writeFileSync(join(dir, 'bad.yaml'), 'kind: Deployment\n  spec: [\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('weft inject', () => {
  it("adds the webhook's containers to pod templates and leaves the rest as it was", async () => {
    const r = await weft(['inject', '-f', join(dir, 'app.yaml')], {});
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Deployment/web: injected\nCronJob/nightly: skipped (weft.dev/inject: disabled)\n');
    const [ns, deploy, cron] = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(ns).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    const template = deploy.spec.template;
    expect(template.metadata.annotations).toEqual({
      'weft.dev/inject': 'enabled',
      'weft.dev/injected': 'true',
    });
    const config = {
      proxyImage: 'ghcr.io/weft/proxy:0.1.0',
      initImage: 'ghcr.io/weft/init:0.1.0',
      controllerUrl: 'http://weft-controller.weft.svc:7090',
    };
    // The pod as the webhook would see it: the application's container alone.
    const asTheWebhook = { metadata: { name: 'web' }, spec: { containers: [template.spec.containers[0]] } };
    expect(template.spec.containers[1]).toEqual(proxyContainer(asTheWebhook, config));
    expect(template.spec.initContainers).toEqual([initContainer(asTheWebhook, {}, config)]);
    expect(cron.spec.jobTemplate.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual([
      'job',
    ]);
  }, 30_000);

  it('takes other images and controller URL, and prints JSON with -o json', async () => {
    const r = await weft(
      ['inject', '-f', join(dir, 'app.yaml'), '--proxy-image', 'reg.example/proxy:2', '-o', 'json'],
      {},
    );
    expect(r.code).toBe(0);
    const docs = JSON.parse(r.stdout);
    expect(docs).toHaveLength(3);
    expect(docs[1].spec.template.spec.containers[1].image).toBe('reg.example/proxy:2');
  }, 30_000);

  it('fails clearly on a missing file (exit 2) and on bad YAML (exit 1), printing nothing', async () => {
    const missing = await weft(['inject', '-f', join(dir, 'none.yaml')], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^weft: inject: cannot read .*none\.yaml: ENOENT/);
    const bad = await weft(['inject', '-f', join(dir, 'bad.yaml')], {});
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^weft: inject: .*bad\.yaml: document 1: /);
    expect(bad.stdout).toBe('');
  }, 30_000);
});

describe('bash completion', () => {
  it('offers inject, and the subcommands and options of identity', async () => {
    const bash = await weft(['completion', 'bash'], {});
    const script = join(dir, 'weft.bash');
    writeFileSync(script, bash.stdout);
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source ${script}; COMP_WORDS=(${words.join(' ')}); COMP_CWORD=${words.length - 1}; _weft; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(complete(['weft', 'inj'])).toBe('inject');
    expect(complete(['weft', 'identity', 'ro'])).toBe('rotate');
    expect(complete(['weft', 'identity', 'rotate', '--an'])).toBe('--anchor');
  }, 30_000);
});
