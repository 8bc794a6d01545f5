/**
 * Config at the door. Through the built CLI: every bad input names the field, check answers FAILED with
 * exit 0, discover/read answer a config_error TRACE with a non-zero exit, and the token never shows.
 * In process: the conversions (filters list → map, legacy oneOf → union, defaults, base_url rules).
 */
import { describe, expect, it } from "vitest";
import { ConfigValidationError, validateConfig } from "../source/config.js";
import { runCli } from "./helpers/cli.js";
import { errorTraces, messageProblems, ofType } from "./helpers/protocol.js";

const TOKEN = "tok_SECRET_0123456789";
const base = { api_token: TOKEN, base_url: "http://127.0.0.1:9" };

const BAD: { name: string; config: unknown; expect: RegExp }[] = [
  { name: "missing token", config: { base_url: "https://x.example" }, expect: /api_token: is required/ },
  { name: "empty token", config: { ...base, api_token: "" }, expect: /api_token: must not be empty/ },
  { name: "plain http to a remote host", config: { ...base, base_url: "http://api.example.com" }, expect: /base_url: must use https for non-loopback hosts/ },
  { name: "not a URL", config: { ...base, base_url: "datatable.igniteprocurement.com" }, expect: /base_url: must be in the form https:\/\/host/ },
  { name: "page_size too big", config: { ...base, page_size: 200000 }, expect: /page_size: must be <= 100000 \(got 200000\)/ },
  { name: "page_size not a number", config: { ...base, page_size: "100" }, expect: /page_size: must be a whole number/ },
  { name: "unknown read_mode", config: { ...base, read_mode: "fast" }, expect: /read_mode: must be one of auto, rows, export/ },
  { name: "bad lookback", config: { ...base, lookback_window: "1 hour" }, expect: /lookback_window: must be in the form ISO 8601 duration/ },
  { name: "lookback in months", config: { ...base, lookback_window: "P1M" }, expect: /lookback_window: must be in the form ISO 8601 duration in weeks, days, hours/ },
  { name: "impossible start_date", config: { ...base, start_date: "2024-02-30" }, expect: /start_date: 2024-02-30 is not a real date/ },
  { name: "legacy ids without ids", config: { ...base, legacy_data_tables: { mode: "ids" } }, expect: /legacy_data_tables\.ids: is required/ },
  { name: "legacy unknown mode", config: { ...base, legacy_data_tables: { mode: "some" } }, expect: /legacy_data_tables\.mode: must be one of off, all, ids/ },
  { name: "filter value shape", config: { ...base, filters: [{ stream: "spend", column: "amount", operator: "between", value: "5" }] }, expect: /filters\[0\]\.value: operator between needs a JSON list of two values/ },
  { name: "filter without column", config: { ...base, filters: [{ stream: "spend", operator: "eq", value: "1" }] }, expect: /filters\[0\]\.column: is required/ },
  { name: "rows path without {entity}", config: { ...base, endpoints: { rows: "/rows" } }, expect: /endpoints\.rows: must be in the form \/path containing \{entity\}/ },
  { name: "not an object", config: [1, 2], expect: /config: must be a JSON object/ },
];

describe("config errors through the CLI", () => {
  it.each(BAD)("check: $name → FAILED naming the field, exit 0", async ({ config, expect: pattern }) => {
    const r = await runCli({ args: ["check"], config });
    expect(r.exitCode).toBe(0);
    const statuses = ofType(r.messages, "CONNECTION_STATUS");
    expect(statuses).toHaveLength(1);
    expect(statuses[0]!.connectionStatus.status).toBe("FAILED");
    expect(statuses[0]!.connectionStatus.message).toMatch(pattern);
    expect(r.stdout).not.toContain(TOKEN);
    r.messages.forEach((m) => expect(messageProblems(m)).toEqual([]));
  });

  it("reports all problems at once", async () => {
    const r = await runCli({ args: ["check"], config: { base_url: "http://api.example.com", page_size: 0, read_mode: "x" } });
    const message = ofType(r.messages, "CONNECTION_STATUS")[0]!.connectionStatus.message!;
    for (const field of ["api_token", "base_url", "page_size", "read_mode"]) expect(message).toContain(`${field}:`);
  });

  it.each(["discover", "read"])("%s: invalid config → config_error TRACE, exit 1, token not echoed", async (command) => {
    const r = await runCli({ args: [command], config: { ...base, page_size: -1 }, ...(command === "read" ? { catalog: { streams: [] } } : {}) });
    expect(r.exitCode).toBe(1);
    const [error] = errorTraces(r.messages);
    expect(error).toMatchObject({ failure_type: "config_error" });
    expect(error!.message).toMatch(/page_size: must be >= 1/);
    expect(r.stdout).not.toContain(TOKEN);
  });

  const FILES: { name: string; args: string[]; file?: string; expect: RegExp }[] = [
    { name: "config file missing", args: ["check", "--config", "/nonexistent/config.json"], expect: /--config \/nonexistent\/config\.json: file not found/ },
    { name: "config not JSON", args: ["check"], file: `{"api_token": "${TOKEN}",`, expect: /--config .*: not valid JSON \((the file ends too early|syntax error at line 1, column \d+)\)/ },
    { name: "config not JSON (syntax)", args: ["discover"], file: `{"api_token": "${TOKEN}" x}`, expect: /--config .*: not valid JSON \(syntax error at line 1, column \d+\)/ },
    { name: "config empty", args: ["check"], file: "  \n", expect: /--config .*: the file is empty/ },
    { name: "unknown command", args: ["sync"], expect: /Unknown command: sync/ },
    { name: "no command", args: [], expect: /No command given/ },
    { name: "the command behind a second --", args: ["--", "--", "spec"], expect: /No command given/ },
    { name: "check without --config", args: ["check"], expect: /Missing required option --config/ },
    { name: "read without --catalog", args: ["read", "--config", "/dev/null"], expect: /Missing required option --catalog/ },
  ];
  it.each(FILES)("$name → config_error TRACE, non-zero exit", async ({ args, file, expect: pattern }) => {
    const r = await runCli({ args, ...(file === undefined ? {} : { config: file }) });
    expect(r.exitCode).not.toBe(0);
    const errors = errorTraces(r.messages);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ failure_type: "config_error" });
    expect(errors[0]!.message).toMatch(pattern);
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.stderr).toMatch(pattern); // a human at a terminal sees it too
  });

  it("takes a `--` before the command, as Meltano's tap-airbyte passes it (`docker run IMAGE -- spec`)", async () => {
    const spec = await runCli({ args: ["--", "spec"] });
    expect(spec.exitCode).toBe(0);
    expect(ofType(spec.messages, "SPEC")).toHaveLength(1);
    const check = await runCli({ args: ["--", "check"], config: { ...base, page_size: 0 } });
    expect(check.exitCode).toBe(0);
    expect(ofType(check.messages, "CONNECTION_STATUS")[0]!.connectionStatus.message).toMatch(/page_size: must be >= 1/);
  });

  it("accepts unknown flags such as --debug, and --help / --version exit 0", async () => {
    const r = await runCli({ args: ["spec", "--debug", "--whatever"] });
    expect(r.exitCode).toBe(0);
    expect(ofType(r.messages, "SPEC")).toHaveLength(1);
    const help = await runCli({ args: ["--help"], humanOutput: true });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/read\s+Read records/);
    const version = await runCli({ args: ["--version"], humanOutput: true });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("config conversion", () => {
  it("fills defaults, drops _-prefixed keys, trims the base_url's trailing slash and warns about unknown keys", () => {
    const { config, warnings } = validateConfig({ api_token: "t", base_url: "https://h.example/api/v2/", _limit: 5, page_sise: 3 });
    expect(config.base_url).toBe("https://h.example/api/v2");
    expect(config).not.toHaveProperty("_limit");
    expect(warnings).toEqual(["config key 'page_sise' is not a setting of this connector and is ignored"]);
  });

  it("allows plain http only to loopback hosts", () => {
    for (const url of ["http://localhost:8080", "http://127.0.0.5", "http://[::1]:3000"]) expect(validateConfig({ api_token: "t", base_url: url }).config.base_url).toBe(url);
    expect(() => validateConfig({ api_token: "t", base_url: "http://10.0.0.1" })).toThrow(/must use https/);
    expect(() => validateConfig({ api_token: "t", base_url: "http://localhost" }, { DEPLOYMENT_MODE: "cloud" })).toThrow(/https in Airbyte Cloud/);
  });

  it("turns the filter list into the per-stream map; several operators on one column combine", () => {
    const { config } = validateConfig({
      api_token: "t",
      filters: [
        { stream: "spend", column: "amount", operator: "gte", value: "100" },
        { stream: "spend", column: "amount", operator: "lte", value: "500.5" },
        { stream: "spend", column: "invoice_date", operator: "gte", value: "2026-01-01" },
        { stream: "spend", column: "currency", operator: "in", value: '["NOK", "SEK"]' },
        { stream: "spend", column: "supplier_id", operator: "eq", value: '"123"' },
        { stream: "contracts", column: "categories", operator: "is_empty" },
      ],
    });
    expect(config.filters).toEqual({
      spend: { amount: { gte: 100, lte: 500.5 }, invoice_date: { gte: "2026-01-01" }, currency: { in: ["NOK", "SEK"] }, supplier_id: { eq: "123" } },
      contracts: { categories: { is_empty: true } },
    });
  });

  it("rejects the same operator twice on one column", () => {
    const f = { stream: "spend", column: "amount", operator: "gte", value: "1" };
    expect(() => validateConfig({ api_token: "t", filters: [f, f] })).toThrow(/filters\[1\]: spend\.amount already has a gte filter/);
  });

  it("maps legacy_data_tables to off | all | ids", () => {
    expect(validateConfig({ api_token: "t" }).config.legacy_data_tables).toBe("off");
    expect(validateConfig({ api_token: "t", legacy_data_tables: { mode: "all" } }).config.legacy_data_tables).toBe("all");
    expect(validateConfig({ api_token: "t", legacy_data_tables: { mode: "ids", ids: ["7", "9", "7"] } }).config.legacy_data_tables).toEqual(["7", "9"]);
  });

  it("removes a pasted 'Bearer ' prefix with a warning, and treats an empty start_date as unset", () => {
    const { config, warnings } = validateConfig({ api_token: "Bearer abc123", start_date: "" });
    expect(config.api_token).toBe("abc123");
    expect(config.start_date).toBeUndefined();
    expect(warnings.join()).toMatch(/Bearer/);
  });

  it("keeps the list of problems on the error", () => {
    try {
      validateConfig({ page_size: 0 });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigValidationError).problems).toEqual(["api_token: is required", "page_size: must be >= 1 (got 0)"]);
    }
  });
});
