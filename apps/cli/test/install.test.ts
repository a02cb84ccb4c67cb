/**
 * `weft install` prints the install manifests as a user pipes them to kubectl: a YAML
 * stream with the namespace asked for, the controller Deployment and the webhook
 * configuration; `-o json` the same objects; a bad namespace is refused on stderr.
 */

import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { weft } from './harness.ts';

describe('weft install', () => {
  it('prints the manifests for kubectl, in YAML and in JSON', async () => {
    const yaml = await weft(['install', '--namespace', 'mesh'], {}, 90_000);
    expect(yaml.stderr).toBe('');
    expect(yaml.code).toBe(0);
    const docs = parseAllDocuments(yaml.stdout).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } },
    );
    const kinds = docs.map((d) => d.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Namespace',
        'Deployment',
        'MutatingWebhookConfiguration',
        'CustomResourceDefinition',
      ]),
    );
    expect(docs.find((d) => d.kind === 'Namespace')?.metadata.name).toBe('mesh');

    const json = await weft(['install', '-o', 'json'], {}, 90_000);
    expect(json.code).toBe(0);
    const objects = JSON.parse(json.stdout) as { kind: string }[];
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Namespace', 'Deployment']));
  }, 200_000);

  it('refuses a namespace that is not a DNS label', async () => {
    const r = await weft(['install', '--namespace', 'Not_A_Namespace'], {}, 90_000);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^weft: install: .*namespace/im);
  }, 100_000);
});
