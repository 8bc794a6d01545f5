/**
 * How the export path's progress lines write sizes and durations (waiting for an export, downloading
 * its files): decimal units, as storage and the API report file sizes. Memory amounts are written by
 * contract/memory.ts, in MiB, as the runtime's budget lines are.
 */

/** e.g. `2m10s`, `1h02m`, `9s` */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

/** e.g. `1.2 GB`, `123 MB`, `4 kB`, `512 B` */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}
