import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The container stack has its own command (npm run test:containers).
    exclude: ['**/node_modules/**', 'test/containers/**'],
    globalSetup: ['./test/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Memory-bound tests collect garbage before they measure the heap.
    execArgv: ['--expose-gc'],
  },
})
