/**
 * The frame rate floor for bench:web's pan and zoom: a plain page with no React and no
 * graph, only a pane and a viewport element carrying the classes pan-zoom.ts looks for,
 * moved by a few lines of script on the same mouse and wheel events (scaled by React
 * Flow's rule, so it zooms as far). Driven by the same
 * gestures in the same run as the topology, it shows what headless Chromium, the
 * driver and the machine's load allow: if it keeps 60 fps while the topology does not,
 * the topology's own cost, not the harness, is what holds the rate down.
 */
import type { BrowserContext, CDPSession } from '@playwright/test';
import { type GestureFrames, panAndZoom } from './pan-zoom.ts';

/** A pane the size of the topology's, a viewport with one box in it, and its gesture handlers. */
const PLAIN_PANE_HTML = `<!doctype html>
<html><body style="margin:0">
<div class="react-flow__pane" style="position:relative;width:1300px;height:750px;overflow:hidden;background:#fff">
  <div class="react-flow__viewport" style="transform:translate(0px,0px) scale(1);transform-origin:0 0">
    <div style="width:400px;height:300px;background:#48c;border-radius:8px"></div>
  </div>
</div>
<script>
  const pane = document.querySelector('.react-flow__pane');
  const viewport = document.querySelector('.react-flow__viewport');
  let x = 0, y = 0, k = 1, grab = null;
  const draw = () => { viewport.style.transform = 'translate(' + x + 'px,' + y + 'px) scale(' + k + ')'; };
  pane.addEventListener('mousedown', (e) => { grab = [e.clientX - x, e.clientY - y]; });
  window.addEventListener('mousemove', (e) => { if (grab) { x = e.clientX - grab[0]; y = e.clientY - grab[1]; draw(); } });
  window.addEventListener('mouseup', () => { grab = null; });
  pane.addEventListener('wheel', (e) => { k *= Math.pow(2, -e.deltaY * 0.002); draw(); });
</script>
</body></html>`;

/** The 2 s pan and 2 s zoom of pan-zoom.ts on the plain pane, in a new page of `context`. */
export async function plainPanePanAndZoom(
  context: BrowserContext,
): Promise<{ pan: GestureFrames; zoom: GestureFrames }> {
  const page = await context.newPage();
  const cdp: CDPSession = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await page.setContent(PLAIN_PANE_HTML);
  try {
    return await panAndZoom(page, cdp);
  } finally {
    await page.close();
  }
}
