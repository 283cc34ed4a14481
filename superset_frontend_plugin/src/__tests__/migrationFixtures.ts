// Answers of the migration API (/api/v1/dataset_review/onboarding/runs/<run_id>/migration), shaped as the API
// contract of issue 15 defines them.

import type { Chunk, Migration, QuarantineRow } from '../onboarding/migration';
import { RUN_ID } from './onboardingFixtures';

export const PLAN_SQL = 'INSERT INTO "staging"."customers_stg" ("full_name", "weight_kg")\nSELECT upper("first_name"), "weight_lb" * 0.45359237\nFROM "uploads"."customers"';

export function migrationOf(overrides: Partial<Migration> = {}): Migration {
  return {
    run_id: RUN_ID,
    state: 'planned',
    strategy: 'elt',
    strategy_reason: 'source and target are in one PostgreSQL database and every pipeline compiles for it',
    key: { strategy: 'natural', columns: ['customer_id'] },
    validations: [
      { check: 'row_count', state: 'pending', detail: null },
      { check: 'checksum', state: 'pending', detail: null },
    ],
    preflight: [
      { check: 'mappings_accepted', ok: true, message: '3 of 3 mappings accepted' },
      { check: 'key_unique', ok: true, message: 'customer_id is unique over 120 rows' },
    ],
    chunks_total: 4,
    chunks_done: 0,
    rows_in: 0,
    rows_out: 0,
    quarantined: 0,
    throughput_rows_per_s: null,
    eta_seconds: null,
    staging_table: 'staging.customers_stg',
    final_table: 'public.customers',
    dataset_id: null,
    task_id: null,
    error_code: null,
    message: null,
    lane: 'batch_jobs',
    started_at: null,
    finished_at: null,
    promoted_at: null,
    sql: PLAN_SQL,
    estimated_chunks: 4,
    ...overrides,
  };
}

const HASHES = ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752',
  'fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13', 'a4e624d686e03ed2767c0abd85c14426b0b1157d2ce81d27bb4fe4f6f01d688a'];  // prettier-ignore

export function chunkOf(index: number, overrides: Partial<Chunk> = {}): Chunk {
  return {
    chunk_id: index,
    status: 'pending',
    content_hash: null,
    row_count_in: null,
    row_count_out: null,
    validations: null,
    started_at: null,
    finished_at: null,
    attempts: 0,
    next_action: null,
    ...overrides,
  };
}

/** Four chunks of a running migration: two done (the second quarantined 3 rows), one leased, one pending. */
export function runningChunks(): Chunk[] {
  return [
    chunkOf(0, { status: 'done', content_hash: HASHES[0] ?? null, row_count_in: 30, row_count_out: 30, attempts: 1, next_action: 'none',
      validations: { row_count: 'passed', checksum: 'passed' }, started_at: '2026-12-02T07:10:00', finished_at: '2026-12-02T07:10:02' }),
    chunkOf(1, { status: 'done', content_hash: HASHES[1] ?? null, row_count_in: 30, row_count_out: 27, attempts: 1, next_action: 'none',
      validations: [{ check: 'row_count', state: 'passed' }], started_at: '2026-12-02T07:10:01', finished_at: '2026-12-02T07:10:04' }),
    chunkOf(2, { status: 'leased', row_count_in: 30, attempts: 2, next_action: 'take_over', started_at: '2026-12-02T07:10:04' }),
    chunkOf(3),
  ];  // prettier-ignore
}

export function runningMigration(overrides: Partial<Migration> = {}): Migration {
  return migrationOf({
    state: 'running', chunks_done: 2, rows_in: 60, rows_out: 57, quarantined: 3, throughput_rows_per_s: 12_500, eta_seconds: 8,
    task_id: 'mig-task-1', started_at: '2026-12-02T07:10:00', ...overrides,
  });  // prettier-ignore
}

export function readyMigration(overrides: Partial<Migration> = {}): Migration {
  return migrationOf({
    state: 'ready', chunks_done: 4, rows_in: 120, rows_out: 117, quarantined: 3, throughput_rows_per_s: 15_000, eta_seconds: 0,
    task_id: 'mig-task-1', started_at: '2026-12-02T07:10:00', finished_at: '2026-12-02T07:10:09',
    validations: [
      { check: 'row_count', state: 'passed', detail: '117 out + 3 quarantined = 120 in' },
      { check: 'checksum', state: 'passed', detail: { staging: 'ab12', expected: 'ab12' } },
    ],
    ...overrides,
  });  // prettier-ignore
}

export function doneChunks(): Chunk[] {
  return runningChunks().map((chunk, index) => ({
    ...chunk, status: 'done', content_hash: HASHES[index] ?? null, row_count_in: 30, row_count_out: chunk.row_count_out ?? 30,
    started_at: chunk.started_at ?? '2026-12-02T07:10:05', finished_at: chunk.finished_at ?? '2026-12-02T07:10:08', next_action: 'none',
  }));  // prettier-ignore
}

export const quarantineRows: QuarantineRow[] = [
  {
    id: 41, chunk_id: 1, key: { customer_id: '10**' }, reason_codes: ['DSL_TYPE_CAST_FAILED'],
    masked_preview_before: { customer_id: '10**', first_name: 'A***', weight_lb: 'heavy' },
    masked_preview_after: { customer_id: '10**', full_name: 'A***', weight_kg: null },
    diff: [{ column: 'weight_kg', before: 'heavy', after: null }],
    created_at: '2026-12-02T07:10:03', state: 'open',
  },
  {
    id: 42, chunk_id: 1, key: '11**', reason_codes: ['DSL_TYPE_CAST_FAILED', 'VALIDATION_NOT_NULL'],
    masked_preview_before: { customer_id: '11**', first_name: 'B***', weight_lb: 'n/a' },
    masked_preview_after: null,
    diff: [{ column: 'weight_kg', before: 'n/a', after: null }],
    created_at: '2026-12-02T07:10:03', state: 'released',
  },
];  // prettier-ignore
