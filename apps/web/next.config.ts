// Next.js configuration: our workspace packages are TypeScript source, compiled here.
import type { NextConfig } from 'next';

const config: NextConfig = {
  transpilePackages: ['@weft/shared'],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
