// Reads a proxy's /tap stream in tests: opens it, collects tap events, closes it.
import http from 'node:http';
import { SseParser, TapEvent } from '@weft/shared';

export interface TapReader {
  status: number;
  body: string;
  events: TapEvent[];
  ended: { dropped: number } | null;
  /** Resolves once `n` events arrived (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<void>;
  close(): void;
}

/** Opens `GET /tap?query` on the admin address; resolves once the response head arrived. */
export function openTap(
  admin: { host: string; port: number },
  query = '',
  headers: Record<string, string> = {},
): Promise<TapReader> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: admin.host, port: admin.port, path: `/tap${query ? `?${query}` : ''}`, headers, agent: false },
      (res) => {
        const parser = new SseParser();
        const waiters: { n: number; done: () => void }[] = [];
        const reader: TapReader = {
          status: res.statusCode ?? 0,
          body: '',
          events: [],
          ended: null,
          waitFor(n, ms = 5000) {
            if (reader.events.length >= n) return Promise.resolve();
            return new Promise((ok, fail) => {
              const t = setTimeout(
                () => fail(new Error(`only ${reader.events.length} of ${n} tap events after ${ms} ms`)),
                ms,
              );
              waiters.push({
                n,
                done: () => {
                  clearTimeout(t);
                  ok();
                },
              });
            });
          },
          close() {
            req.destroy();
          },
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (reader.status !== 200) {
            reader.body += chunk;
            return;
          }
          for (const e of parser.push(chunk)) {
            if (e.event === 'tap') reader.events.push(TapEvent.parse(JSON.parse(e.data)));
            else if (e.event === 'end') reader.ended = JSON.parse(e.data);
          }
          for (let k = waiters.length - 1; k >= 0; k--) {
            const w = waiters[k];
            if (w !== undefined && reader.events.length >= w.n) {
              waiters.splice(k, 1);
              w.done();
            }
          }
        });
        res.on('error', () => {});
        if (reader.status !== 200) res.on('end', () => resolve(reader));
        else resolve(reader);
      },
    );
    req.on('error', reject);
  });
}
