import { describe, expect, it } from 'vitest';
import { COMPRESSION_ERROR, ENHANCE_YOUR_CALM, H2Error } from './errors.ts';
import { HpackDecoder } from './hpack-decoder.ts';
import { HpackEncoder } from './hpack-encoder.ts';
import { huffmanDecode, huffmanEncode, huffmanLength } from './huffman.ts';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from './huffman-table.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function decodeAll(d: HpackDecoder, block: Buffer): string[][] {
  const out: string[] = [];
  d.decode(block, 0, block.length, out);
  const pairs: string[][] = [];
  for (let i = 0; i < out.length; i += 2) pairs.push([out[i] as string, out[i + 1] as string]);
  return pairs;
}

function tableOf(d: HpackDecoder): string[][] {
  const rows: string[][] = [];
  for (let rel = 1; rel <= d.table.count; rel++) rows.push([d.table.name(rel), d.table.value(rel)]);
  return rows;
}

function encodeAll(e: HpackEncoder, pairs: string[][], never: number[] | null = null): Buffer {
  const out = Buffer.alloc(4096);
  return out.subarray(0, e.encode(pairs.flat(), never, out, 0));
}

function rejects(fn: () => void, code: number): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(H2Error);
    expect((err as H2Error).code).toBe(code);
    return;
  }
  throw new Error('accepted a hostile input');
}

// RFC 7541 Appendix C.3 / C.4: three requests on one connection; the same header lists.
const REQUESTS = [
  [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ],
  [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
    ['cache-control', 'no-cache'],
  ],
  [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':path', '/index.html'],
    [':authority', 'www.example.com'],
    ['custom-key', 'custom-value'],
  ],
];
const REQUEST_TABLES = [
  { size: 57, rows: [[':authority', 'www.example.com']] },
  {
    size: 110,
    rows: [
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
  },
  {
    size: 164,
    rows: [
      ['custom-key', 'custom-value'],
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
  },
];
const C3 = [
  '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
  '8286 84be 5808 6e6f 2d63 6163 6865',
  '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
];
const C4 = [
  '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
  '8286 84be 5886 a8eb 1064 9cbf',
  '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
];

// C.5 / C.6: three responses with SETTINGS_HEADER_TABLE_SIZE 256 (evictions).
const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const LOCATION = 'https://www.example.com';
const RESPONSES = [
  [
    [':status', '302'],
    ['cache-control', 'private'],
    ['date', DATE1],
    ['location', LOCATION],
  ],
  [
    [':status', '307'],
    ['cache-control', 'private'],
    ['date', DATE1],
    ['location', LOCATION],
  ],
  [
    [':status', '200'],
    ['cache-control', 'private'],
    ['date', DATE2],
    ['location', LOCATION],
    ['content-encoding', 'gzip'],
    ['set-cookie', COOKIE],
  ],
];
const RESPONSE_TABLES = [
  {
    size: 222,
    rows: [
      ['location', LOCATION],
      ['date', DATE1],
      ['cache-control', 'private'],
      [':status', '302'],
    ],
  },
  {
    size: 222,
    rows: [
      [':status', '307'],
      ['location', LOCATION],
      ['date', DATE1],
      ['cache-control', 'private'],
    ],
  },
  {
    size: 215,
    rows: [
      ['set-cookie', COOKIE],
      ['content-encoding', 'gzip'],
      ['date', DATE2],
    ],
  },
];
const C5 = [
  `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
   2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
  '4803 3330 37c1 c0bf',
  `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
   54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
   5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
];
const C6 = [
  `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
   2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
  '4883 640e ffc1 c0bf',
  `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
   77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
   9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
];

describe('HPACK decoder: RFC 7541 Appendix C', () => {
  it('decodes the literal examples of C.2', () => {
    expect(
      decodeAll(new HpackDecoder(), hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572')),
    ).toEqual([['custom-key', 'custom-header']]);
    expect(decodeAll(new HpackDecoder(), hex('040c 2f73 616d 706c 652f 7061 7468'))).toEqual([
      [':path', '/sample/path'],
    ]);
    const d = new HpackDecoder();
    expect(decodeAll(d, hex('1008 7061 7373 776f 7264 0673 6563 7265 74'))).toEqual([['password', 'secret']]);
    expect(d.neverIndexed).toEqual([0]);
    expect(d.table.count).toBe(0);
    expect(decodeAll(new HpackDecoder(), hex('82'))).toEqual([[':method', 'GET']]);
  });

  for (const [name, blocks, lists, tables, size] of [
    ['C.3 requests without Huffman coding', C3, REQUESTS, REQUEST_TABLES, 4096],
    ['C.4 requests with Huffman coding', C4, REQUESTS, REQUEST_TABLES, 4096],
    ['C.5 responses without Huffman coding', C5, RESPONSES, RESPONSE_TABLES, 256],
    ['C.6 responses with Huffman coding', C6, RESPONSES, RESPONSE_TABLES, 256],
  ] as const) {
    it(`decodes ${name} and keeps the dynamic table as the RFC shows`, () => {
      const d = new HpackDecoder({ maxTableSize: size });
      blocks.forEach((block, i) => {
        expect(decodeAll(d, hex(block))).toEqual(lists[i]);
        expect(tableOf(d)).toEqual(tables[i]?.rows);
        expect(d.table.size).toBe(tables[i]?.size);
      });
    });
  }
});

describe('HPACK encoder', () => {
  it('encodes the C.4 requests byte for byte', () => {
    const e = new HpackEncoder();
    REQUESTS.forEach((list, i) => {
      expect(encodeAll(e, list).toString('hex')).toBe(hex(C4[i] as string).toString('hex'));
    });
  });

  it('round-trips the C.5 responses through a 256-octet table, evictions included', () => {
    const e = new HpackEncoder();
    e.setPeerMaxTableSize(256);
    const d = new HpackDecoder({ maxTableSize: 256 });
    for (let round = 0; round < 3; round++) {
      for (const list of RESPONSES) expect(decodeAll(d, encodeAll(e, list))).toEqual(list);
    }
    expect(d.table.size).toBeLessThanOrEqual(256);
  });

  it('sends one byte for a field it sent before', () => {
    const e = new HpackEncoder();
    const list = [
      [':path', '/weft.bench.Echo/Unary'],
      ['content-type', 'application/grpc'],
      ['x-custom', 'v'],
    ];
    encodeAll(e, list);
    expect(encodeAll(e, list).length).toBe(3);
  });

  it('keeps never-indexed fields never-indexed, and credentials out of the table', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    const list = [
      ['cookie', 'session=1'],
      ['authorization', 'Bearer x'],
      ['x-a', 'b'],
    ];
    expect(decodeAll(d, encodeAll(e, list, [0]))).toEqual(list);
    expect(d.neverIndexed).toEqual([0, 1]);
    expect(tableOf(d)).toEqual([['x-a', 'b']]);
  });

  it('announces a smaller peer table with size updates, lowest first', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    decodeAll(d, encodeAll(e, [['x-a', 'b'.repeat(100)]]));
    e.setPeerMaxTableSize(0);
    e.setPeerMaxTableSize(100);
    const block = encodeAll(e, [['x-a', 'b'.repeat(100)]]);
    expect(block.subarray(0, 3).toString('hex')).toBe('203f45'); // update to 0, then to 100
    expect(decodeAll(d, block)).toEqual([['x-a', 'b'.repeat(100)]]);
    expect(d.table.maxSize).toBe(100);
    expect(d.table.count).toBe(0); // 135 octets do not fit in 100
  });

  it('round-trips arbitrary latin1 headers', () => {
    const e = new HpackEncoder(512);
    const d = new HpackDecoder({ maxTableSize: 512 });
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const list: string[][] = [];
      for (let k = rnd(6); k >= 0; k--) {
        const name = `x-${rnd(20)}`;
        let value = '';
        for (let c = rnd(40); c > 0; c--) value += String.fromCharCode(rnd(256));
        list.push([name, value]);
      }
      expect(decodeAll(d, encodeAll(e, list))).toEqual(list);
    }
  });
});

describe('Huffman code', () => {
  it('is a complete prefix code of 257 symbols', () => {
    expect(HUFFMAN_CODES.length).toBe(257);
    let kraft = 0;
    for (const len of HUFFMAN_LENGTHS) kraft += 2 ** -len;
    expect(kraft).toBe(1);
  });

  it('round-trips every byte value', () => {
    let s = '';
    for (let c = 0; c < 256; c++) s += String.fromCharCode(c);
    const buf = Buffer.alloc(1024);
    const end = huffmanEncode(s, buf, 0);
    expect(end).toBe(huffmanLength(s));
    const out = Buffer.alloc(512);
    expect(out.toString('latin1', 0, huffmanDecode(buf, 0, end, out))).toBe(s);
  });
});

describe('HPACK decoder: hostile input is refused with an error code, never a crash', () => {
  const decode =
    (block: string, options = {}) =>
    () =>
      decodeAll(new HpackDecoder(options), hex(block));

  it('refuses index 0 and indexes past both tables', () => {
    rejects(decode('80'), COMPRESSION_ERROR);
    rejects(decode('be'), COMPRESSION_ERROR); // 62: the dynamic table is empty
    rejects(decode('7f00 0161'), COMPRESSION_ERROR); // literal naming index 63
  });

  it('refuses truncated integers, strings and Huffman padding', () => {
    rejects(decode('ff'), COMPRESSION_ERROR); // integer continues past the block
    rejects(decode('ff80 8080 8080 01'), COMPRESSION_ERROR); // integer far too large
    rejects(decode('4005 6162'), COMPRESSION_ERROR); // name literal longer than the block
    rejects(decode('00'), COMPRESSION_ERROR); // literal without its name
    rejects(decode('0081 ff'), COMPRESSION_ERROR); // Huffman padding of 8 bits
    rejects(decode('0081 00'), COMPRESSION_ERROR); // padding not made of ones
    rejects(decode('0084 ffff ffff'), COMPRESSION_ERROR); // EOS in the string
  });

  it('refuses table-size abuse', () => {
    rejects(decode('3fe2 1f'), COMPRESSION_ERROR); // update to 4097, past our 4096
    rejects(decode('3fe1 1f', { maxTableSize: 100 }), COMPRESSION_ERROR);
    rejects(decode('82 20'), COMPRESSION_ERROR); // update after a field
    expect(decodeAll(new HpackDecoder(), hex('20 3fe1 1f 82'))).toEqual([[':method', 'GET']]); // 0 then 4096
  });

  it('refuses header lists past the bound', () => {
    const e = new HpackEncoder();
    const big = encodeAll(e, [['x-big', 'v'.repeat(2000)]]);
    rejects(() => decodeAll(new HpackDecoder({ maxHeaderListSize: 1000 }), big), COMPRESSION_ERROR);
    const many = encodeAll(
      new HpackEncoder(),
      Array.from({ length: 40 }, () => ['x-a', 'b']),
    );
    rejects(() => decodeAll(new HpackDecoder({ maxHeaderListSize: 1000 }), many), ENHANCE_YOUR_CALM);
  });

  it('survives random bytes', () => {
    let seed = 11;
    for (let i = 0; i < 2000; i++) {
      const block = Buffer.alloc(1 + (i % 40));
      for (let k = 0; k < block.length; k++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        block[k] = seed >>> 24;
      }
      try {
        decodeAll(new HpackDecoder(), block);
      } catch (err) {
        expect(err).toBeInstanceOf(H2Error);
      }
    }
  });
});
