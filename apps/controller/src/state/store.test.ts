import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StateStore } from './store.ts';

const Doc = z.object({ meshed: z.array(z.string()) });
const dirs: string[] = [];
function store() {
  const dir = mkdtempSync(join(tmpdir(), 'weft-state-'));
  dirs.push(dir);
  return new StateStore(dir);
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('StateStore', () => {
  it('returns undefined before the first save, then what was saved', () => {
    const s = store();
    expect(s.load('mesh', Doc)).toBeUndefined();
    s.save('mesh', { meshed: ['demo/web'] });
    expect(s.load('mesh', Doc)).toEqual({ meshed: ['demo/web'] });
    expect(new StateStore(s.dir).load('mesh', Doc)).toEqual({ meshed: ['demo/web'] });
  });

  it('replaces the file whole and leaves no temporary file behind', () => {
    const s = store();
    s.save('mesh', { meshed: ['a'] });
    s.save('mesh', { meshed: ['a', 'b'] });
    expect(readdirSync(s.dir)).toEqual(['mesh.json']);
    expect(JSON.parse(readFileSync(join(s.dir, 'mesh.json'), 'utf8'))).toEqual({ meshed: ['a', 'b'] });
  });

  it('a stale temporary file from a crash does not affect the document', () => {
    const s = store();
    s.save('mesh', { meshed: ['a'] });
    writeFileSync(join(s.dir, 'mesh.json.999.tmp'), '{"meshed": ["torn');
    expect(s.load('mesh', Doc)).toEqual({ meshed: ['a'] });
  });

  it('refuses a torn or corrupt document naming the file and what to do, and leaves it as it is', () => {
    const s = store();
    writeFileSync(join(s.dir, 'mesh.json'), '{"meshed": ["a", "b');
    expect(() => s.load('mesh', Doc)).toThrow(
      new RegExp(
        `state file ${join(s.dir, 'mesh.json').replace(/[.]/g, '\\.')} is not valid JSON .*; restore it from a backup`,
      ),
    );
    expect(readFileSync(join(s.dir, 'mesh.json'), 'utf8')).toBe('{"meshed": ["a", "b');
  });

  it('refuses a document that does not match its schema, and bad keys', () => {
    const s = store();
    s.save('mesh', { meshed: 'everything' });
    expect(() => s.load('mesh', Doc)).toThrow(
      /mesh\.json does not match its schema \(meshed: .*\); restore it/,
    );
    expect(() => s.save('../escape', {})).toThrow(/state key/);
  });
});
