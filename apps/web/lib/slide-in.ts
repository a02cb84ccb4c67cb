'use client';
/**
 * Moving live content smoothly instead of letting it jump: when something is inserted
 * above an element (new requests at the top of the tap stream, a new row of Live calls
 * above the stream), the element is drawn where it was, then slides to its new place
 * with a transform (`.slide-in` in the styles; instant under `prefers-reduced-motion`).
 * A transform moves no layout, so the page's layout stays stable while the content moves
 * (no layout shift for the browser to report), and the eye can follow what moved.
 */
import { type RefObject, useLayoutEffect, useRef } from 'react';

/** The newest slide of each element: a later slide takes over an earlier one's reset. */
const slides = new WeakMap<HTMLElement, number>();
let nextSlide = 1;

/** How long a slide takes, ms: the `.slide-in` transition's duration. */
export const SLIDE_MS = 150;

/**
 * Draws `el` `dy` px above its layout position this frame, then lets it slide back;
 * `onDone` runs once the slide is over (even if a later slide of `el` took over).
 */
export function slideFrom(el: HTMLElement, dy: number, onDone?: () => void): void {
  const token = nextSlide++;
  slides.set(el, token);
  el.style.transition = 'none';
  el.style.transform = `translateY(${-dy}px)`;
  // Two frames: the first is painted with the element where it was.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      if (slides.get(el) === token) {
        el.style.transition = '';
        el.style.transform = '';
      }
      if (onDone) setTimeout(onDone, SLIDE_MS);
    }),
  );
}

/**
 * After each render, slides the element in `ref` from where it was if its layout
 * position (`offsetTop`, which no transform changes) moved down.
 */
export function useSlideInOnMove(ref: RefObject<HTMLElement | null>): void {
  const last = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const top = el.offsetTop;
    if (last.current !== null && top > last.current) slideFrom(el, top - last.current);
    last.current = top;
  });
}
