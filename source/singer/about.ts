/**
 * `--about`: what Meltano shows for a custom extractor (name, description, version, capabilities, and the
 * settings, which are spec.json's connectionSpecification), as JSON or Markdown.
 */
import { loadSpec, type JsonSchema } from "../../spec/index.js";

export const TAP_NAME = "tap-ignite-procurement";
export const CAPABILITIES = ["catalog", "discover", "state", "about"] as const;
const DESCRIPTION = "Singer tap for the Ignite Procurement Export API (the Singer mode of source-ignite-procurement)";

export interface About {
  name: string;
  description: string;
  version: string;
  capabilities: string[];
  settings: JsonSchema;
}

export function about(version: string): About {
  return { name: TAP_NAME, description: DESCRIPTION, version, capabilities: [...CAPABILITIES], settings: loadSpec().connectionSpecification };
}

export function aboutText(info: About, format: "json" | "markdown"): string {
  if (format === "json") return `${JSON.stringify(info, null, 2)}\n`;
  const properties = (info.settings.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(info.settings.required) ? (info.settings.required as string[]) : []);
  const cell = (v: unknown): string => String(v ?? "").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
  const rows = Object.entries(properties).map(([name, p]) =>
    `| ${name} | ${required.has(name) ? "True" : "False"} | ${p.default === undefined ? "None" : cell(JSON.stringify(p.default))} | ${cell(p.description ?? p.title)} |`,
  );
  return [
    `# \`${info.name}\``,
    "",
    info.description,
    "",
    `Version: ${info.version}`,
    "",
    "## Capabilities",
    "",
    ...info.capabilities.map((c) => `* \`${c}\``),
    "",
    "## Settings",
    "",
    "| Setting | Required | Default | Description |",
    "|:--------|:--------:|:-------:|:------------|",
    ...rows,
    "",
    `A full list of supported settings and capabilities is available by running: \`${info.name} --about\``,
    "",
  ].join("\n");
}
