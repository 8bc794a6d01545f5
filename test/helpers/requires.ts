/**
 * The one rule for tests that drive a real third-party tool (Docker, PyAirbyte, Meltano, Airbyte's
 * standard tests): when the tool cannot be had, a run outside CI skips them with a warning that says
 * why, and a CI run (CI=true) fails, so a green CI always means they ran.
 */
import { describe, it } from "vitest";

const inCI = (): boolean => !["", "0", "false"].includes((process.env["CI"] ?? "").toLowerCase());

/** `describe(name, body)` when nothing is `missing`; else a skip with the reason, or under CI a failing test. */
export function describeRequiring(name: string, missing: string | undefined, body: () => void): void {
  if (missing === undefined) {
    describe(name, body);
  } else if (inCI()) {
    describe(name, () => {
      it("has what it needs (CI=true: a missing tool fails instead of skipping)", () => {
        throw new Error(`cannot run: ${missing}`);
      });
    });
  } else {
    console.warn(`[${name}] SKIPPED: ${missing}`);
    describe.skip(name, body);
  }
}
