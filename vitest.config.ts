import { defineConfig } from 'vitest/config';

// Two projects: fast pure-logic unit tests, and integration tests that each get a fresh database.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // PGlite in memory per file is cheap but CPU-heavy; two cores on this machine.
          maxWorkers: 2,
          fileParallelism: true,
          // Run after the unit project: a project with its own maxWorkers needs its own group.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
