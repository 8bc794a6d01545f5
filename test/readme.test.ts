/**
 * README.md tells the truth: its configuration reference is exactly what spec/spec.json renders to and
 * names every setting; the two newcomer commands are there and CI runs the same test command; every
 * `npm run` it mentions exists; every message it quotes under Troubleshooting is one the code can print.
 * Plus the renderer on a small spec, and the `npm run docs` writer as a child process on a temp copy.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { ConnectorSpecification } from "../spec/index.js";
import { extractBlock, REFERENCE_END, REFERENCE_START, referenceRows, renderReference, replaceBlock } from "../spec/reference.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");
const readme = read("README.md");
const spec = JSON.parse(read("spec/spec.json")) as ConnectorSpecification;

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every settable path in the spec, found independently of spec/reference.ts. */
function specPaths(node: Node, prefix: string): string[] {
  const out: string[] = [];
  const props = (n: Node): [string, Node][] => (isNode(n.properties) ? Object.entries(n.properties).filter((e): e is [string, Node] => isNode(e[1])) : []);
  const visit = (n: Node, path: string): void => {
    out.push(path);
    for (const [k, v] of props(n)) visit(v, `${path}.${k}`);
    if (isNode(n.items)) for (const [k, v] of props(n.items)) visit(v, `${path}[].${k}`);
    if (Array.isArray(n.oneOf)) for (const option of n.oneOf.filter(isNode)) for (const [k, v] of props(option)) visit(v, `${path}.${k}`);
  };
  for (const [k, v] of props(node)) visit(v, prefix === "" ? k : `${prefix}.${k}`);
  return [...new Set(out)];
}

/** The section under a `## ` heading, up to the next one. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf("\n## ", start + 4);
  return readme.slice(start, end < 0 ? undefined : end);
}

function sourceText(dirs: readonly string[]): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) files.push(path);
    }
  };
  dirs.forEach((d) => walk(join(ROOT, d)));
  return files.map((f) => readFileSync(f, "utf8")).join("\n");
}

describe("README configuration reference", () => {
  const block = extractBlock(readme, REFERENCE_START, REFERENCE_END);

  it("is exactly the table rendered from spec/spec.json (run `npm run docs` after editing the spec)", () => {
    expect(block, "one config-reference start marker, then one end marker").toBeDefined();
    expect(block).toBe(renderReference(spec));
  });

  it("has a row for every setting of the spec, nested ones by path", () => {
    const paths = specPaths(spec.connectionSpecification, "");
    expect(paths).toEqual(expect.arrayContaining(["api_token", "filters[].operator", "endpoints.export_status", "legacy_data_tables.ids"]));
    const missing = paths.filter((p) => !(block ?? "").includes(`\n| \`${p}\` |`));
    expect(missing).toEqual([]);
  });

  it("shows each setting's type, default, required flag, description and examples", () => {
    const row = (field: string): string => (block ?? "").split("\n").find((l) => l.startsWith(`| \`${field}\` |`)) ?? "";
    expect(row("api_token")).toMatch(/\| string, non-empty, secret \| — \| yes \| \*\*API token\.\*\* Export API token.* \| `"ipt_0123456789abcdef"` \|$/);
    expect(row("page_size")).toContain("| integer, 1 to 100000 | `10000` | no |");
    expect(row("read_mode")).toContain('one of `"auto"`, `"rows"`, `"export"` | `"auto"` | no |');
    expect(row("legacy_data_tables.ids")).toContain('| yes, with `mode: "ids"` |');
  });
});

describe("renderReference", () => {
  const small: ConnectorSpecification = {
    documentationUrl: "https://example.com",
    connectionSpecification: {
      type: "object",
      required: ["token"],
      properties: {
        later: { order: 2, type: "integer", minimum: 0, maximum: 9, default: 3, description: "a | b" },
        token: { order: 0, title: "Token", type: "string", airbyte_secret: true, examples: ["t1", "t2"] },
        nested: {
          order: 1,
          type: "object",
          default: {},
          properties: { path: { type: "string", default: "", pattern_descriptor: "/path" } },
        },
        list: { order: 3, type: "array", items: { type: "object", required: ["name"], properties: { name: { type: "string", enum: ["x", "y"] } } } },
        choice: {
          order: 4,
          type: "object",
          oneOf: [
            { title: "None", properties: { kind: { const: "none" } } },
            { title: "Some", required: ["kind", "ids"], properties: { kind: { const: "some" }, ids: { type: "array", items: { type: "string" }, minItems: 1 } } },
          ],
        },
      },
    },
  };

  it("renders one row per setting, in `order`, children after their parent", () => {
    expect(referenceRows(small).map((r) => r.field)).toEqual([
      "`token`",
      "`nested`",
      "`nested.path`",
      "`later`",
      "`list`",
      "`list[].name`",
      "`choice`",
      "`choice.kind`",
      "`choice.ids`",
    ]);
  });

  it("fills type, default, required, description and examples, and escapes pipes", () => {
    const text = renderReference(small);
    const lines = text.split("\n");
    expect(text.startsWith("\n") && text.endsWith("\n")).toBe(true);
    expect(lines).toContain("| Field | Type | Default | Required | Description | Examples |");
    expect(lines).toContain('| `token` | string, secret | — | yes | **Token.** | `"t1"`, `"t2"` |');
    expect(lines).toContain("| `later` | integer, 0 to 9 | `3` | no | a \\| b | — |");
    expect(lines).toContain('| `nested.path` | string, format `/path` | `""` | no | — | — |');
    expect(lines).toContain('| `list[].name` | string, one of `"x"`, `"y"` | — | yes | — | — |');
    expect(lines).toContain('| `choice` | object (one of 2 options, by `kind`) | — | no | — | — |');
    expect(lines).toContain('| `choice.kind` | string, one of `"none"`, `"some"` | — | yes | Selects the option: `"none"` (None), `"some"` (Some). | — |');
    expect(lines).toContain('| `choice.ids` | array of strings, at least 1 item | — | yes, with `kind: "some"` | Only with `kind: "some"`. | — |');
  });

  it("replaces only the text between the markers, and refuses missing or repeated markers", () => {
    const doc = `a\n${REFERENCE_START}\nold\n${REFERENCE_END}\nb\n`;
    expect(replaceBlock(doc, REFERENCE_START, REFERENCE_END, "\nnew\n")).toBe(`a\n${REFERENCE_START}\nnew\n${REFERENCE_END}\nb\n`);
    expect(() => replaceBlock("no markers", REFERENCE_START, REFERENCE_END, "x")).toThrow(/exactly one/);
    expect(extractBlock(`${REFERENCE_START}${REFERENCE_END}${REFERENCE_START}${REFERENCE_END}`, REFERENCE_START, REFERENCE_END)).toBeUndefined();
    expect(extractBlock(`${REFERENCE_END}${REFERENCE_START}`, REFERENCE_START, REFERENCE_END)).toBeUndefined();
  });
});

describe("`npm run docs` (dist/spec/write-reference.js)", () => {
  const WRITER = join(ROOT, "dist/spec/write-reference.js");
  const dir = mkdtempSync(join(tmpdir(), "readme-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [WRITER, ...args], (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
      });
    });

  it("--check fails on a stale block without touching it; a plain run rewrites it from the spec", async () => {
    const file = join(dir, "README.md");
    const stale = `# x\n\n${REFERENCE_START}\n| old |\n${REFERENCE_END}\n\ntail\n`;
    writeFileSync(file, stale);
    const checked = await run(["--check", "--readme", file]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain("run npm run docs");
    expect(readFileSync(file, "utf8")).toBe(stale);

    const written = await run(["--readme", file]);
    expect(written.code, written.stderr).toBe(0);
    const after = readFileSync(file, "utf8");
    expect(extractBlock(after, REFERENCE_START, REFERENCE_END)).toBe(renderReference(spec));
    expect(after.startsWith("# x\n\n") && after.endsWith("\n\ntail\n")).toBe(true);
    expect((await run(["--check", "--readme", file])).code).toBe(0);
  });

  it("reports a README without markers instead of writing it", async () => {
    const file = join(dir, "plain.md");
    writeFileSync(file, "no markers here\n");
    const r = await run(["--readme", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(REFERENCE_START);
    expect(readFileSync(file, "utf8")).toBe("no markers here\n");
  });
});

describe("README newcomer commands and CI", () => {
  it("gives the two newcomer commands exactly, and package.json has their scripts", () => {
    const block = /```sh\n([\s\S]*?)```/.exec(section("Two commands"))?.[1] ?? "";
    const commands = block.split("\n").map((l) => l.replace(/#.*$/, "").trim()).filter((l) => l !== "");
    expect(commands).toEqual(["npm ci && npm run demo", "npm test"]);
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.demo).toMatch(/node dist\/bench\/demo\.js/);
    expect(scripts.test).toMatch(/vitest run/);
  });

  it(".ci/run runs a clean install and then the README's test command", () => {
    const lines = read(".ci/run").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
    const ci = lines.indexOf("npm ci");
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf("npm test")).toBeGreaterThan(ci);
    expect(statSync(join(ROOT, ".ci/run")).mode & 0o111).not.toBe(0);
  });

  it("mentions only npm scripts that exist", () => {
    const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);
    const mentioned = [...readme.matchAll(/npm run (?:-s )?([a-z][\w:-]*)/g)].map((m) => m[1]!);
    expect(mentioned.length).toBeGreaterThan(3);
    expect([...new Set(mentioned)].filter((s) => !scripts.includes(s))).toEqual([]);
  });

  it("keeps the benchmark block markers for `npm run bench -- --write-readme`", () => {
    expect(readme.split("<!-- bench:start -->").length).toBe(2);
    expect(readme.indexOf("<!-- bench:end -->")).toBeGreaterThan(readme.indexOf("<!-- bench:start -->"));
  });
});

describe("README troubleshooting", () => {
  it("quotes only messages the connector can print", () => {
    const quoted = [...section("Troubleshooting").matchAll(/\*\*`([^`]+)`\*\*/g)].map((m) => m[1]!);
    expect(quoted.length).toBeGreaterThanOrEqual(15);
    const code = sourceText(["source", "streams"]);
    expect(quoted.filter((q) => !code.includes(q))).toEqual([]);
  });
});
