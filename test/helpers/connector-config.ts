/**
 * In-process helpers for tests that call createIgniteSource directly: a complete ConnectorConfig with
 * the spec's usual values, and a Logger that keeps every line (tests assert that no secret was logged).
 */
import type { ConnectorConfig } from "../../spec/config.js";
import { DEFAULT_ENDPOINTS } from "../../streams/http/endpoints.js";
import type { Logger } from "../../streams/contract/stream.js";

export function connectorConfig(server: { token: string; url: string }, over: Partial<ConnectorConfig> = {}): ConnectorConfig {
  return {
    api_token: server.token, base_url: server.url, read_mode: "auto", export_format: "parquet", page_size: 1000,
    lookback_window: "PT1H", full_snapshot_interval_days: 7, column_keys: "name", filters: {},
    max_concurrent_streams: 2, request_timeout_seconds: 10, retry_budget_seconds: 60,
    export_poll_timeout_minutes: 10, export_max_attempts: 3, legacy_data_tables: "off",
    endpoints: { ...DEFAULT_ENDPOINTS }, ...over,
  };
}

/** A Logger whose lines accumulate in `logs` (levels other than info/warn/debug are prefixed). */
export function memoryLogger(): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const logger: Logger = {
    log: (l, m) => logs.push(`${l} ${m}`),
    info: (m) => logs.push(m),
    warn: (m) => logs.push(m),
    debug: (m) => logs.push(m),
  };
  return { logger, logs };
}
