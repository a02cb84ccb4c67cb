// Vitest for every Node workspace: unit tests beside the code, integration tests in each app's test/,
// cross-app integration tests in integration/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/proxy/{src,test}/**/*.test.ts',
      'apps/controller/{src,test}/**/*.test.ts',
      'apps/cli/{src,test}/**/*.test.ts',
      'integration/**/*.test.ts',
      'examples/**/*.test.ts',
      'apps/web/lib/**/*.test.ts',
      'scripts/**/*.test.ts',
      'e2e/support/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
