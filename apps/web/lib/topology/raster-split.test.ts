import { describe, expect, it } from 'vitest';
import { RASTER_SPLIT, splitOffset } from './raster-split.ts';

/** Where a point of the content lands: translate(t) scale(1/k) translate(x, y) scale(z) scale(k). */
function place(offset: string, transform: { x: number; y: number; zoom: number }, p: [number, number]) {
  const [tx, ty] = offset.split(' ').map((v) => Number.parseFloat(v)) as [number, number];
  const k = RASTER_SPLIT;
  return [
    tx + (transform.x + transform.zoom * k * p[0]) / k,
    ty + (transform.y + transform.zoom * k * p[1]) / k,
  ];
}

describe('splitOffset', () => {
  it('puts every point of the split view where React Flow’s transform alone puts it', () => {
    for (const t of [
      { x: 351.631, y: 21, zoom: 0.171776 },
      { x: -242.413, y: -655.345, zoom: 0.5 },
      { x: 0, y: 0, zoom: 2 },
    ]) {
      const offset = splitOffset(`translate(${t.x}px, ${t.y}px) scale(${t.zoom})`);
      for (const p of [
        [0, 0],
        [1200, 3400],
        [-50, 75.5],
      ] as [number, number][]) {
        const [x, y] = place(offset, t, p);
        expect(x).toBeCloseTo(t.x + t.zoom * p[0], 6);
        expect(y).toBeCloseTo(t.y + t.zoom * p[1], 6);
      }
    }
  });

  it('reads React Flow’s own spelling and exponents', () => {
    expect(splitOffset('translate(16px,-8px) scale(1)')).toBe('14px -7px');
    expect(splitOffset('translate(1e-7px, .5px) scale(1)')).toBe(`${1e-7 * 0.875}px 0.4375px`);
  });

  it('gives nothing for a transform without a pixel translation', () => {
    expect(splitOffset('')).toBe('');
    expect(splitOffset('none')).toBe('');
    expect(splitOffset('matrix(1, 0, 0, 1, 0, 0)')).toBe('');
  });
});
