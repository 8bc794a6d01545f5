/**
 * `check`: GET /tables/ with a short budget, then the configured filters against what it returned.
 * Every failure a user can act on becomes `{ ok: false, message }`; anything else is thrown (the runtime
 * turns it into a TRACE and a non-zero exit).
 */
import type { ConnectorConfig } from "../../spec/config.js";
import { SystemError } from "../contract/errors.js";
import type { IgniteClient } from "../http/client.js";
import { ApiError, NetworkError } from "../http/http-errors.js";
import { filterProblems } from "./filters.js";
import type { TableMeta } from "../api/tables.js";

export const CHECK_BUDGET_MS = 20_000;

export type CheckResult = { ok: true; message: string } | { ok: false; message: string };

/** Legacy tokens are JWTs (three base64url parts, header starting `{"` = `eyJ`). */
export function looksLikeJwt(token: string): boolean {
  return /^(Bearer\s+)?eyJ[\w-]*\.[\w-]+\.[\w-]*$/i.test(token.trim());
}

const NEW_TOKEN_HINT = "Generate a new API token in Ignite and paste it into api_token (without the word Bearer).";

function messageFor(error: unknown, config: ConnectorConfig, host: string): string | undefined {
  if (error instanceof ApiError) {
    const server = `(server said: ${error.serverMessage})`;
    if (error.status === 401) {
      const legacy = looksLikeJwt(config.api_token) || /jwt|legacy/i.test(`${error.code ?? ""} ${error.serverMessage}`);
      return legacy
        ? `The API token was rejected: it is a legacy JSON Web Token (JWT), which the Ignite Export API no longer accepts. ${NEW_TOKEN_HINT} ${server}`
        : `The API token was rejected (HTTP 401): check api_token. ${NEW_TOKEN_HINT} ${server}`;
    }
    if (error.status === 403) {
      return `The API token is valid but has no access to the Export API tables (HTTP 403). Ask an Ignite administrator to grant the token's user access to data export, or use a token of a user who has it. ${server}`;
    }
    if (error.status === 404 || error.status === 405) {
      return `${error.route} does not exist on ${host} (HTTP ${error.status}). Check base_url (including any path prefix such as /api/v2) and endpoints.tables. ${server}`;
    }
    if (error.failureType === "config_error") return `${error.message}. Check api_token and base_url.`;
    return undefined;
  }
  if (error instanceof NetworkError) {
    switch (error.cls) {
      case "dns":
        return `Cannot reach ${host}: the host name does not resolve. Check base_url for typos and that this machine can resolve public DNS names.`;
      case "refused":
      case "timeout":
      case "reset":
        return `Cannot reach ${host}: ${error.cls === "timeout" ? "the connection timed out" : error.cls === "reset" ? "the connection was closed" : "the connection was refused"}. Check base_url, and that firewalls or proxies allow outgoing HTTPS to ${host}.`;
      case "tls":
        return `The TLS (https) connection to ${host} failed: the certificate is not trusted, has expired, is for another host, or the server does not speak https on that port. Check base_url; behind an intercepting proxy, install its CA (NODE_EXTRA_CA_CERTS).`;
      case "not-json":
      case "invalid-json":
      case "truncated":
        return `${host} did not answer with JSON on ${error.route}; base_url probably points to a web page rather than the Ignite Export API (expected something like https://datatable.igniteprocurement.com).`;
    }
  }
  if (error instanceof SystemError && error.message.startsWith("GET ")) {
    return `${host} answered ${error.message.replace(/^GET \S+ answered in /, "in ")} — base_url may not point to the Ignite Export API.`;
  }
  return undefined;
}

export async function runCheck(client: IgniteClient, config: ConnectorConfig, budgetMs = CHECK_BUDGET_MS): Promise<CheckResult> {
  const host = client.baseUrl.host;
  let tables: TableMeta[];
  try {
    tables = await client.listTables({ budgetMs });
  } catch (error) {
    const message = messageFor(error, config, host);
    if (message === undefined) throw error;
    return { ok: false, message: client.redactor.redact(message) };
  }
  if (tables.length === 0) {
    return { ok: false, message: `Connected to ${host}, but GET /tables/ lists no export tables for this token; ask Ignite support to enable the Export API for the workspace.` };
  }
  const problems = filterProblems(config.filters, tables);
  if (problems.length > 0) {
    return { ok: false, message: client.redactor.redact(`Connected, but the configured filters are invalid: ${problems.join("; ")}`) };
  }
  const names = tables.map((t) => t.id).join(", ");
  return { ok: true, message: `Connected to the Ignite Export API at ${host}: ${tables.length} table(s) available: ${names}.` };
}
