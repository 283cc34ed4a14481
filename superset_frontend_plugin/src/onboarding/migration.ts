// Typed access to a run's migration (superset_review/migration/api.py, under /api/v1/dataset_review/onboarding/runs/
// <run_id>/migration): start it (or plan it: a dry run), read its state and chunks (polled with the strong ETag as
// If-None-Match, so an unchanged migration costs a 304 and no body), cancel, promote, roll back, and its quarantine.
// The pure helpers below decide what the Migration Console offers; the components only draw what they say.

import { ApiError, request, type Tagged } from '../workspace/client';
import { ONBOARDING_URL, type Mode } from './client';

export type MigrationState =
  | 'planned' | 'queued' | 'running' | 'validating' | 'ready' | 'promoted' | 'failed' | 'cancelled' | 'rolled_back';  // prettier-ignore
export const MIGRATION_STATES: readonly MigrationState[] = [
  'planned', 'queued', 'running', 'validating', 'ready', 'promoted', 'failed', 'cancelled', 'rolled_back',
];  // prettier-ignore
export type ChunkStatus = 'pending' | 'leased' | 'done' | 'failed';
export const CHUNK_STATUSES: readonly ChunkStatus[] = ['pending', 'leased', 'done', 'failed'];
export type ValidationState = 'pending' | 'passed' | 'failed';
export const SCHEMA_CHANGE_POLICIES = ['propagate', 'propagate_columns', 'approve_manually', 'stop'] as const;
export type SchemaChangePolicy = (typeof SCHEMA_CHANGE_POLICIES)[number];

export interface PreflightCheck {
  check: string;
  ok: boolean;
  message: string | null;
}

export interface MigrationValidation {
  check: string;
  state: ValidationState | string;
  detail: unknown;
}

export interface MigrationKey {
  strategy: 'natural' | 'composite' | 'surrogate' | string;
  columns: string[];
}

export interface Migration {
  run_id: string;
  state: MigrationState | string;
  strategy: 'elt' | 'etl' | string | null;
  strategy_reason: string | null;
  key: MigrationKey | null;
  validations: MigrationValidation[];
  preflight: PreflightCheck[];
  chunks_total: number | null;
  chunks_done: number | null;
  rows_in: number | null;
  rows_out: number | null;
  quarantined: number | null;
  throughput_rows_per_s: number | null;
  eta_seconds: number | null;
  staging_table: string | null;
  final_table: string | null;
  dataset_id: number | null;
  task_id: string | null;
  error_code: string | null;
  message: string | null;
  lane: string | null;
  started_at: string | null;
  finished_at: string | null;
  promoted_at: string | null;
  /** The plan's SQL (a dry run shows it); the server may name it `sql` or put it in `plan`. */
  sql?: string | null;
  estimated_chunks?: number | null;
  plan?: {
    sql?: string | string[] | Record<string, string> | null;
    statements?: string[] | null;
    estimated_chunks?: number | null;
    chunks_total?: number | null;
    [k: string]: unknown;
  } | null;
}

/** A chunk's validations: a list like the migration's, or a map of check to its state (or to an object with one). */
export type ChunkValidations =
  | Array<{ check: string; state?: string; ok?: boolean; detail?: unknown }>
  | Record<string, unknown>
  | null;

export interface Chunk {
  chunk_id: string | number;
  status: ChunkStatus | string;
  content_hash: string | null;
  row_count_in: number | null;
  row_count_out: number | null;
  validations: ChunkValidations;
  started_at: string | null;
  finished_at: string | null;
  attempts: number | null;
  next_action: string | null;
}

export interface MigrationStatus {
  migration: Migration;
  chunks: Chunk[];
}

export interface QuarantineDiff {
  column: string;
  before: string | null;
  after: string | null;
}

export interface QuarantineRow {
  id: number;
  chunk_id: string | number;
  key: unknown;
  reason_codes: string[];
  masked_preview_before: Record<string, string | null>;
  masked_preview_after: Record<string, string | null> | null;
  diff: QuarantineDiff[];
  created_at: string;
  state: 'open' | 'retried' | 'released' | string;
}

export interface QuarantinePage {
  count: number;
  result: QuarantineRow[];
}

export interface StartOptions {
  dry_run: boolean;
  key_columns?: string[] | null;
  validations?: string[] | null;
  schema_change_policy?: SchemaChangePolicy;
}

export const QUARANTINE_PAGE_SIZE = 20;

const migrationUrl = (runId: string, rest = '') =>
  `${ONBOARDING_URL}/runs/${encodeURIComponent(runId)}/migration${rest}`;

/** The masked quarantine as CSV: a plain link (the browser downloads it with the session cookie). */
export const quarantineCsvUrl = (runId: string) => migrationUrl(runId, '/quarantine.csv');

/** A Superset dataset's page to open it in: Explore on it. */
export const datasetUrl = (datasetId: number) => `/explore/?datasource_type=table&datasource_id=${datasetId}`;

/** A write's answer is the migration, bare or in {result} / {migration}. */
function migrationOf(body: unknown): Migration {
  const value = body as { result?: unknown; migration?: unknown };
  const inner = (value?.result ?? value) as { migration?: unknown };
  return ((inner && typeof inner === 'object' && 'migration' in inner ? inner.migration : inner) ?? value) as Migration;
}

/** The status read, bare or in {result}. */
function statusOf(body: unknown): MigrationStatus {
  const value = body as { result?: MigrationStatus } & MigrationStatus;
  const status = value.result && typeof value.result === 'object' && 'migration' in value.result ? value.result : value;
  return { migration: status.migration, chunks: status.chunks ?? [] };
}

export type Polled = { kind: 'changed'; status: MigrationStatus; etag: string | null } | { kind: 'unchanged' } | { kind: 'none' };

export const migrationApi = {
  /** GET the migration and its chunks; with the ETag of the last answer as If-None-Match, a 304 says nothing
   * changed. A 404 means the run has no migration yet. */
  status: async (runId: string, etag: string | null, fetchImpl: typeof fetch = globalThis.fetch): Promise<Polled> => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (etag) headers['If-None-Match'] = etag;
    let response: Response;
    try {
      response = await fetchImpl(migrationUrl(runId), { method: 'GET', headers, credentials: 'same-origin' });
    } catch (error) {
      throw new ApiError('network', 0, 'NETWORK', { cause: String(error) });
    }
    if (response.status === 304) return { kind: 'unchanged' };
    const parsed = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.status === 404) return { kind: 'none' };
    if (!response.ok) {
      const message = typeof parsed.message === 'string' ? parsed.message : `HTTP ${response.status}`;
      throw new ApiError(message, response.status, parsed.error_code as string | undefined, parsed);
    }
    return { kind: 'changed', status: statusOf(parsed), etag: response.headers?.get?.('ETag') ?? null };
  },
  start: async (runId: string, options: StartOptions): Promise<Migration> =>
    migrationOf((await request<unknown>('POST', migrationUrl(runId), options)).body),
  cancel: async (runId: string): Promise<Migration> =>
    migrationOf((await request<unknown>('POST', migrationUrl(runId, '/cancel'), {})).body),
  promote: async (runId: string): Promise<Migration> =>
    migrationOf((await request<unknown>('POST', migrationUrl(runId, '/promote'), { confirm: true })).body),
  rollback: async (runId: string): Promise<Migration> =>
    migrationOf((await request<unknown>('POST', migrationUrl(runId, '/rollback'), {})).body),
  quarantine: async (runId: string, page: number, pageSize = QUARANTINE_PAGE_SIZE): Promise<QuarantinePage> => {
    const answer: Tagged<unknown> = await request<unknown>('GET', migrationUrl(runId, `/quarantine?page=${page}&page_size=${pageSize}`));
    const body = answer.body as Partial<QuarantinePage> & { result?: unknown };
    return { count: Number(body.count ?? 0), result: Array.isArray(body.result) ? (body.result as QuarantineRow[]) : [] };
  },
  retry: async (runId: string, ids: number[] | null) =>
    (await request<unknown>('POST', migrationUrl(runId, '/quarantine/retry'), { ids })).body,
  release: async (runId: string, ids: number[]) =>
    (await request<unknown>('POST', migrationUrl(runId, '/quarantine/release'), { ids })).body,
};

/** States in which the worker has the migration: the console polls, and offers Cancel. */
export const ACTIVE_STATES: readonly string[] = ['queued', 'running', 'validating'];
export const isActive = (migration: Pick<Migration, 'state'> | null | undefined) =>
  !!migration && ACTIVE_STATES.includes(migration.state);

export type StartBlock =
  | { kind: 'metadata_only' }
  | { kind: 'preflight'; failed: PreflightCheck[] }
  | { kind: 'active' }
  | { kind: 'promoted' }
  | { kind: 'not_planned' };

/** Why Start is disabled, or null when it may be pressed. A metadata_only run plans only (a dry run); a failed
 * pre-flight check blocks until it is fixed; a migration the worker has is not started twice; a promoted one is
 * rolled back first. Start needs a plan (a dry run) first, so the person sees what will happen. */
export function startBlock(mode: Mode | string, migration: Migration | null): StartBlock | null {
  if (mode === 'metadata_only') return { kind: 'metadata_only' };
  if (!migration) return { kind: 'not_planned' };
  const failed = (migration.preflight ?? []).filter((check) => !check.ok);
  if (failed.length) return { kind: 'preflight', failed };
  if (isActive(migration)) return { kind: 'active' };
  if (migration.state === 'promoted') return { kind: 'promoted' };
  return null;
}

/** Why Promote is not offered yet, or null when the migration is ready: every validation passed. */
export function promoteBlock(migration: Migration | null): 'not_ready' | 'validations' | null {
  if (!migration || migration.state !== 'ready') return 'not_ready';
  if ((migration.validations ?? []).some((v) => v.state !== 'passed')) return 'validations';
  return null;
}

/** The plan's SQL (a dry run's): `sql`, or the plan's (its statements, one dialect's, or each dialect's, joined). */
export function planSql(migration: Migration | null): string | null {
  if (!migration) return null;
  if (typeof migration.sql === 'string' && migration.sql) return migration.sql;
  const sql = migration.plan?.sql ?? migration.plan?.statements;
  if (typeof sql === 'string' && sql) return sql;
  if (Array.isArray(sql)) {
    const statements = sql.filter((text): text is string => typeof text === 'string' && !!text);
    return statements.length ? statements.join(';\n\n') : null;
  }
  if (sql && typeof sql === 'object') {
    const parts = Object.entries(sql).filter(([, text]) => typeof text === 'string' && text);
    if (parts.length === 1) return parts[0]?.[1] ?? null;
    if (parts.length) return parts.map(([dialect, text]) => `-- ${dialect}\n${text}`).join('\n\n');
  }
  return null;
}

/** The chunks the plan estimates: `estimated_chunks`, the plan's (or its chunks_total), or chunks_total. */
export function estimatedChunks(migration: Migration | null): number | null {
  if (!migration) return null;
  return migration.estimated_chunks ?? migration.plan?.estimated_chunks ?? migration.plan?.chunks_total ?? migration.chunks_total ?? null;
}

/** A chunk's validations as [check, state] pairs, whatever shape the server sent them in. */
export function chunkChecks(validations: ChunkValidations): Array<{ check: string; state: string }> {
  if (!validations) return [];
  if (Array.isArray(validations)) {
    return validations.map((v) => ({ check: v.check, state: v.state ?? (v.ok === undefined ? 'pending' : v.ok ? 'passed' : 'failed') }));
  }
  return Object.entries(validations).map(([check, value]) => {
    if (typeof value === 'boolean') return { check, state: value ? 'passed' : 'failed' };
    if (typeof value === 'string') return { check, state: value };
    if (value && typeof value === 'object') {
      const inner = value as { state?: unknown; ok?: unknown };
      if (typeof inner.state === 'string') return { check, state: inner.state };
      if (typeof inner.ok === 'boolean') return { check, state: inner.ok ? 'passed' : 'failed' };
    }
    return { check, state: 'pending' };
  });
}

/** Rows of a chunk that did not come out (quarantined): in minus out, when both are known. */
export function chunkQuarantined(chunk: Pick<Chunk, 'row_count_in' | 'row_count_out'>): number {
  if (chunk.row_count_in == null || chunk.row_count_out == null) return 0;
  return Math.max(0, chunk.row_count_in - chunk.row_count_out);
}

/** Milliseconds of an ISO time the server wrote (naive times are UTC), or null. */
export function timeOf(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`).getTime();
  return Number.isNaN(ms) ? null : ms;
}

export interface TimelineBar {
  chunk: Chunk;
  index: number;
  start: number;
  end: number;
}

/** The timeline's extent and bars: each chunk that started, from its start to its end (to `now` while leased). */
export function timelineOf(chunks: Chunk[], now: number): { from: number; to: number; bars: TimelineBar[]; waiting: number } {
  const bars: TimelineBar[] = [];
  let waiting = 0;
  chunks.forEach((chunk, index) => {
    const start = timeOf(chunk.started_at);
    if (start === null) {
      waiting += 1;
      return;
    }
    const end = timeOf(chunk.finished_at) ?? Math.max(start, now);
    bars.push({ chunk, index, start, end: Math.max(end, start) });
  });
  const from = bars.length ? Math.min(...bars.map((b) => b.start)) : now;
  // At least 100 ms wide, so that one short chunk is a bar, not the whole axis.
  const to = bars.length ? Math.max(from + 100, ...bars.map((b) => b.end)) : now + 1000;
  return { from, to, bars, waiting };
}

/** Rows per second in words (k and M above a thousand). */
export function rateText(rowsPerSecond: number): string {
  if (rowsPerSecond >= 1_000_000) return `${(rowsPerSecond / 1_000_000).toFixed(1)}M`;
  if (rowsPerSecond >= 1_000) return `${(rowsPerSecond / 1_000).toFixed(1)}k`;
  return String(Math.round(rowsPerSecond));
}
