import type { PolicyDocument } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { diffDocuments } from './revision-diff.ts';

const split = (v2: number): PolicyDocument => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'inventory-split', namespace: 'demo', creationTimestamp: `2026-01-0${v2 % 9}T00:00:00Z` },
  spec: {
    parentRefs: [{ name: 'inventory', port: 8080 }],
    rules: [
      {
        backendRefs: [
          { name: 'inventory', port: 8080, weight: 100 - v2 },
          { name: 'inventory-v2', port: 8080, weight: v2 },
        ],
      },
    ],
  },
});
const overlay: PolicyDocument = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'inventory', namespace: 'demo', annotations: { 'retry.weft.dev/http': '5xx' } },
};

describe('diff between revisions', () => {
  it('shows the weights that changed, line by line', () => {
    const [d] = diffDocuments([split(10)], [split(20)]);
    expect(d?.title).toBe('HTTPRoute demo/inventory-split');
    expect(d?.change).toBe('changed');
    const changed = d?.lines
      .filter((l) => l.op === '+' || l.op === '-')
      .map((l) => `${l.op}${l.text.trim()}`);
    expect(changed).toContain('-weight: 90');
    expect(changed).toContain('+weight: 80');
    expect(changed).toContain('-weight: 10');
    expect(changed).toContain('+weight: 20');
  });

  it('names documents added and removed, and skips the unchanged', () => {
    const diffs = diffDocuments([split(10), overlay], [split(10)]);
    expect(diffs.map((d) => `${d.change} ${d.title}`)).toEqual(['removed Service demo/inventory']);
    expect(diffDocuments([], [overlay])[0]?.change).toBe('added');
    expect(diffDocuments([overlay], [overlay])).toEqual([]);
  });

  it('does not count the creation time as a change', () => {
    const a = split(10);
    const b = {
      ...a,
      metadata: { ...a.metadata, creationTimestamp: '2027-01-01T00:00:00Z' },
    } as PolicyDocument;
    expect(diffDocuments([a], [b])).toEqual([]);
  });
});
