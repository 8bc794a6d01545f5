/**
 * Airbyte's standard connector tests (airbyte-cdk's DockerConnectorTestSuite, subclassed in
 * test/test_airbyte_standard.py) against a built image, run with pytest as Airbyte's own CI runs them:
 * `--connector-image <tag> --read-from-streams=all`, results from pytest's JUnit XML report.
 *
 * The suite takes the connector folder to be the one with metadata.yaml above the test file, and
 * reads the configs acceptance-test-config.yml names from it (secrets/config.json). So the run gets a
 * connector folder of its own, named like the connector, holding copies of those files and the
 * configs for this run's simulator: a developer's own secrets/config.json is never touched.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exec, type RunResult } from "../../bench/exec.js";
import type { Venv } from "../../bench/python-venv.js";

/** The suite and the pytest it was released with (installs in 0.5–3 min here, then cached in .cache/venvs). */
export const STANDARD_TEST_PACKAGES = ["airbyte-cdk==7.39.1", "pytest==9.2.0"];

export interface StandardTestCase {
  name: string;
  outcome: "passed" | "failed" | "error" | "skipped";
  /** the failure, error or skip message */
  message: string;
}

/** Per stream of the suite's read: records, and the stream statuses in the order they came. */
export type ReadSummary = Record<string, { records: number; statuses: string[] }>;

export interface StandardTestRun {
  pytest: RunResult;
  cases: StandardTestCase[];
  /** written by the read test (undefined when it did not get that far) */
  read: ReadSummary | undefined;
}

/** JUnit XML → cases, with Python's own XML parser (the venv is there anyway). */
const JUNIT_TO_JSON = String.raw`
import json, sys, xml.etree.ElementTree as ET
out = []
for case in ET.parse(sys.argv[1]).iter("testcase"):
    outcome, message = "passed", ""
    for tag in ("error", "failure", "skipped"):
        e = case.find(tag)
        if e is not None:
            outcome = {"error": "error", "failure": "failed", "skipped": "skipped"}[tag]
            message = e.get("message") or (e.text or "")
            break
    out.append({"name": case.get("name"), "outcome": outcome, "message": message})
print(json.dumps(out))
`;

/**
 * The suite's `docker run`s pass no `--network`, and the simulator listens on loopback only (the
 * connector allows plain http only for loopback hosts): this `docker` first on pytest's PATH gives
 * `docker run` the host's network and passes everything else through unchanged.
 */
const dockerShim = (realDocker: string): string =>
  `#!/bin/sh\nif [ "$1" = run ]; then shift; exec "${realDocker}" run --network host "$@"; fi\nexec "${realDocker}" "$@"\n`;

export async function runStandardTests(opts: {
  repo: string;
  venv: Venv;
  image: string;
  /** the environment that reaches the docker the image was built with */
  dockerEnv: NodeJS.ProcessEnv;
  /** secrets/config.json for this run */
  config: Record<string, unknown>;
  /** the simulator's URL: integration_tests/invalid_config.json (a wrong token) is pointed at it */
  baseUrl: string;
}): Promise<StandardTestRun> {
  const work = mkdtempSync(join(tmpdir(), "sip-standard-"));
  try {
    const root = join(work, "source-ignite-procurement");
    for (const dir of ["test", "secrets"]) mkdirSync(join(root, dir), { recursive: true });
    for (const file of ["metadata.yaml", "acceptance-test-config.yml", "test/test_airbyte_standard.py"]) {
      copyFileSync(join(opts.repo, file), join(root, file));
    }
    cpSync(join(opts.repo, "integration_tests"), join(root, "integration_tests"), { recursive: true });
    cpSync(join(opts.repo, "spec"), join(root, "spec"), { recursive: true });
    writeFileSync(join(root, "secrets/config.json"), JSON.stringify(opts.config));
    const invalid = join(root, "integration_tests/invalid_config.json");
    writeFileSync(invalid, JSON.stringify({ ...(JSON.parse(readFileSync(invalid, "utf8")) as object), base_url: opts.baseUrl }));

    const real = await exec("sh", ["-c", "command -v docker"], { env: opts.dockerEnv });
    const shim = join(work, "bin", "docker");
    mkdirSync(join(work, "bin"));
    writeFileSync(shim, dockerShim(real.stdout.trim()));
    chmodSync(shim, 0o755);

    const junit = join(work, "junit.xml");
    const summary = join(work, "read-summary.json");
    const pytest = await exec(
      opts.venv.bin("pytest"),
      [
        "-p", "airbyte_cdk.test.standard_tests.pytest_hooks",
        "-p", "no:cacheprovider",
        "test/test_airbyte_standard.py",
        "--connector-image", opts.image,
        "--read-from-streams=all",
        `--junitxml=${junit}`,
        "-rA",
      ],
      {
        cwd: root,
        timeoutMs: 900_000,
        env: { ...opts.dockerEnv, PATH: `${join(work, "bin")}:${opts.dockerEnv["PATH"] ?? ""}`, PYTHONDONTWRITEBYTECODE: "1", READ_SUMMARY_PATH: summary },
      },
    );
    const parsed = await exec(opts.venv.python, ["-c", JUNIT_TO_JSON, junit]);
    if (parsed.code !== 0) throw new Error(`no JUnit report from pytest (exit ${pytest.code}):\n${pytest.stdout.slice(-3000)}\n${pytest.stderr.slice(-2000)}`);
    const read = existsSync(summary) ? (JSON.parse(readFileSync(summary, "utf8")) as ReadSummary) : undefined;
    return { pytest, cases: JSON.parse(parsed.stdout) as StandardTestCase[], read };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
