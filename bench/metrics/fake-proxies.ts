/**
 * N proxy admin endpoints in one process (for the scrape benchmark): each serves synthetic
 * `/metrics` text whose counters grow on every scrape. Prints their addresses as one JSON
 * line on stdout, then serves until killed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { proxyText, typicalShape } from './synthetic.ts';

const n = Number(process.argv[2] ?? 100);
const addresses: string[] = [];
for (let i = 0; i < n; i++) {
  const shape = typicalShape(i);
  let round = 0;
  // Texts are made ahead so serving costs this process little.
  const texts = Array.from({ length: 4 }, (_, r) => proxyText(shape, r + 1));
  const server = createServer((_req, res) => {
    res.end(texts[Math.min(round++, texts.length - 1)]);
    if (round >= texts.length) {
      texts.push(proxyText(shape, texts.length + 1));
      texts.shift();
      round = texts.length - 1;
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  addresses.push(`127.0.0.1:${(server.address() as AddressInfo).port}`);
}
process.stdout.write(`${JSON.stringify(addresses)}\n`);
