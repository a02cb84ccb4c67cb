/**
 * How Debian's Chromium is launched here, for the browser tests and the web benchmark:
 * its path, and the flags that keep it from reaching for the network or a sandbox.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
