import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests import src/ directly: Node's platform is installed as the package's "node" entry does (src/index.node.ts).
    setupFiles: ['test/setup/node-platform.ts'],
    testTimeout: 60_000,
  },
});
