/**
 * The large-body measurement: 1 GB streamed through a path in each direction (a
 * download from the upstream, an upload to it) while the proxies' RSS is sampled. A
 * proxy that streams with backpressure holds a few buffers, whatever the body's size;
 * one that buffers grows by the body.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { sampleRss } from '../lib/proc.ts';

export interface BigBodyResult {
  bytes: number;
  /** Bytes that made it through each way before the deadline (= bytes when complete). */
  downloadedBytes: number;
  uploadedBytes: number;
  downloadOk: boolean;
  uploadOk: boolean;
  downloadMBps: number;
  uploadMBps: number;
  /** Peak RSS over the path's proxies (the largest single process), in MB. */
  downloadPeakRssMb: number;
  uploadPeakRssMb: number;
  /** The target: every proxy of the path stayed under 100 MB RSS both ways (null: no proxy). */
  peakRssUnder100Mb: boolean | null;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x79);

/** Downloads `bytes`; resolves with the bytes received (fewer when `deadlineMs` cut it short). */
function download(port: number, bytes: number, deadlineMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const req = http.get({ host: '127.0.0.1', port, path: `/big?bytes=${bytes}`, agent: false }, (res) => {
      res.on('data', (c: Buffer) => {
        n += c.length;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(n);
      });
      res.on('error', () => resolve(n));
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve(n);
    }, deadlineMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      if (n > 0) resolve(n);
      else reject(err);
    });
  });
}

/** Uploads `bytes`; resolves with the bytes the upstream counted (or sent, when cut short). */
function upload(port: number, bytes: number, deadlineMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let left = bytes;
    const timer = setTimeout(() => {
      req.destroy();
      resolve(bytes - left);
    }, deadlineMs);
    const body = new Readable({
      read() {
        if (left <= 0) {
          this.push(null);
          return;
        }
        const n = Math.min(left, CHUNK.length);
        left -= n;
        this.push(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      },
    });
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/sink',
        method: 'POST',
        agent: false,
        headers: { 'content-length': bytes, 'content-type': 'application/octet-stream' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve(Number(text.trim()));
        });
        res.on('error', reject);
      },
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    body.pipe(req);
  });
}

/** Peak RSS of the largest single process among `pids` while `work` runs. */
async function peakWhile<T>(
  pids: () => number[],
  work: () => Promise<T>,
): Promise<{ value: T; peakMb: number }> {
  const samplers = pids().map((pid) => sampleRss(() => [pid], 50));
  let peakMb = 0;
  let value: T;
  try {
    value = await work();
  } finally {
    for (const s of samplers) peakMb = Math.max(peakMb, s.stop().rssMb);
  }
  return { value, peakMb };
}

/** Streams `bytes` down then up through 127.0.0.1:port, each way cut off after `deadlineMs`. */
export async function measureBigBody(
  port: number,
  pids: () => number[],
  bytes: number,
  deadlineMs: number,
): Promise<BigBodyResult> {
  let t = performance.now();
  const down = await peakWhile(pids, () => download(port, bytes, deadlineMs));
  const downS = (performance.now() - t) / 1000;
  t = performance.now();
  const up = await peakWhile(pids, () => upload(port, bytes, deadlineMs));
  const upS = (performance.now() - t) / 1000;
  return {
    bytes,
    downloadedBytes: down.value,
    uploadedBytes: up.value,
    downloadOk: down.value === bytes,
    uploadOk: up.value === bytes,
    downloadMBps: down.value / 1e6 / downS,
    uploadMBps: up.value / 1e6 / upS,
    downloadPeakRssMb: down.peakMb,
    uploadPeakRssMb: up.peakMb,
    peakRssUnder100Mb: pids().length === 0 ? null : Math.max(down.peakMb, up.peakMb) < 100,
  };
}
