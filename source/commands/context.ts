/**
 * What every command gets from main: the writer, logger, redactor, clock, interruption signal, and
 * the one door to the Ignite side. Passing it explicitly keeps commands testable without globals.
 */
import type { ConnectorConfig } from "../../spec/config.js";
import type { IgniteSource } from "../../streams/index.js";
import type { RuntimeLogger } from "../logger.js";
import type { OutputWriter } from "../output.js";
import type { Redactor } from "../../streams/contract/redact.js";

export interface CommandContext {
  out: OutputWriter;
  logger: RuntimeLogger;
  redactor: Redactor;
  env: NodeJS.ProcessEnv;
  stderr: NodeJS.WriteStream;
  signal: AbortSignal;
  now(): number;
  /** Loaded lazily: `spec` and bad-input paths never load undici, Arrow or Parquet. */
  igniteSource(config: ConnectorConfig): Promise<IgniteSource>;
}

export async function defaultIgniteSource(ctx: Pick<CommandContext, "logger" | "redactor" | "now">, config: ConnectorConfig): Promise<IgniteSource> {
  const { createIgniteSource } = await import("../../streams/index.js");
  return createIgniteSource(config, { logger: ctx.logger, redactor: ctx.redactor, now: ctx.now });
}
