// Next.js configuration: our workspace packages are TypeScript source, compiled here.
// Every response carries a CSP that forbids framing (clickjacking) and a same-origin referrer
// policy (the one-time login link must not leak to other sites through Referer).
import type { NextConfig } from 'next';

const SECURITY_HEADERS = [
  {
    key: 'Content-Security-Policy',
    value: "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
  },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
];

const config: NextConfig = {
  transpilePackages: ['@weft/shared'],
  poweredByHeader: false,
  reactStrictMode: true,
  headers: async () => [{ source: '/:path*', headers: SECURITY_HEADERS }],
};

export default config;
