/** Everything a route handler needs, passed explicitly (no singletons). */
import type { Dataset } from "./data/dataset.js";
import type { ExportJobs } from "./export-jobs.js";
import type { FaultEngine } from "./faults.js";
import type { LegacyData } from "./legacy-data.js";
import type { PageTokens } from "./page-token.js";
import type { Variant } from "./variants.js";

export interface SimContext {
  readonly dataset: Dataset;
  readonly tokens: PageTokens;
  readonly exports: ExportJobs;
  readonly legacy: LegacyData;
  readonly token: string;
  /** A well-formed token that authenticates but lacks access (403). */
  readonly noAccessToken: string;
  readonly secret: Buffer;
  readonly downloadUrlTtlMs: number;
  variant: Variant;
  faults: FaultEngine;
  /** http://host:port of the API, set once listening. */
  baseUrl: string;
  /** Origin used in download URLs (differs from baseUrl for downloadHost "alias"). */
  downloadOrigin(): string;
  count(key: string): void;
  /** Present when the simulator keeps a request log (`logRequests`). */
  logRequest?(entry: SimRequest): void;
}

/** One API request as it arrived (downloads and admin routes are not logged). */
export interface SimRequest {
  /** Wall-clock time of arrival (epoch ms, not the simulated clock). */
  readonly at: number;
  readonly route: string;
  /** The export table, for rows and exportCreate. */
  readonly entity?: string;
  /** rows: the pageSize asked for. */
  readonly pageSize?: number;
  /** The status of an injected fault, when one answered the request. */
  readonly status?: number;
}
