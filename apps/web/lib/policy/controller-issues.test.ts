import { describe, expect, it } from 'vitest';
import { describeIssue, issuesFromMessage, issuesFromResult } from './controller-issues.ts';
import { locateField, pathKeys } from './yaml-locate.ts';

describe('controller problems placed in the YAML', () => {
  it('splits a refusal message into problems with their documents and fields', () => {
    const issues = issuesFromMessage(
      'HTTPRoute demo/split: spec.rules[0].backendRefs[1].weight: Too small: expected number to be >=0; ' +
        'Service demo/inventory: metadata.annotations["retry.weft.dev/limit"]: must be a number; document 3: YAML: bad indentation',
    );
    expect(issues).toEqual([
      {
        kind: 'HTTPRoute',
        namespace: 'demo',
        name: 'split',
        path: 'spec.rules[0].backendRefs[1].weight',
        message: 'Too small: expected number to be >=0',
      },
      {
        kind: 'Service',
        namespace: 'demo',
        name: 'inventory',
        path: 'metadata.annotations["retry.weft.dev/limit"]',
        message: 'must be a number',
      },
      { index: 3, path: '', message: 'YAML: bad indentation' },
    ]);
    expect(describeIssue(issues[0] ?? { path: '', message: '' })).toBe(
      'HTTPRoute demo/split: spec.rules[0].backendRefs[1].weight: Too small: expected number to be >=0',
    );
  });

  it('keeps a message that names no document whole', () => {
    expect(issuesFromMessage('the YAML holds no document')).toEqual([
      { path: '', message: 'the YAML holds no document' },
    ]);
  });

  it('takes a dry run’s errors as they are', () => {
    const [issue] = issuesFromResult([
      {
        ref: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'demo', name: 'split' },
        path: 'spec.rules[0].backendRefs[1].name',
        condition: 'ResolvedRefs',
        reason: 'BackendNotFound',
        message: 'Service demo/nope does not exist',
      },
    ]);
    expect(issue).toMatchObject({
      kind: 'HTTPRoute',
      name: 'split',
      path: 'spec.rules[0].backendRefs[1].name',
    });
  });

  it('reads field paths into keys', () => {
    expect(pathKeys('spec.rules[1].backendRefs[0].port')).toEqual([
      'spec',
      'rules',
      1,
      'backendRefs',
      0,
      'port',
    ]);
    expect(pathKeys('metadata.annotations["retry.weft.dev/limit"]')).toEqual([
      'metadata',
      'annotations',
      'retry.weft.dev/limit',
    ]);
    expect(pathKeys('(document)')).toBeUndefined();
  });

  it('finds the field in the right document, or its nearest parent', () => {
    const text =
      'kind: Service\nmetadata: { name: a }\n---\nkind: HTTPRoute\nmetadata:\n  name: b\nspec:\n  rules:\n    - backendRefs:\n        - { name: x, weight: -1 }\n';
    const at = locateField(text, { kind: 'HTTPRoute', name: 'b' }, 'spec.rules[0].backendRefs[0].weight');
    expect(at && text.slice(at.from, at.to)).toBe('-1');
    const parent = locateField(text, { kind: 'HTTPRoute', name: 'b' }, 'spec.rules[0].timeouts.request');
    expect(parent && text.slice(parent.from, parent.to)).toContain('backendRefs');
    expect(locateField(text, { kind: 'HTTPRoute', name: 'zz' }, 'spec')).toBeUndefined();
  });
});

describe('problems placed next to form fields', () => {
  const target = { namespace: 'demo', service: 'inventory', route: 'split' };
  it('puts backend, path, timeout and retry problems on their fields and keeps the rest', async () => {
    const { placeIssues } = await import('./form-issues.ts');
    const placed = placeIssues(
      [
        {
          kind: 'HTTPRoute',
          namespace: 'demo',
          name: 'split',
          path: 'spec.rules[0].backendRefs[1].weight',
          message: 'too small',
        },
        {
          kind: 'HTTPRoute',
          namespace: 'demo',
          name: 'split',
          path: 'spec.rules[0].backendRefs[2].name',
          message: 'no such Service',
        },
        {
          kind: 'HTTPRoute',
          namespace: 'demo',
          name: 'split',
          path: 'spec.rules[0].matches[0].path.value',
          message: 'bad regex',
        },
        {
          kind: 'Service',
          namespace: 'demo',
          name: 'inventory',
          path: 'metadata.annotations["retry.weft.dev/limit"]',
          message: 'not a number',
        },
        {
          kind: 'HTTPRoute',
          namespace: 'demo',
          name: 'other',
          path: 'spec.rules[0].backendRefs[0].weight',
          message: 'elsewhere',
        },
      ],
      target,
    );
    expect(Object.fromEntries(placed.byField)).toEqual({
      'backend.1.weight': ['too small'],
      'backend.2.name': ['no such Service'],
      pathMatch: ['bad regex'],
      retryLimit: ['not a number'],
    });
    expect(placed.other.map((i) => i.message)).toEqual(['elsewhere']);
  });
});
