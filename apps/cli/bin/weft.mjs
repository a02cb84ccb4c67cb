#!/usr/bin/env node
// The `weft` command: loads the TypeScript sources through tsx, in this process (so signals reach it).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
