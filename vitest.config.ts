import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Child processes of the built CLI and the simulator share 2 cores; keep parallelism modest.
    maxWorkers: 2,
    pool: "forks",
    // A zone other than UTC (with DST) by default, for the tests and every child they start, so any value
    // that goes through local time shows up as a failure; `TZ=UTC npm test` runs the suite under UTC.
    env: { TZ: process.env["TZ"] || "America/New_York" },
  },
});
