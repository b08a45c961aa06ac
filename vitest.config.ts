import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The reliability suite (crash recovery, corpora) is slower: `npm run test:reliability`.
    exclude: process.env['CONSENT_RELIABILITY'] === '1' ? ['**/node_modules/**'] : ['**/node_modules/**', 'test/reliability/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});
