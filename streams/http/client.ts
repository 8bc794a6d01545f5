/**
 * The Ignite Export API client: one keep-alive Pool for the API origin (the only place the token goes),
 * with the origin's rate-limit gate that every stream's API requests pass (rate-limit-gate.ts), one Agent
 * without credentials for signed download URLs, and typed methods over requestWithRetry.
 */
import { Agent, Pool, type Dispatcher } from "undici";
import { withoutBearer } from "../../spec/api-token.js";
import type { ConnectorConfig } from "../../spec/config.js";
import { packageVersion } from "../../spec/package-version.js";
import { SystemError } from "../contract/errors.js";
import type { ExportRequestBody, LegacyRowsBody, RowsRequestBody } from "../api/requests.js";
import type { Logger } from "../contract/stream.js";
import type { TableMeta } from "../api/tables.js";
import { Redactor } from "../contract/redact.js";
import { DEFAULT_BACKOFF, type BackoffOptions, type RequestKind } from "./retry-policy.js";
import { EXPORT_STATUS_CANDIDATES, fillTemplate, joinUrl, normalizeBaseUrl, resolveEndpoints } from "./endpoints.js";
import { realSleep, requestWithRetry, type CallOptions, type HttpContext } from "./http-request.js";
import { parseJsonBody, readBytes, readJson, readRowsJson } from "./http-body.js";
import { downloadSigned, type DownloadOptions, type DownloadResponse } from "./http-download.js";
import { ApiError } from "./http-errors.js";
import { RateLimitGate } from "./rate-limit-gate.js";
import { parseTables } from "./tables.js";
import { parseExportHandle, parseLegacyRows, parseLegacyTables, parseRowsPage, statusUrlCandidates, type ExportHandle, type LegacyRowsPage, type RowsPage } from "./http-shapes.js";

export type { CallOptions } from "./http-request.js";
export type { DownloadOptions, DownloadResponse } from "./http-download.js";
export type { ExportHandle, LegacyRowsPage, RowsPage } from "./http-shapes.js";

export interface PageWithToken {
  /** Present only when there is a next page. */
  readonly nextPageToken?: string;
}

/** Decodes rows pages: from the body's bytes when it can (undefined otherwise), else from the validated page. */
export interface RowsPageDecoder<T extends PageWithToken> {
  /**
   * Sees a body's bytes before they are decoded; a promise it returns is awaited first. The rows reader
   * sends the next request from here and lets it leave before the (synchronous) decode starts.
   */
  beforeDecode?(bytes: Buffer): Promise<void> | undefined;
  /** The buffer a body of `length` bytes (its Content-Length) is read into; absent = a new one. */
  bodyBuffer?(length: number): Buffer;
  fromBytes(bytes: Buffer): T | undefined;
  fromPage(page: RowsPage): T;
}

export interface ClientOptions {
  readonly config: ConnectorConfig;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly backoff?: BackoffOptions;
  readonly redactor?: Redactor;
  /** Connections kept to the API origin. */
  readonly connections?: number;
}

const MAX_CONNECT_TIMEOUT_MS = 15_000;

type StatusForm = "flat" | "nested";

export class IgniteClient {
  readonly baseUrl: URL;
  readonly redactor: Redactor;
  readonly #endpoints;
  readonly #token: string;
  readonly #pool: Pool;
  readonly #downloads: Agent;
  readonly #ctx: HttpContext;
  readonly #gate = new RateLimitGate();
  /** Which export status path answered, once one has; the other is not tried again. */
  #statusForm: StatusForm | undefined;

  constructor(options: ClientOptions) {
    const { config } = options;
    this.#token = withoutBearer(config.api_token.trim());
    this.redactor = options.redactor ?? new Redactor();
    this.redactor.add(config.api_token);
    this.redactor.add(this.#token);
    this.baseUrl = normalizeBaseUrl(config.base_url);
    this.#endpoints = resolveEndpoints(config.endpoints);
    const timeoutMs = Math.max(1, config.request_timeout_seconds) * 1000;
    const connectTimeout = Math.min(timeoutMs, MAX_CONNECT_TIMEOUT_MS);
    this.#pool = new Pool(this.baseUrl.origin, {
      connections: options.connections ?? Math.max(2, config.max_concurrent_streams * 2),
      connect: { timeout: connectTimeout },
      keepAliveTimeout: 30_000,
    });
    this.#downloads = new Agent({ connect: { timeout: connectTimeout }, keepAliveTimeout: 30_000 });
    this.#ctx = {
      logger: options.logger,
      userAgent: `source-ignite-procurement/${packageVersion()}`,
      redactor: this.redactor,
      now: options.now ?? Date.now,
      sleep: options.sleep ?? realSleep,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      budgetMs: Math.max(1, config.retry_budget_seconds) * 1000,
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
    };
  }

  /** `GET /tables/`, parsed and validated. */
  async listTables(opts?: CallOptions): Promise<TableMeta[]> {
    const url = joinUrl(this.baseUrl, this.#endpoints.tables);
    return parseTables(await this.#api("GET", url, undefined, "api", opts));
  }

  /** One rows page. The last page, however the server marks it (absent/null/"" token), has no `nextPageToken`. */
  async fetchRows(entity: string, body: RowsRequestBody, opts?: CallOptions): Promise<RowsPage> {
    return this.fetchRowsDecoded(entity, body, { fromBytes: () => undefined, fromPage: (page) => page }, opts);
  }

  /**
   * One rows page through `decoder`: a body it decodes from its bytes never becomes JS objects (the hot
   * path); any other body is parsed and validated as `fetchRows` does, with the same errors.
   */
  async fetchRowsDecoded<T extends PageWithToken>(entity: string, body: RowsRequestBody, decoder: RowsPageDecoder<T>, opts?: CallOptions): Promise<T> {
    const url = joinUrl(this.baseUrl, fillTemplate(this.#endpoints.rows, { entity }));
    const route = this.#route("POST", url);
    const read = async (response: Dispatcher.ResponseData): Promise<{ decoded: T } | { json: unknown }> => {
      const bytes = await readBytes(response, decoder.bodyBuffer?.bind(decoder));
      await decoder.beforeDecode?.(bytes);
      const decoded = decoder.fromBytes(bytes);
      return decoded === undefined ? { json: parseJsonBody(bytes, response, true) } : { decoded };
    };
    const answer = (await this.#apiAnswer("POST", url, body, "api", opts, read)).value;
    const page = "decoded" in answer ? answer.decoded : decoder.fromPage(parseRowsPage(answer.json, route));
    if (page.nextPageToken !== undefined && page.nextPageToken === body.pageToken) {
      throw new SystemError(`${route} returned the same page token it was given; stopping instead of looping forever`);
    }
    return page;
  }

  async createExport(entity: string, body: ExportRequestBody, opts?: CallOptions): Promise<ExportHandle> {
    const url = joinUrl(this.baseUrl, fillTemplate(this.#endpoints.export_create, { entity }));
    const answer = await this.#apiAnswer("POST", url, body, "api", opts);
    return parseExportHandle(answer.value, entity, this.#statusUrlFrom(answer.headers, answer.value, url), this.#route("POST", url));
  }

  /**
   * The export's current status. Tries, in order: the status URL the create answer gave, the configured
   * `export_status` path, else `/exports/{id}` and then `/tables/{entity}/exports/{id}` on a 404 of the first.
   */
  async getExport(handle: Pick<ExportHandle, "id" | "entity" | "statusUrl">, opts?: CallOptions): Promise<ExportHandle> {
    const parse = (value: unknown, url: URL): ExportHandle =>
      parseExportHandle(value, handle.entity, handle.statusUrl, this.#route("GET", url));
    if (handle.statusUrl !== undefined) {
      const url = new URL(handle.statusUrl);
      return parse(await this.#api("GET", url, undefined, "export-status", opts), url);
    }
    const params = { entity: handle.entity, id: handle.id };
    if (this.#endpoints.export_status !== "") {
      const url = joinUrl(this.baseUrl, fillTemplate(this.#endpoints.export_status, params));
      return parse(await this.#api("GET", url, undefined, "export-status", opts), url);
    }
    const forms: StatusForm[] = this.#statusForm === undefined ? ["flat", "nested"] : [this.#statusForm];
    let lastError: unknown;
    for (const form of forms) {
      const url = joinUrl(this.baseUrl, fillTemplate(EXPORT_STATUS_CANDIDATES[form === "flat" ? 0 : 1], params));
      try {
        const value = await this.#api("GET", url, undefined, "export-status", opts);
        this.#statusForm = form;
        return parse(value, url);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404) || forms.length === 1) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** A signed download URL, streamed. Never carries the Authorization header, whatever its host. */
  async download(url: string, opts: DownloadOptions = {}): Promise<DownloadResponse> {
    return downloadSigned(this.#ctx, this.#downloads, url, opts);
  }

  /** Deprecated `GET /datatables`: the legacy data tables (raw objects; their shape is not documented). */
  async listLegacyTables(opts?: CallOptions): Promise<Record<string, unknown>[]> {
    const url = joinUrl(this.baseUrl, this.#endpoints.legacy_tables);
    return parseLegacyTables(await this.#api("GET", url, undefined, "api", opts), this.#route("GET", url));
  }

  /**
   * Deprecated rows extract. Without `next`: POST with the body (GET when there is none). With `next`: an
   * absolute or relative URL is fetched with GET (only on the API origin, since it carries the token); any
   * other string is an opaque cursor, passed back as the `next` query parameter.
   */
  async fetchLegacyRows(dataTableId: string, options: CallOptions & { body?: LegacyRowsBody; next?: string } = {}): Promise<LegacyRowsPage> {
    const { body, next, ...opts } = options;
    let url: URL;
    if (next !== undefined && (/^(https?:\/\/|\/|\?)/i.test(next) || next.includes("?"))) {
      url = this.#legacyNextUrl(next);
      if (url.origin !== this.baseUrl.origin) {
        throw new SystemError(`The legacy rows endpoint pointed to another host (${url.host}) for the next page; the token is only sent to ${this.baseUrl.host}`);
      }
      return parseLegacyRows(await this.#api("GET", url, undefined, "api", opts, readRowsJson), this.#route("GET", url));
    }
    url = joinUrl(this.baseUrl, this.#endpoints.legacy_rows);
    url.searchParams.set("dataTableId", dataTableId);
    if (next !== undefined) url.searchParams.set("next", next);
    const method = body !== undefined && next === undefined ? "POST" : "GET";
    return parseLegacyRows(await this.#api(method, url, method === "POST" ? body : undefined, "api", opts, readRowsJson), this.#route(method, url));
  }

  async close(): Promise<void> {
    await Promise.all([this.#pool.close(), this.#downloads.close()]);
  }

  /** A `next` link: absolute, or relative to the rows endpoint; a bare path missing the base prefix gets it. */
  #legacyNextUrl(next: string): URL {
    const prefix = this.baseUrl.pathname === "/" ? "" : this.baseUrl.pathname;
    if (next.startsWith("/") && !next.startsWith("//") && (prefix === "" || !next.startsWith(`${prefix}/`))) {
      return joinUrl(this.baseUrl, next);
    }
    return new URL(next, joinUrl(this.baseUrl, this.#endpoints.legacy_rows));
  }

  #route(method: string, url: URL): string {
    return `${method} ${url.pathname}`;
  }

  async #api(method: "GET" | "POST", url: URL, body: unknown, kind: RequestKind, opts?: CallOptions, read = readJson): Promise<unknown> {
    return (await this.#apiAnswer(method, url, body, kind, opts, read)).value;
  }

  async #apiAnswer<T = unknown>(
    method: "GET" | "POST",
    url: URL,
    body: unknown,
    kind: RequestKind,
    opts?: CallOptions,
    read: (response: Dispatcher.ResponseData) => Promise<T> = readJson as (response: Dispatcher.ResponseData) => Promise<T>,
  ) {
    if (url.origin !== this.baseUrl.origin) {
      throw new SystemError(`Refusing to send the API token to ${url.host}: only ${this.baseUrl.host} gets it`);
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: "application/json",
      "user-agent": this.#ctx.userAgent,
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    return requestWithRetry(
      this.#ctx,
      {
        dispatcher: this.#pool,
        url,
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        kind,
        route: this.#route(method, url),
        read,
        gate: this.#gate,
      },
      opts,
    );
  }

  /** The status URL a create answer names (Location, statusUrl, links.self), if it is on the API origin. */
  #statusUrlFrom(headers: Readonly<Record<string, string | string[] | undefined>>, value: unknown, requestUrl: URL): string | undefined {
    for (const candidate of statusUrlCandidates(headers, value)) {
      try {
        const url = new URL(candidate, requestUrl);
        if (url.origin === this.baseUrl.origin) return url.toString();
        this.#ctx.logger.warn(`Ignoring the export status URL on ${url.host}: the API token is only sent to ${this.baseUrl.host}`);
      } catch {
        // Not a URL; try the next candidate.
      }
    }
    return undefined;
  }
}
