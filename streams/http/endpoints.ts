/**
 * Endpoint paths: config overrides over the §14 defaults, `{entity}`/`{id}` templating, and joining with a
 * base URL that may carry a path prefix (`https://host/api/v2` + `/tables/` → `https://host/api/v2/tables/`).
 */
import type { EndpointPaths } from "../../spec/config.js";

export const DEFAULT_ENDPOINTS: EndpointPaths = {
  tables: "/tables/",
  rows: "/tables/{entity}/rows",
  export_create: "/tables/{entity}/exports",
  export_status: "",
  legacy_tables: "/datatables",
  legacy_rows: "/datatables/rows",
};

/** The two status paths tried, in order, when `export_status` is empty and the create answer named none. */
export const EXPORT_STATUS_CANDIDATES = ["/exports/{id}", "/tables/{entity}/exports/{id}"] as const;

export function resolveEndpoints(overrides: Partial<EndpointPaths> | undefined): EndpointPaths {
  const out: EndpointPaths = { ...DEFAULT_ENDPOINTS };
  for (const key of Object.keys(DEFAULT_ENDPOINTS) as (keyof EndpointPaths)[]) {
    const value = overrides?.[key];
    // An empty override means "use the default" except for export_status, where empty means "discover".
    if (typeof value === "string" && (value.trim().length > 0 || key === "export_status")) out[key] = value.trim();
  }
  return out;
}

export function fillTemplate(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : encodeURIComponent(value);
  });
}

/** The base URL without a trailing slash; its path (if any) is a prefix for every endpoint. */
export function normalizeBaseUrl(baseUrl: string): URL {
  const url = new URL(baseUrl.trim());
  url.search = "";
  url.hash = "";
  url.pathname = url.pathname.replace(/\/+$/, "");
  return url;
}

export function joinUrl(base: URL, path: string): URL {
  const prefix = base.pathname.replace(/\/+$/, "");
  const suffix = path.startsWith("/") ? path : `/${path}`;
  const url = new URL(base.origin);
  const [pathname, query] = splitQuery(`${prefix}${suffix}`);
  url.pathname = pathname;
  if (query !== undefined) url.search = query;
  return url;
}

function splitQuery(path: string): [string, string | undefined] {
  const at = path.indexOf("?");
  return at < 0 ? [path, undefined] : [path.slice(0, at), path.slice(at + 1)];
}
