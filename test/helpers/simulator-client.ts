/** Tiny HTTP helpers for simulator tests (real HTTP over loopback). */
import type { Simulator } from "../../simulator/index.js";

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function call(
  sim: Pick<Simulator, "url" | "token">,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? sim.token : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path.startsWith("http") ? path : `${sim.url}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface RowsPage {
  data: Record<string, unknown>[];
  nextPageToken?: string | null;
}

/** Pages through rows with a fixed body; returns all rows and the number of pages. */
export async function allRows(
  sim: Pick<Simulator, "url" | "token">,
  entity: string,
  body: Record<string, unknown> = {},
  prefix = "",
): Promise<{ rows: Record<string, unknown>[]; pages: number }> {
  const rows: Record<string, unknown>[] = [];
  let token: string | undefined;
  let pages = 0;
  for (;;) {
    const r = await call(sim, `${prefix}/tables/${entity}/rows`, { body: token ? { ...body, pageToken: token } : body });
    if (r.status !== 200) throw new Error(`rows ${r.status}: ${r.text}`);
    const page = r.json as RowsPage;
    pages++;
    rows.push(...page.data);
    if (!page.nextPageToken) return { rows, pages };
    if (page.nextPageToken === token) throw new Error("repeated token");
    token = page.nextPageToken;
  }
}
