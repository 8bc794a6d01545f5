import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Child processes of the built CLI and the simulator share 2 cores; keep parallelism modest.
    maxWorkers: 2,
    pool: "forks",
  },
});
