/**
 * Kill chains: the built CLI's `read` is SIGKILLed at seeded points and each time resumed with the state a
 * platform passes (the last STATE of each stream, as a list of STREAM state messages), until a run exits 0.
 * `chainProblems` then holds the whole chain against the simulator's truth:
 * - every sync of every stream that completed delivered each row exactly once, counting as delivered what
 *   came before the stream's last STATE in each run (a destination commits at a STATE);
 * - each kill made the resume print again at most one batch (a page, a decode batch) of what the killed
 *   run printed for a stream.
 *
 * Kills are placed by stdout lines, not by time, so a seed replays the same plan. The process runs on for
 * a moment after the signal is sent; what it printed meanwhile belongs to the run, as it would for a platform.
 */
import { hash32, unit } from "../../simulator/rng.js";
import type { AirbyteMessage } from "../../source/messages.js";
import { runCli, type CliResult } from "./cli.js";
import { messageProblems, readProblems } from "./protocol.js";
import { stateFrom } from "./read-scenario.js";

/**
 * Where a kill is sent: `startup` at one of the run's first lines (before its first record: while an
 * export is created and polled, or a resumed file downloads), `mid-batch` on a record line, `after-state`
 * on a STATE line (on the export path also the one that starts the next file, before its download).
 */
export type KillKind = "startup" | "mid-batch" | "after-state";

export interface KillPoint {
  readonly kind: KillKind;
  /** Share of the chain's rows (all streams) printed before the kill is sent; startup kills ignore it. */
  readonly at: number;
  /** Startup kills: the line of the run's stdout after which the kill is sent. */
  readonly line: number;
}

/** Share of the read the kill points spread over: a kill sent later may land after the read ended. */
const SPREAD = 0.9;

/** `count` kill points, one in each equal slice of the read, of kinds drawn from `kinds`. */
export function planKills(seed: number, count: number, kinds: readonly KillKind[]): KillPoint[] {
  return Array.from({ length: count }, (_, i) => {
    const r = (salt: number): number => unit(hash32(seed, i, salt));
    return { kind: kinds[Math.floor(r(1) * kinds.length)]!, at: ((i + r(2)) / count) * SPREAD, line: 1 + Math.floor(r(3) * 5) };
  });
}

export interface StreamTruth {
  /** The record field that identifies a row. */
  readonly key: string;
  /** Every row the simulator serves for the stream. */
  readonly ids: readonly string[];
}

export interface ChainSetup {
  readonly config: Record<string, unknown>;
  /** Full refresh streams: every sync of a stream, resumed or started over, must deliver all of its rows. */
  readonly catalog: unknown;
  readonly truth: ReadonlyMap<string, StreamTruth>;
  /** Most records one STATE of a stream covers: the page size, or the export path's decode batch. */
  readonly batchBound: number;
  readonly env?: Record<string, string>;
}

export interface ChainRun {
  /** The kill planned for this run; absent for the run meant to finish. */
  readonly point: KillPoint | undefined;
  /** Whether the planned kill was sent (a SIGKILL without it is the run's timeout). */
  readonly killSent: boolean;
  /** The state file the run was given. */
  readonly state: readonly unknown[];
  readonly result: CliResult;
}

export interface Chain {
  readonly seed: number;
  readonly plan: readonly KillPoint[];
  readonly runs: readonly ChainRun[];
}

/** Builds the next run's state file from the killed run's messages and the state it was given. */
export type NextState = (messages: readonly AirbyteMessage[], previous: unknown[]) => unknown[];

export async function runKillChain(setup: ChainSetup, seed: number, plan: readonly KillPoint[], nextState: NextState = stateFrom): Promise<Chain> {
  const total = [...setup.truth.values()].reduce((n, t) => n + t.ids.length, 0);
  const printed = new Set<string>();
  const runs: ChainRun[] = [];
  let state: unknown[] = [];
  for (const point of [...plan, undefined]) {
    const trigger = point === undefined ? undefined : killTrigger(point, Math.ceil(point.at * total), printed);
    let killSent = false;
    const result = await runCli({
      args: ["read"],
      config: setup.config,
      catalog: setup.catalog,
      ...(state.length > 0 && { state }),
      ...(setup.env !== undefined && { env: setup.env }),
      timeoutMs: 90_000,
      onLine: (line, last) => {
        const type = typeOf(line);
        if (type === "RECORD") printed.add(recordKey(line, setup));
        if (killSent || trigger === undefined || !trigger(line, type, last)) return undefined;
        killSent = true;
        return "SIGKILL";
      },
    });
    runs.push({ point, killSent, state, result });
    if (result.signal !== "SIGKILL") break;
    state = nextState(result.messages, state);
  }
  return { seed, plan, runs };
}

type LineType = "RECORD" | "STATE" | "OTHER";

function typeOf(line: string): LineType {
  return line.startsWith('{"type":"RECORD"') ? "RECORD" : line.startsWith('{"type":"STATE"') ? "STATE" : "OTHER";
}

function recordKey(line: string, setup: ChainSetup): string {
  const { record } = JSON.parse(line) as { record: { stream: string; data: Record<string, unknown> } };
  return `${record.stream}\u0000${String(record.data[setup.truth.get(record.stream)?.key ?? ""])}`;
}

/** Whether the kill goes now, given the line just printed; `printed` already holds its record. */
function killTrigger(point: KillPoint, target: number, printed: ReadonlySet<string>): (line: string, type: LineType, last: boolean) => boolean {
  let lines = 0;
  return (_line, type, last) => {
    lines++;
    const reached = printed.size >= target;
    switch (point.kind) {
      case "startup":
        return lines >= point.line;
      case "mid-batch":
        return type === "RECORD" && reached && last;
      case "after-state":
        return type === "STATE" && reached;
    }
  };
}

/** What one run printed for one sync of one stream. */
interface Part {
  readonly run: number;
  readonly stream: string;
  /** Which sync of the stream: a run given the stream's completed state starts the next one. */
  readonly sync: number;
  readonly ids: readonly string[];
  /** Records before the stream's last STATE in the run: what a destination committed. */
  readonly delivered: number;
  /** The run printed the stream's completing STATE. */
  readonly completed: boolean;
}

type StreamStateOf = Record<string, unknown> | undefined;

/** A stream state of an unfinished sync (README "State and resumption": `sync` exists only then). */
const inProgress = (state: StreamStateOf): boolean => typeof state?.["sync"] === "object";

function inputState(state: readonly unknown[], stream: string): StreamStateOf {
  const entry = (state as { stream: { stream_descriptor: { name: string }; stream_state: Record<string, unknown> } }[]).find(
    (e) => e.stream.stream_descriptor.name === stream,
  );
  return entry?.stream.stream_state;
}

function partsOf(chain: Chain, setup: ChainSetup): Part[] {
  const parts: Part[] = [];
  for (const [stream, truth] of setup.truth) {
    let sync = 0;
    let startedBy: string | undefined;
    chain.runs.forEach((run, index) => {
      const given = inputState(run.state, stream);
      if (given !== undefined && !inProgress(given) && JSON.stringify(given) !== startedBy) {
        // A completed state: the stream is read again from its start (a new sync, not a resume).
        startedBy = JSON.stringify(given);
        sync++;
      }
      const ids: string[] = [];
      let delivered = 0;
      let completed = false;
      for (const m of run.result.messages) {
        if (m.type === "RECORD" && m.record.stream === stream) ids.push(String((m.record.data as Record<string, unknown>)[truth.key]));
        if (m.type === "STATE" && m.state.stream?.stream_descriptor.name === stream) {
          delivered = ids.length;
          completed = !inProgress(m.state.stream.stream_state as StreamStateOf);
        }
      }
      parts.push({ run: index, stream, sync, ids, delivered, completed });
    });
  }
  return parts;
}

const sample = (items: readonly string[]): string => `${items.slice(0, 5).join(", ")}${items.length > 5 ? ", …" : ""}`;

/** Everything wrong with a chain; empty when every row arrived and no kill cost more than one batch. */
export function chainProblems(chain: Chain, setup: ChainSetup): string[] {
  const problems: string[] = [];
  const last = chain.runs.at(-1)!;
  chain.runs.forEach((run, i) => {
    run.result.messages.forEach((m, j) => messageProblems(m).forEach((p) => problems.push(`run ${i} message ${j}: ${p}`)));
    if (run.result.signal === "SIGKILL" && !run.killSent) problems.push(`run ${i} timed out`);
  });
  if (last.result.exitCode !== 0) problems.push(`the last run ended with ${last.result.signal ?? last.result.exitCode}: ${last.result.stderr.slice(-500)}`);
  else problems.push(...readProblems(last.result.messages, { exitCode: 0, configured: [...setup.truth.keys()] }).map((p) => `last run: ${p}`));

  const parts = partsOf(chain, setup);
  for (const [stream, truth] of setup.truth) {
    const syncs = new Set(parts.filter((p) => p.stream === stream).map((p) => p.sync));
    for (const sync of syncs) {
      const of = parts.filter((p) => p.stream === stream && p.sync === sync);
      if (!of.some((p) => p.completed)) problems.push(`${stream} sync ${sync} never completed`);
      const delivered = of.flatMap((p) => p.ids.slice(0, p.delivered));
      const got = new Set(delivered);
      const want = new Set(truth.ids);
      const lost = truth.ids.filter((id) => !got.has(id));
      const unknown = [...got].filter((id) => !want.has(id));
      const twice = delivered.length - got.size;
      if (lost.length > 0) problems.push(`${stream} sync ${sync}: ${lost.length} rows lost (${sample(lost)})`);
      if (unknown.length > 0) problems.push(`${stream} sync ${sync}: ${unknown.length} records the simulator does not serve (${sample(unknown)})`);
      if (twice > 0) problems.push(`${stream} sync ${sync}: ${twice} records delivered twice (a resume re-read what a STATE covered)`);
    }
  }
  for (const kill of killsOf(chain, setup, parts)) {
    for (const [stream, n] of kill.duplicates) {
      if (n > setup.batchBound) problems.push(`kill ${kill.run} (${kill.point.kind}): ${n} ${stream} records printed again after the resume, more than one batch (${setup.batchBound})`);
    }
  }
  return problems;
}

export interface KillOutcome {
  readonly run: number;
  readonly point: KillPoint;
  /** Records printed by the killed run. */
  readonly records: number;
  /** Per stream: records of the killed run printed again by the runs after it (same sync). */
  readonly duplicates: ReadonlyMap<string, number>;
  /** Records after each stream's last STATE in the killed run, summed (what the state did not cover). */
  readonly uncovered: number;
  /** The run's last STATE put an export at the start of a file, and nothing of it followed: polling or downloading. */
  readonly betweenFiles: boolean;
}

function killsOf(chain: Chain, setup: ChainSetup, parts: readonly Part[] = partsOf(chain, setup)): KillOutcome[] {
  return chain.runs.flatMap((run, index) => {
    if (!run.killSent || run.point === undefined || run.result.signal !== "SIGKILL") return [];
    const duplicates = new Map<string, number>();
    let uncovered = 0;
    for (const part of parts.filter((p) => p.run === index)) {
      uncovered += part.ids.length - part.delivered;
      // A stream that completed before the kill starts over in the next run: a new sync, not a resume.
      if (part.completed) continue;
      const later = new Set(parts.filter((p) => p.stream === part.stream && p.sync === part.sync && p.run > index).flatMap((p) => p.ids));
      duplicates.set(part.stream, new Set(part.ids.filter((id) => later.has(id))).size);
    }
    return [{ run: index, point: run.point, records: run.result.records, duplicates, uncovered, betweenFiles: betweenFiles(run.result.messages) }];
  });
}

function betweenFiles(messages: readonly AirbyteMessage[]): boolean {
  let waiting: string | undefined;
  for (const m of messages) {
    if (m.type === "STATE" && m.state.stream !== undefined) {
      const position = (m.state.stream.stream_state as { sync?: { position?: { path?: string; row_offset?: number } } }).sync?.position;
      waiting = position?.path === "export" && position.row_offset === 0 ? m.state.stream.stream_descriptor.name : undefined;
    } else if (m.type === "RECORD" && m.record.stream === waiting) waiting = undefined;
  }
  return waiting !== undefined;
}

export interface ChainTotals {
  readonly chains: number;
  readonly kills: number;
  /** Planned kills that did not land: the run finished first, which ends its chain. */
  readonly missed: number;
  readonly runs: number;
  readonly records: number;
  /** Duplicates per kill (all streams), largest and summed. */
  readonly maxDuplicates: number;
  readonly duplicates: number;
  /**
   * Where the kills landed: before the run's first record, with every record covered by a STATE, or mid-batch;
   * and (export path) while the export was polled or a file downloaded.
   */
  readonly landed: { readonly beforeRecords: number; readonly atState: number; readonly midBatch: number; readonly betweenFiles: number };
  readonly kinds: Readonly<Record<KillKind, number>>;
}

export function chainTotals(chains: readonly Chain[], setup: ChainSetup): ChainTotals {
  const kills = chains.flatMap((c) => killsOf(c, setup));
  const perKill = kills.map((k) => [...k.duplicates.values()].reduce((a, b) => a + b, 0));
  const kinds: Record<KillKind, number> = { startup: 0, "mid-batch": 0, "after-state": 0 };
  for (const k of kills) kinds[k.point.kind]++;
  return {
    chains: chains.length,
    kills: kills.length,
    missed: chains.reduce((n, c) => n + c.plan.length, 0) - kills.length,
    runs: chains.reduce((n, c) => n + c.runs.length, 0),
    records: chains.reduce((n, c) => n + c.runs.reduce((m, r) => m + r.result.records, 0), 0),
    maxDuplicates: Math.max(0, ...perKill),
    duplicates: perKill.reduce((a, b) => a + b, 0),
    landed: {
      beforeRecords: kills.filter((k) => k.records === 0).length,
      atState: kills.filter((k) => k.records > 0 && k.uncovered === 0).length,
      midBatch: kills.filter((k) => k.uncovered > 0).length,
      betweenFiles: kills.filter((k) => k.betweenFiles).length,
    },
    kinds,
  };
}

/** How to run one chain again (the plan replays exactly; where the process stood at each kill may differ). */
export function replayHint(chain: Chain, testName: string): string {
  return `kill chain seed ${chain.seed} (replay: KILL_CHAIN_SEED=${chain.seed} npx vitest run test/kill-chains.test.ts -t "${testName}"); plan ${JSON.stringify(chain.plan)}`;
}
