/**
 * A fixed-rate (open-loop) HTTP/1.1 load generator, the fallback when the C generator
 * cannot be built: `node --import tsx open-loop.ts PORT RATE DURATION_S [CONNS=50] [WARMUP_S=2]`.
 * Request k is due at t0 + k/RATE; it goes out on a free keep-alive connection or waits in
 * a FIFO, and its latency counts from when it was due (corrected for coordinated
 * omission). Prints one JSON line with the same keys as the C generator. Node's timers
 * tick at about 1 ms, so this is coarser than the C version at sub-millisecond latencies.
 */
import net, { type Socket } from 'node:net';

interface Conn {
  socket: Socket;
  busy: boolean;
  intended: number;
  buf: Buffer;
}

const [portArg, rateArg, durArg, connsArg = '50', warmArg = '2'] = process.argv.slice(2);
if (portArg === undefined || rateArg === undefined || durArg === undefined) {
  process.stderr.write('usage: open-loop.ts PORT RATE DURATION_S [CONNS] [WARMUP_S]\n');
  process.exit(1);
}
const port = Number(portArg);
const rate = Number(rateArg);
const duration = Number(durArg);
const nconn = Number(connsArg);
const warmup = Number(warmArg);
const request = Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: olg\r\n\r\n`, 'latin1');

const now = (): number => performance.now();
const latencies: number[] = [];
const queue: number[] = [];
let qh = 0;
let errors = 0;
let non200 = 0;
let maxBacklog = 0;
const free: Conn[] = [];
const conns: Conn[] = [];

function send(c: Conn, intended: number): void {
  c.busy = true;
  c.intended = intended;
  c.buf = Buffer.alloc(0);
  c.socket.write(request);
}

function release(c: Conn): void {
  c.busy = false;
  if (qh < queue.length) send(c, queue[qh++] as number);
  else free.push(c);
}

/** Whether `buf` holds a complete response (content-length or a small chunked body). */
function complete(buf: Buffer): { done: boolean; status: number } {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { done: false, status: 0 };
  const head = buf.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) return { done: buf.length >= end + 4 + Number(cl[1]), status };
  return { done: buf.indexOf('0\r\n\r\n', end + 4) >= 0, status };
}

let measureFrom = 0;
let t0 = 0;
let k = 0;
let total = 0;
let interval = 0;

function dial(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const c: Conn = { socket, busy: false, intended: 0, buf: Buffer.alloc(0) };
    socket.on('data', (chunk: Buffer) => {
      if (!c.busy) return;
      c.buf = c.buf.length === 0 ? chunk : Buffer.concat([c.buf, chunk]);
      const r = complete(c.buf);
      if (!r.done) return;
      if (c.intended >= measureFrom) {
        latencies.push(now() - c.intended);
        if (r.status !== 200) non200++;
      }
      release(c);
    });
    socket.on('error', () => {
      errors++;
    });
    socket.once('connect', () => resolve(c));
    socket.once('error', reject);
  });
}

function tick(): void {
  const t = now();
  while (k < total && t0 + k * interval <= t) {
    const when = t0 + k * interval;
    k++;
    const c = free.pop();
    if (c !== undefined) send(c, when);
    else {
      queue.push(when);
      maxBacklog = Math.max(maxBacklog, queue.length - qh);
    }
  }
  const outstanding = conns.filter((c) => c.busy).length + (queue.length - qh);
  if (k >= total && outstanding === 0) {
    finish();
    return;
  }
  if (t > t0 + (duration + warmup) * 1000 + 3000) {
    errors += outstanding;
    finish();
    return;
  }
  setTimeout(tick, k < total ? Math.max(0, t0 + k * interval - now() - 0.5) : 5);
}

function pct(sorted: number[], f: number): number {
  return sorted.length === 0 ? -1 : (sorted[Math.floor(f * (sorted.length - 1))] as number);
}

let startMeasure = 0;
function finish(): void {
  const end = now();
  const sorted = latencies.sort((a, b) => a - b);
  const elapsed = Math.max((end - startMeasure) / 1000, duration);
  const out = {
    port,
    rate,
    duration,
    conns: nconn,
    measured: sorted.length,
    achieved_rps: sorted.length / elapsed,
    errors,
    non200,
    reconnects: 0,
    max_backlog: maxBacklog,
    c_p50: pct(sorted, 0.5),
    c_p90: pct(sorted, 0.9),
    c_p99: pct(sorted, 0.99),
    c_p999: pct(sorted, 0.999),
    c_max: pct(sorted, 1),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  for (const c of conns) c.socket.destroy();
}

async function main(): Promise<void> {
  for (let i = 0; i < nconn; i++) {
    const c = await dial();
    conns.push(c);
    free.push(c);
  }
  total = Math.floor((duration + warmup) * rate);
  interval = 1000 / rate;
  t0 = now() + 10;
  measureFrom = t0 + warmup * 1000;
  startMeasure = measureFrom;
  tick();
}

main().catch((err: unknown) => {
  process.stderr.write(`open-loop: ${(err as Error).message}\n`);
  process.exit(2);
});
