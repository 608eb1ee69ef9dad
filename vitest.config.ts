import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'connectors/**/*.test.ts', 'test/**/*.test.ts', 'tools/**/*.test.ts', 'hubspot-app/test/**/*.test.{ts,tsx}'],
    globalSetup: ['test/helpers/build.ts'],
    // PGlite starts in about a second and imports run real SQL; keep a generous ceiling.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
