/**
 * A one-line human progress display on stderr, only when stderr is a terminal: in a pipe (the
 * platform, CAT, Meltano) stderr is for errors, and a redrawn line would be noise.
 */
import type { WriteStream } from "node:tty";

export interface Progress {
  update(counts: ReadonlyMap<string, number>): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

export function createProgress(stderr: NodeJS.WriteStream | WriteStream, intervalMs = 1000): Progress {
  if (stderr.isTTY !== true) return NONE;
  const started = Date.now();
  let latest: ReadonlyMap<string, number> = new Map();
  let drawn = false;
  const draw = (): void => {
    const total = [...latest.values()].reduce((a, b) => a + b, 0);
    const seconds = Math.max(1, (Date.now() - started) / 1000);
    const parts = [...latest].map(([name, n]) => `${name} ${n.toLocaleString("en")}`).join(", ");
    const line = `${total.toLocaleString("en")} records (${Math.round(total / seconds).toLocaleString("en")}/s) ${parts}`;
    stderr.write(`\r\x1b[2K${line.slice(0, (stderr.columns ?? 120) - 1)}`);
    drawn = true;
  };
  const timer = setInterval(draw, intervalMs);
  timer.unref();
  return {
    update: (counts) => (latest = counts),
    stop: () => {
      clearInterval(timer);
      if (drawn) {
        draw();
        stderr.write("\n");
      }
    },
  };
}
