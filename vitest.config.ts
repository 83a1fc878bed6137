import { createRequire } from 'node:module'

import { defineConfig } from 'vitest/config'

const require = createRequire(import.meta.url)

export default defineConfig({
  resolve: {
    // graphql 16 has no `exports`: Node loads its CommonJS build for the libraries (Pothos, yoga), while
    // vite would pick the ESM build for our sources, and graphql-js refuses types from two copies.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that start `dist/main.js` or `dist/demo.js` need the build; it runs once, before them all.
    globalSetup: ['test/support/build-once.ts'],
    // Some tests start the gateway as a child process.
    testTimeout: 30_000,
  },
})
