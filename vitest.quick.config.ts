import { defineConfig } from 'vitest/config';
// Developer shortcut: runs tests without starting the real test servers (not used by npm test).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'plugins/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30000,
  },
});
