// Answers of the onboarding API (/api/v1/dataset_review/onboarding), shaped as the shared interfaces define them.

import type { Catalog, Mapping, Run, RunEvent, SamplePack, TargetSchema } from '../onboarding/client';

export const RUN_ID = '01JF8ZQ2X3VYH5K6M7N8P9R0ST';
export const CONTRACT_HASH = 'c0ntract'.padEnd(64, '0');

export function runOf(overrides: Partial<Run> = {}): Run {
  return {
    run_id: RUN_ID,
    name: 'partner customers',
    mode: 'data_mode',
    status: 'running',
    stage: 'mapping',
    stages: {
      ingest: { state: 'passed', artifact_hash: 'a1'.padEnd(64, '1'), task_id: 11, error: null },
      domains: { state: 'passed', artifact_hash: 'a2'.padEnd(64, '2'), task_id: 12, error: null },
      mapping: { state: 'held', artifact_hash: 'a3'.padEnd(64, '3'), task_id: 13, error: null },
      analysis: { state: 'pending', artifact_hash: null, task_id: null, error: null },
    },
    contract: {
      run_id: RUN_ID, mode: 'data_mode', pii_policy: 'mask', human_confirm_required: true,
      lhs: { source: { type: 'file' }, location: 'u-1' }, rhs: { source: { type: 'sql' }, location: 'dataset:7' },
    },
    contract_hash: CONTRACT_HASH,
    contract_version: 1,
    target_dataset_id: 7,
    created_by: 1,
    created_on: '2026-12-02T07:00:00',
    changed_on: '2026-12-02T07:05:00',
    error: null,
    artifacts: [
      { kind: 'catalog', version: 2, content_hash: 'cat'.padEnd(64, '0') },
      { kind: 'target_schema', version: 1, content_hash: 'tgt'.padEnd(64, '0') },
      { kind: 'sample_pack', version: 1, content_hash: 'smp'.padEnd(64, '0') },
      { kind: 'mapping_plan', version: 1, content_hash: 'map'.padEnd(64, '0') },
    ],
    task: null,
    version: 5,
    ...overrides,
  };  // prettier-ignore
}

export const catalog: Catalog = {
  catalog_version: 1,
  source: { type: 'file', format: 'csv', name: 'customers.csv', encoding: 'utf-8', delimiter: ',', bytes: 2048 },
  tables: [{
    name: 'customers', row_count: 120, schema_hash: 'sch'.padEnd(64, 'a'), content_hash: 'cnt'.padEnd(64, 'b'),
    columns: [
      { name: 'first_name', original_name: 'First Name', dtype: 'string', physical_type: 'String', nullable: true, null_count: 6,
        distinct_estimate: 98, min: null, max: null, domain: 'person.first_name', domain_confidence: 0.93, domain_band: 'high',
        pii: 'PERSON', examples: ['A***', 'B***'] },
      { name: 'last_name', original_name: 'last_name', dtype: 'string', physical_type: 'String', nullable: true, null_count: 0,
        distinct_estimate: 110, min: null, max: null, domain: 'person.last_name', domain_confidence: 0.71, domain_band: 'borderline',
        pii: 'PERSON', examples: ['S****'] },
      { name: 'weight_lb', original_name: 'Weight (lb)', dtype: 'float', physical_type: 'Float64', nullable: false, null_count: 0,
        distinct_estimate: 80, min: '90.5', max: '310', domain: null, domain_confidence: null, domain_band: null, pii: null, examples: ['150.2'] },
    ],
  }],
  shim_hash: 'shm'.padEnd(64, 'c'),
  contract_hash: CONTRACT_HASH,
};  // prettier-ignore

export const target: TargetSchema = {
  name: 'crm_customers',
  dataset_id: 7,
  columns: [
    { name: 'full_name', dtype: 'string', physical_type: 'TEXT', nullable: true, domain: 'person.full_name', pii: 'PERSON', description: null, required: true },
    { name: 'weight_kg', dtype: 'float', physical_type: 'DOUBLE PRECISION', nullable: true, domain: null, pii: null, description: null, required: false },
  ],
  schema_hash: 'tsh'.padEnd(64, 'd'),
};  // prettier-ignore

export const sample: SamplePack = {
  seed: 42, rows_max: 1000, bytes_max: 4_000_000, row_count: 100, stratified_by: 'signup_date',
  columns: ['first_name', 'last_name', 'weight_lb'],
  rows: [['A***', 'S****', 150.2], ['B***', null, 98]],
  raw_path_sha256: 'raw'.padEnd(64, 'e'),
};  // prettier-ignore

export const compiledFullName = {
  content_hash: 'pln'.padEnd(64, 'f'),
  sql: {
    postgres: 'SELECT CONCAT_WS(\' \', "first_name", "last_name") AS "full_name", NULL AS "full_name__reason" FROM "src"',
    duckdb: 'SELECT CONCAT_WS(\' \', "first_name", "last_name") AS "full_name", NULL AS "full_name__reason" FROM "src"',
  },
  polars: 'pl.concat_str([pl.col("first_name"), pl.col("last_name")], separator=" ").alias("full_name")',
};

export function mappingsOf(): Mapping[] {
  return [
    {
      target: 'full_name', sources: ['first_name', 'last_name'], strategy: 'compose',
      dsl: { target: 'full_name', source: 'first_name', ops: [{ op: 'trim', side: 'both' }, { op: 'concat', parts: [{ column: 'last_name' }], separator: ' ' }] },
      origin: 'rules', decision: 'hold', confidence: 0.82, success_rate: 0.9, near_rate: 0.06, fail_rate: 0.04,
      rationale: ['first + last → full name (domains person.first_name, person.last_name)'],
      examples: [
        { before: { first_name: 'A***', last_name: 'S****' }, after: 'A*** S****', outcome: 'success' },
        { before: { first_name: 'B***', last_name: null }, after: 'B***', outcome: 'near' },
      ],
      compiled: compiledFullName, version: 3,
    },
    {
      target: 'weight_kg', sources: ['weight_lb'], strategy: 'unit',
      dsl: { target: 'weight_kg', source: 'weight_lb', ops: [{ op: 'unit_convert', from: 'lb', to: 'kg' }] },
      origin: 'rules', decision: 'accept', confidence: 0.97, success_rate: 1, near_rate: 0, fail_rate: 0,
      rationale: ['unit in the header: lb → kg'], examples: [], compiled: null, version: 1,
    },
  ];  // prettier-ignore
}

/** The analysis report in data mode, as the analysis stage writes it (analysis/report.py, report_version 1). */
export const dataReport = {
  report_version: 1,
  mode: 'data_mode',
  contract_hash: CONTRACT_HASH,
  thresholds: { null_rate_max: 0.05, dup_key_rate_max: 0.01, psi_max: 0.2, ks_max: 0.3 },
  consistency: [
    { target: 'full_name', sources: ['first_name', 'last_name'], strategy: 'compose', output_type: 'string', target_dtype: 'string', consistent: true },
    { target: 'weight_kg', sources: ['weight_lb'], strategy: 'unit', output_type: 'integer', target_dtype: 'float', consistent: false },
  ],
  coverage: { targets: 2, mapped: 2, share: 1, unmapped: [], required_unmapped: [], decisions: { accept: 1, hold: 1, fix: 0 }, by_domain: 1, pii: [] },
  feasibility: { strategies: ['atomic', 'compose', 'decompose', 'unit', 'type_alignment'], rows: [
    { target: 'full_name', chosen: 'compose', decision: 'hold', cells: { atomic: null, compose: 'chosen', decompose: null, unit: null, type_alignment: null } },
    { target: 'weight_kg', chosen: 'unit', decision: 'fix', cells: { atomic: 'feasible', compose: null, decompose: null, unit: 'needs_fix', type_alignment: null } },
  ] },
  data: {
    rows: 100,
    nulls: [
      { target: 'full_name', null_rate: 0.06, failed_rate: 0.01, over: true },
      { target: 'weight_kg', null_rate: 0, failed_rate: 0, over: false },
    ],
    duplicates: [{ target: 'customer_id', duplicate_rate: 0.002, over: false }],
    sanity: [],
    cross_field: [],
    distribution: { target_sample: { rows: 50, note: null }, columns: [
      { target: 'full_name', values: 94, target_values: 50, kind: 'categorical', psi: 0.05, ks: null },
      { target: 'weight_kg', values: 100, target_values: 50, kind: 'numeric', psi: 0.31, ks: 0.42 },
    ] },
  },
  anomalies: [
    { id: 'an_1', kind: 'null_rate', severity: 'medium', target: 'full_name', message: 'full_name is NULL in 6.0% of the sample (at most 5%); 1.0% are failed conversions',
      fix: { id: 'fx_trim_full_name', action: 'add_op', description: 'add trim before type_cast', change: { target: 'full_name' } }, value: 0.06, threshold: 0.05 },
    { id: 'an_2', kind: 'distribution_shift', severity: 'medium', target: 'weight_kg', message: 'weight_kg is distributed unlike the target\'s own values (PSI 0.31, KS 0.42; at most 0.2 and 0.3)',
      fix: { id: 'fx_unit_weight_kg', action: 'add_op', description: 'convert from lb to kg: the target\'s values are 0.4536 times the source\'s', change: { target: 'weight_kg' } }, psi: 0.31, ks: 0.42 },
  ],
  summary: { anomalies: 2, by_severity: { high: 0, medium: 2, low: 0 }, fixes: 2 },
  notes: [],
};  // prettier-ignore

export const metadataReport = {
  report_version: 1,
  mode: 'metadata_only',
  thresholds: { null_rate_max: 0.05, dup_key_rate_max: 0.01, psi_max: 0.2, ks_max: 0.3 },
  consistency: [{ target: 'full_name', sources: ['first_name'], strategy: 'atomic', output_type: 'string', target_dtype: 'string', consistent: true }],
  coverage: { targets: 2, mapped: 1, share: 0.5, unmapped: ['weight_kg'], required_unmapped: [], decisions: { accept: 0, hold: 1, fix: 1 }, by_domain: 1, pii: [] },
  feasibility: { strategies: ['atomic', 'compose'], rows: [{ target: 'full_name', chosen: 'atomic', decision: 'hold', cells: { atomic: 'chosen', compose: 'feasible' } }] },
  data: null,
  anomalies: [],
  summary: { anomalies: 0, by_severity: { high: 0, medium: 0, low: 0 }, fixes: 0 },
  notes: ['metadata only: no row was read; nulls, duplicates, distributions and cross-field rules need data_mode'],
};  // prettier-ignore

export const events: RunEvent[] = [
  { id: 1, stage: 'ingest', action: 'contract', subject: null, inputs_hash: null, outputs_hash: CONTRACT_HASH, contract_hash: CONTRACT_HASH,
    policy_version: 'p1', dsl_version: '1.0.0', confirmed_by: null, actor_id: 1, created_on: '2026-12-02T07:00:00' },
  { id: 2, stage: 'ingest', action: 'passed', subject: 'catalog', inputs_hash: 'in'.padEnd(64, '1'), outputs_hash: 'out'.padEnd(64, '2'),
    contract_hash: CONTRACT_HASH, policy_version: 'p1', dsl_version: '1.0.0', confirmed_by: 1, actor_id: 1, created_on: '2026-12-02T07:01:00' },
];  // prettier-ignore
