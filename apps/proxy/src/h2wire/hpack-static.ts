/**
 * The HPACK static table (RFC 7541 Appendix A), indexes 1-61, and the lookups the encoder
 * uses: the index of an exact (name, value) entry and the lowest index of a name.
 */

/** Number of entries; dynamic table indexes start after it. */
export const STATIC_LENGTH = 61;

/** Names by index (index 0 unused). */
export const STATIC_NAMES: readonly string[] = [
  '',
  ':authority',
  ':method',
  ':method',
  ':path',
  ':path',
  ':scheme',
  ':scheme',
  ':status',
  ':status',
  ':status',
  ':status',
  ':status',
  ':status',
  ':status',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'accept',
  'access-control-allow-origin',
  'age',
  'allow',
  'authorization',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-range',
  'content-type',
  'cookie',
  'date',
  'etag',
  'expect',
  'expires',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'last-modified',
  'link',
  'location',
  'max-forwards',
  'proxy-authenticate',
  'proxy-authorization',
  'range',
  'referer',
  'refresh',
  'retry-after',
  'server',
  'set-cookie',
  'strict-transport-security',
  'transfer-encoding',
  'user-agent',
  'vary',
  'via',
  'www-authenticate',
];

/** Values by index (index 0 unused). */
export const STATIC_VALUES: readonly string[] = [
  '',
  '',
  'GET',
  'POST',
  '/',
  '/index.html',
  'http',
  'https',
  '200',
  '204',
  '206',
  '304',
  '400',
  '404',
  '500',
  '',
  'gzip, deflate',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
];

/** name -> lowest index with that name. */
export const STATIC_NAME_INDEX = new Map<string, number>();
/** name -> (value -> index), entries without a value under ''. */
export const STATIC_PAIR_INDEX = new Map<string, Map<string, number>>();
for (let i = STATIC_LENGTH; i >= 1; i--) {
  const name = STATIC_NAMES[i] as string;
  STATIC_NAME_INDEX.set(name, i);
  let values = STATIC_PAIR_INDEX.get(name);
  if (values === undefined) {
    values = new Map();
    STATIC_PAIR_INDEX.set(name, values);
  }
  values.set(STATIC_VALUES[i] as string, i);
}
