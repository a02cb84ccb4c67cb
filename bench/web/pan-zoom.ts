/**
 * Frames drawn while the topology is panned and while it is zoomed, for bench:web.
 *
 * For two seconds the page itself drives the gesture, one step per animation frame:
 * a mouse drag on the canvas's pane (mousedown, then a mousemove of a few pixels each
 * frame, then mouseup), and a run of wheel events zooming in for the first half and out
 * for the second. The zoom covers a fixed total whatever the frame rate: each frame's
 * wheel event carries the scroll that brings the scale to where the time says it should
 * be (`ZOOM_IN` times the start scale at the middle, back to it at the end), so a slow
 * run zooms as far as a fast one in fewer, larger steps, and runs compare (one fixed
 * step per frame made a slow run zoom less, never reaching the scales that cost most).
 * The plain page (plain-pane.ts) scales by the same rule as React Flow. Each step asks
 * for the next frame only once the previous one is produced, so the number of frames in the two seconds is the frame rate the canvas can
 * keep up under that gesture: 120 frames is 60 fps, and a frame that takes 50 ms of
 * script, style, layout and paint shows as a lower count. On a loaded machine the count
 * is capped by the load whatever the page does, so main-thread busy time during the
 * gesture (Chrome's TaskDuration), per frame, is reported alongside: it stretches much
 * less, and 60 fps needs at most 16.7 ms of it per frame.
 */
import type { CDPSession, Page } from '@playwright/test';

/** How long each gesture lasts, in ms. */
export const GESTURE_MS = 2000;
/** The frame rate a gesture should keep. */
export const TARGET_FPS = 60;
/** How far the zoom gesture zooms in (then back out): a factor of the start scale. */
export const ZOOM_IN = 2;
/**
 * The wheel scroll, in pixels, that zooms by `ZOOM_IN`: React Flow (as d3-zoom) scales by
 * 2^(-deltaY × 0.002) per wheel event of pixel deltas (deltaMode 0).
 */
const ZOOM_SCROLL_PX = Math.log2(ZOOM_IN) / 0.002;

export interface GestureFrames {
  frames: number;
  /** frames per second over the gesture's measured duration. */
  fps: number;
  /** The longest gap between two frames, ms. */
  worstFrameMs: number;
  /** Main-thread busy time during the gesture, ms. */
  busyMs: number;
  /**
   * Main-thread busy time per frame, ms: the robust figure on a shared machine, where
   * the frame rate itself is capped by the load. 60 fps needs at most 16.7 ms.
   */
  busyPerFrameMs: number;
}

/** Main-thread busy time of the page so far (Chrome's TaskDuration), in ms. */
export async function busyMs(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
}

/**
 * The few browser globals the in-page driver uses: this file is compiled without the DOM
 * library (bench/ runs in Node), so they are declared here.
 */
interface PageElement {
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
  dispatchEvent(e: unknown): boolean;
  style: { transform: string };
}
interface PageGlobals {
  document: { querySelector(selector: string): PageElement | null };
  window: PageElement;
  MouseEvent: new (type: string, init: Record<string, unknown>) => unknown;
  WheelEvent: new (type: string, init: Record<string, unknown>) => unknown;
  requestAnimationFrame(cb: (now: number) => void): number;
}

/** Runs one gesture in the page and counts its frames. */
async function gesture(page: Page, cdp: CDPSession, kind: 'pan' | 'zoom'): Promise<GestureFrames> {
  const before = await busyMs(cdp);
  // The bench runs under tsx, which wraps named functions in a `__name` helper that the
  // page lacks: give the page a no-op one (a string, so that it is not transformed).
  await page.evaluate('globalThis.__name ??= (f) => f');
  const out = await page.evaluate(
    ({ kind, ms, zoomPx }) =>
      new Promise<{ frames: number; elapsed: number; worst: number; moved: boolean }>((resolve, reject) => {
        const { document, window, MouseEvent, WheelEvent, requestAnimationFrame } =
          globalThis as unknown as PageGlobals;
        const pane = document.querySelector('.react-flow__pane');
        const viewport = document.querySelector('.react-flow__viewport');
        if (!pane || !viewport) {
          reject(new Error('no topology canvas on the page'));
          return;
        }
        const box = pane.getBoundingClientRect();
        const cx = box.left + box.width / 2;
        const cy = box.top + box.height / 2;
        const startTransform = viewport.style.transform;
        const mouse = (type: string, x: number, y: number, target: PageElement) =>
          target.dispatchEvent(
            new MouseEvent(type, {
              bubbles: true,
              cancelable: true,
              view: window,
              clientX: x,
              clientY: y,
              button: 0,
            }),
          );
        if (kind === 'pan') mouse('mousedown', cx, cy, pane);
        const t0 = performance.now();
        let last = t0;
        let worst = 0;
        let frames = 0;
        // Zooming in and back out may end where it began: any frame that moved counts.
        let moved = false;
        // Zoom: the scroll sent so far (positive zooms in), and whether the peak was sent.
        let scrolled = 0;
        let peaked = false;
        const step = (now: number) => {
          worst = Math.max(worst, now - last);
          last = now;
          moved ||= viewport.style.transform !== startTransform;
          const t = now - t0;
          if (t >= ms) {
            if (kind === 'pan') mouse('mouseup', cx, cy, window);
            resolve({ frames, elapsed: t, worst, moved });
            return;
          }
          frames++;
          if (kind === 'pan') {
            // A slow circle of 200 px radius: the view moves every frame, and stays near
            // where it began.
            const a = (t / ms) * 2 * Math.PI;
            mouse('mousemove', cx + 200 * Math.sin(a), cy + 200 * (1 - Math.cos(a)), window);
          } else {
            // Where the scroll should be now; the peak is sent once whatever the frame times.
            const half = ms / 2;
            const target =
              t < half || !peaked ? zoomPx * Math.min(1, t / half) : zoomPx * Math.max(0, 2 - t / half);
            if (t >= half) peaked = true;
            const deltaY = scrolled - target;
            scrolled = target;
            pane.dispatchEvent(
              new WheelEvent('wheel', {
                bubbles: true,
                cancelable: true,
                view: window,
                clientX: cx,
                clientY: cy,
                deltaMode: 0,
                deltaY,
              }),
            );
          }
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      }),
    { kind, ms: GESTURE_MS, zoomPx: ZOOM_SCROLL_PX },
  );
  if (!out.moved) throw new Error(`the ${kind} gesture did not move the topology's view`);
  const busy = (await busyMs(cdp)) - before;
  return {
    frames: out.frames,
    fps: Number(((out.frames * 1000) / out.elapsed).toFixed(1)),
    worstFrameMs: Math.round(out.worst),
    busyMs: Math.round(busy),
    busyPerFrameMs: Number((busy / Math.max(1, out.frames)).toFixed(1)),
  };
}

/** The scale of the view now, read from React Flow's viewport transform. */
async function viewScale(page: Page): Promise<number> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    const transform = document.querySelector('.react-flow__viewport')?.style.transform ?? '';
    return Number(/scale\(([^)]+)\)/.exec(transform)?.[1] ?? Number.NaN);
  });
}

/** How long the view is left to settle after `zoomTo` (the canvas settles 400 ms after a move). */
const SETTLE_WAIT_MS = 1000;

/**
 * Zooms the view to `scale` about the pane's centre, as a user would with one wheel
 * event (React Flow's rule above), and leaves it to settle: the level of detail then
 * follows the new scale, as it would before a user's pan.
 */
export async function zoomTo(page: Page, scale: number): Promise<void> {
  await page.evaluate('globalThis.__name ??= (f) => f');
  const from = await viewScale(page);
  if (!(from > 0)) throw new Error('no topology canvas on the page');
  await page.evaluate(
    ({ deltaY }) => {
      const { document, window, WheelEvent } = globalThis as unknown as PageGlobals;
      const pane = document.querySelector('.react-flow__pane');
      if (!pane) throw new Error('no topology canvas on the page');
      const box = pane.getBoundingClientRect();
      pane.dispatchEvent(
        new WheelEvent('wheel', {
          bubbles: true,
          cancelable: true,
          view: window,
          clientX: box.left + box.width / 2,
          clientY: box.top + box.height / 2,
          deltaMode: 0,
          deltaY,
        }),
      );
    },
    { deltaY: -Math.log2(scale / from) / 0.002 },
  );
  await page.waitForTimeout(SETTLE_WAIT_MS);
  const now = await viewScale(page);
  if (Math.abs(now / scale - 1) > 0.01) throw new Error(`the view zoomed to ${now}, not ${scale}`);
}

/** A 2 s pan of the view zoomed to `scale` about the pane's centre (see `zoomTo`). */
export async function panAt(page: Page, cdp: CDPSession, scale: number): Promise<GestureFrames> {
  await zoomTo(page, scale);
  return gesture(page, cdp, 'pan');
}

/** A 2 s pan, then a 2 s zoom in by `ZOOM_IN` and back out, on what the page shows now. */
export async function panAndZoom(
  page: Page,
  cdp: CDPSession,
): Promise<{ pan: GestureFrames; zoom: GestureFrames }> {
  const pan = await gesture(page, cdp, 'pan');
  const zoom = await gesture(page, cdp, 'zoom');
  return { pan, zoom };
}
