import { describe, expect, it } from 'vitest';
import { labelsMatch, serviceSelects } from './labels.ts';

describe('label selection', () => {
  it('matches when every selector key has the same value', () => {
    expect(labelsMatch({ app: 'web' }, { app: 'web', tier: 'front' })).toBe(true);
    expect(labelsMatch({ app: 'web', tier: 'back' }, { app: 'web', tier: 'front' })).toBe(false);
    expect(labelsMatch({ app: 'web' }, {})).toBe(false);
  });

  it('an empty matchLabels matches everything, an empty Service selector nothing', () => {
    expect(labelsMatch({}, { app: 'web' })).toBe(true);
    expect(serviceSelects({}, { app: 'web' })).toBe(false);
    expect(serviceSelects({ app: 'web' }, { app: 'web' })).toBe(true);
    expect(serviceSelects({ app: 'web' }, { app: 'api' })).toBe(false);
  });
});
