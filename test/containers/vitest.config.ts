import { defineConfig } from 'vitest/config'

// The container stack (npm run test:containers): apart from `npm test`, since it builds images and needs podman,
// docker-compose and debootstrap. Its steps share one stack, so they run in order in one file.
export default defineConfig({
  test: {
    root: new URL('../../', import.meta.url).pathname,
    include: ['test/containers/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 40 * 60_000,
  },
})
