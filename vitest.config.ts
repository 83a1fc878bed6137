import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Some tests start the gateway as a child process; the first one compiles TypeScript.
    testTimeout: 30_000,
  },
})
