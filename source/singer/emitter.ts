/**
 * The runtime's events as Singer output: SCHEMA when a stream starts (before its first record), RECORD
 * framing, and a STATE with every stream's latest bookmark whenever the Airbyte runtime would emit a
 * STATE. Stream statuses and errors, which Singer has no message for, become stderr log lines.
 */
import type { ReadEmitter } from "../emitter.js";
import { errorToTrace } from "../error-trace.js";
import type { RuntimeLogger } from "../logger.js";
import type { OutputWriter } from "../output.js";
import type { Redactor } from "../../streams/contract/redact.js";
import { recordFraming, stateMessage, type Bookmarks, type SchemaMessage } from "./messages.js";

export interface SingerEmitterOptions {
  out: OutputWriter;
  logger: RuntimeLogger;
  redactor: Redactor;
  /** The input state's bookmarks: streams not read this run keep theirs in every STATE. */
  bookmarks: Bookmarks;
  /** SCHEMA per stream name, as projected for this run. */
  schemas: ReadonlyMap<string, SchemaMessage>;
}

export function singerEmitter(options: SingerEmitterOptions): ReadEmitter & { readonly bookmarks: Bookmarks } {
  const { out, logger, redactor } = options;
  const bookmarks: Bookmarks = { ...options.bookmarks };
  return {
    bookmarks,
    recordFraming: (ref, now) => recordFraming(ref.name, now),
    status(ref, status, _now, rateLimited) {
      if (status === "STARTED") {
        const schema = options.schemas.get(ref.name);
        if (schema !== undefined) out.send(schema);
        logger.info(`Stream '${ref.name}': started`);
      } else if (status === "COMPLETE") {
        logger.info(`Stream '${ref.name}': complete`);
      } else if (status === "INCOMPLETE") {
        logger.warn(`Stream '${ref.name}': incomplete`);
      } else if (rateLimited !== undefined) {
        const until = rateLimited.quotaReset === undefined ? "" : ` until ${new Date(rateLimited.quotaReset).toISOString()}`;
        logger.info(`Stream '${ref.name}': rate limited, waiting${until}`);
      }
    },
    state(ref, streamState) {
      bookmarks[ref.name] = streamState;
      // Serialised at once by send(), so later changes to `bookmarks` cannot leak into this message.
      out.send(stateMessage(bookmarks));
    },
    estimate(ref, estimate) {
      const parts = [estimate.rows === undefined ? "" : `${estimate.rows} rows`, estimate.bytes === undefined ? "" : `${estimate.bytes} bytes`];
      logger.debug(`Stream '${ref.name}': estimated ${parts.filter(Boolean).join(", ")}`);
    },
    error(err, now, ref) {
      const trace = errorToTrace(err, { redactor, now, ...(ref === undefined ? {} : { stream: ref }) });
      if (trace.type !== "TRACE" || trace.trace.type !== "ERROR") return;
      const { message, internal_message, stack_trace, failure_type } = trace.trace.error;
      const where = ref === undefined ? "" : `Stream '${ref.name}' failed: `;
      logger.error(`${where}${message} [${failure_type}]${internal_message === undefined ? "" : ` (${internal_message})`}`, stack_trace);
    },
  };
}
