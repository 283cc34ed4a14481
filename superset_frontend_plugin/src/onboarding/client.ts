// Typed access to the onboarding runs API (superset_review/onboarding/api.py, /api/v1/dataset_review/onboarding):
// uploads, runs and their stages, artifacts (catalog, target schema, sample pack), mappings, the analysis, the
// compiler of DSL plans. Reads keep the strong ETag they came with; writes on a versioned thing send it back as
// If-Match (a stale one answers 412 RUN_CHANGED). Writes go through the workspace's `request` (CSRF, ApiError).

import { ApiError, csrfTokenOf, request, type Task } from '../workspace/client';

export const ONBOARDING_URL = '/api/v1/dataset_review/onboarding';
/** The pages (superset_review/extension/views.py). */
export const ONBOARDING_PAGE = '/dataset_review/onboarding/';
/** Start a run with `datasetId` as its target (the entry point on a dataset). */
export const onboardUrl = (datasetId: number | string) => `${ONBOARDING_PAGE}new/${encodeURIComponent(String(datasetId))}`;
export const runPageUrl = (runId: string) => `${ONBOARDING_PAGE}runs/${encodeURIComponent(runId)}`;

/** The DSL version the Mapping Studio writes (transform_dsl.DSL_VERSION). */
export const DSL_VERSION = '1.0.0';

export const STAGES = ['ingest', 'domains', 'mapping', 'analysis'] as const;
export type Stage = (typeof STAGES)[number];
export type StageState = 'pending' | 'running' | 'passed' | 'held' | 'failed';
export type RunStatus = 'created' | 'running' | 'stopped' | 'failed' | 'completed';
export type Mode = 'metadata_only' | 'data_mode';
export const MODES: readonly Mode[] = ['metadata_only', 'data_mode'];
export const PII_POLICIES = ['mask', 'drop', 'allow_hashed'] as const;
export type PiiPolicy = (typeof PII_POLICIES)[number];

/** Every response's echo of what it was computed from. */
export interface Hashes {
  contract?: string | null;
  policy?: string | null;
  artifacts?: Record<string, string>;
}

export interface RunError {
  code?: string;
  message?: string;
  stage?: string;
  detail?: unknown;
}

export interface StageInfo {
  state: StageState | string;
  artifact_hash: string | null;
  task_id: string | number | null;
  error: RunError | string | null;
}

export interface Side {
  source: { type: 'file' | 'sql' };
  location: string;
  schema_ref?: string | null;
}

export interface Contract {
  run_id?: string;
  mode: Mode;
  lhs: Side;
  rhs: Side;
  pii_policy?: PiiPolicy;
  human_confirm_required?: boolean;
  sample_caps?: { rows_max: number; bytes_max: number };
  [key: string]: unknown;
}

export interface Run {
  run_id: string;
  name: string;
  mode: Mode;
  status: RunStatus | string;
  stage: Stage | string;
  stages: Partial<Record<Stage, StageInfo>>;
  contract: Contract;
  contract_hash: string;
  contract_version: number;
  target_dataset_id: number | null;
  created_by: number | string | null;
  created_on: string;
  changed_on: string;
  error: RunError | null;
  artifacts: Array<{ kind: string; version: number; content_hash: string }>;
  task: Task | null;
  version: number;
}

export type RunSummary = Pick<Run, 'run_id' | 'name' | 'mode' | 'status' | 'stage' | 'created_on' | 'changed_on'> &
  Partial<Run>;

export interface Upload {
  upload_id: string;
  filename: string;
  bytes: number;
  sha256: string;
}

export interface CatalogColumn {
  name: string;
  original_name: string;
  dtype: string;
  physical_type: string;
  nullable: boolean;
  null_count: number | null;
  distinct_estimate: number | null;
  min: string | null;
  max: string | null;
  domain: string | null;
  domain_confidence: number | null;
  domain_band: string | null;
  pii: string | null;
  examples?: string[];
}

export interface CatalogTable {
  name: string;
  row_count: number;
  schema_hash: string;
  content_hash: string;
  columns: CatalogColumn[];
}

export interface Catalog {
  catalog_version: number;
  source: { type: string; format: string; name: string; encoding: string | null; delimiter: string | null; bytes: number | null };
  tables: CatalogTable[];
  shim_hash: string;
  contract_hash: string;
}

export interface TargetColumn {
  name: string;
  dtype: string;
  physical_type?: string | null;
  nullable?: boolean;
  domain: string | null;
  pii: string | null;
  description?: string | null;
  required?: boolean;
}

export interface TargetSchema {
  name: string;
  dataset_id: number | null;
  columns: TargetColumn[];
  schema_hash: string;
}

export interface SamplePack {
  seed: number;
  rows_max: number;
  bytes_max: number;
  row_count: number;
  stratified_by: string | null;
  columns: string[];
  rows: unknown[][];
  raw_path_sha256: string;
}

export interface ArtifactSummary {
  kind: string;
  version: number;
  content_hash: string;
  contract_hash: string;
  created_on: string;
}

export interface Artifact<Body = unknown> {
  kind: string;
  version: number;
  content_hash: string;
  contract_hash: string;
  body: Body;
}

/** One operation of the transform DSL 1.0.0 (its parameters are checked by the server). */
export type Op = { op: OpName; [param: string]: unknown };

export const OP_NAMES = [
  'trim', 'case', 'collapse_whitespace', 'regex_extract', 'regex_split', 'concat', 'map_dict', 'unit_convert',
  'date_parse', 'date_format', 'type_cast', 'safe_math',
] as const;  // prettier-ignore
export type OpName = (typeof OP_NAMES)[number];

export interface Pipeline {
  target: string;
  source: string;
  ops: Op[];
}

export type Decision = 'accept' | 'hold' | 'fix';
export const DECISIONS: readonly Decision[] = ['accept', 'hold', 'fix'];
export type Outcome = 'success' | 'near' | 'fail';

export interface Compiled {
  content_hash?: string;
  sql: { postgres: string; duckdb: string };
  polars: string;
}

export interface Mapping {
  target: string;
  sources: string[];
  strategy: string;
  dsl: Pipeline;
  origin: 'rules' | 'llm' | 'user' | string;
  decision: Decision | string;
  confidence: number;
  success_rate: number | null;
  near_rate: number | null;
  fail_rate: number | null;
  rationale: string[];
  examples: Array<{ before: Record<string, unknown>; after: unknown; outcome: Outcome | string }> | null;
  compiled: Compiled | null;
  version: number;
}

export interface RunEvent {
  id?: number;
  stage: string;
  action: string;
  subject: string | null;
  inputs_hash: string | null;
  outputs_hash: string | null;
  contract_hash: string;
  policy_version?: string | null;
  dsl_version?: string | null;
  confirmed_by?: number | string | null;
  actor_id?: number | string | null;
  created_on: string;
  detail?: unknown;
}

/** GET /runs/<id>/cost_estimate: tokens (and money when models are priced) per stage; nothing is sent to get it. */
export interface CostEstimate {
  stages?: Record<string, { tokens?: number | null; usd?: number | null; calls?: number | null; [k: string]: unknown }>;
  total_tokens?: number | null;
  total_usd?: number | null;
  llm_configured?: boolean;
  note?: string | null;
  [k: string]: unknown;
}

/** GET /runs/<id>/policy_check: whether the policy lets the run go as its contract says, and why. */
export interface PolicyCheck {
  allowed: boolean;
  reasons?: Array<string | { code?: string; message?: string; [k: string]: unknown }>;
  policy_hash?: string | null;
  [k: string]: unknown;
}

export interface Envelope<T> {
  result: T;
  hashes?: Hashes;
  count?: number;
}

const run = (runId: string, rest = '') => `${ONBOARDING_URL}/runs/${encodeURIComponent(runId)}${rest}`;

/** An ETag to send back: the header as the server sent it (quotes and all), never rebuilt by the client. */
const ifMatch = (etag: string | null | undefined): Record<string, string> => (etag ? { 'If-Match': etag } : {});

export const onboardingApi = {
  runs: async () => (await request<Envelope<RunSummary[]>>('GET', `${ONBOARDING_URL}/runs/`)).body,
  create: async (name: string, contract: Contract) => request<Envelope<Run>>('POST', `${ONBOARDING_URL}/runs/`, { name, contract }),
  get: (runId: string) => request<Envelope<Run>>('GET', run(runId)),
  changeMode: (runId: string, mode: Mode, etag: string | null) =>
    request<Envelope<Run>>('PUT', run(runId, '/contract'), { mode }, { headers: ifMatch(etag) }),
  startStage: (runId: string, stage: Stage, confirm: boolean) =>
    request<Envelope<{ task: Task }>>('POST', run(runId, `/stages/${stage}`), { confirm }),
  stop: (runId: string) => request<Envelope<Run>>('POST', run(runId, '/stop'), {}),
  artifacts: async (runId: string) => (await request<Envelope<ArtifactSummary[]>>('GET', run(runId, '/artifacts/'))).body,
  artifact: async <Body>(runId: string, kind: string, version?: number) =>
    (await request<Envelope<Artifact<Body>>>('GET', run(runId, `/artifacts/${kind}${version ? `?version=${version}` : ''}`))).body,
  policyCheck: async (runId: string) => (await request<Envelope<PolicyCheck>>('GET', run(runId, '/policy_check'))).body,
  costEstimate: async (runId: string) => (await request<Envelope<CostEstimate>>('GET', run(runId, '/cost_estimate'))).body,
  mappings: (runId: string) => request<Envelope<Mapping[]>>('GET', run(runId, '/mappings/')),
  decide: (runId: string, target: string, change: { decision: Decision; dsl?: Pipeline; sources?: string[] }, etag: string | null) =>
    request<Envelope<Mapping>>('PUT', run(runId, `/mappings/${encodeURIComponent(target)}`), change, { headers: ifMatch(etag) }),
  analysis: async (runId: string) => (await request<Envelope<unknown>>('GET', run(runId, '/analysis'))).body,
  stageFix: (runId: string, fixId: string) =>
    request<Envelope<Mapping>>('POST', run(runId, `/analysis/fixes/${encodeURIComponent(fixId)}`), {}),
  events: async (runId: string) => (await request<Envelope<RunEvent[]>>('GET', run(runId, '/events/'))).body,
  compile: async (plan: { dsl_version: string; pipelines: Pipeline[] }, schema: Record<string, string>) =>
    (await request<Envelope<Compiled>>('POST', `${ONBOARDING_URL}/compile`, { plan, schema })).body,
};

/** The If-Match of one mapping: its version, as the strong ETag the API gives a mapping (`"<version>"`). */
export const mappingTag = (mapping: Pick<Mapping, 'version'>) => `"${mapping.version}"`;

export interface UploadProgress {
  loaded: number;
  total: number;
}

/** POST /uploads/ with the upload's progress (fetch cannot report it; an XMLHttpRequest can). Rejects with ApiError
 * carrying the server's message and code (413 FILE_TOO_LARGE, 422 FILE_UNREADABLE), or NETWORK. */
export async function uploadFile(
  file: File,
  onProgress: (progress: UploadProgress) => void,
  xhrFactory: () => XMLHttpRequest = () => new XMLHttpRequest(),
): Promise<Upload> {
  const token = await csrfTokenOf();
  const form = new FormData();
  form.append('file', file);
  return new Promise<Upload>((resolve, reject) => {
    const xhr = xhrFactory();
    xhr.open('POST', `${ONBOARDING_URL}/uploads/`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRFToken', token);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (event) => onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    xhr.onerror = () => reject(new ApiError('network', 0, 'NETWORK'));
    xhr.onload = () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText || '{}') as Record<string, unknown>;
      } catch {
        body = {};
      }
      if (xhr.status >= 200 && xhr.status < 300 && body.result && typeof body.result === 'object') {
        resolve(body.result as Upload);
        return;
      }
      const message = typeof body.message === 'string' ? body.message : `HTTP ${xhr.status}`;
      reject(new ApiError(message, xhr.status, body.error_code as string | undefined, body));
    };
    xhr.send(form);
  });
}

/** A source column's logical dtype by name, from the catalog's first table: the schema POST /compile types with. */
export function schemaOf(catalog: Catalog | null): Record<string, string> {
  const schema: Record<string, string> = {};
  for (const column of catalog?.tables[0]?.columns ?? []) schema[column.name] = column.dtype;
  return schema;
}

/** The state the stepper shows for a stage, and whether it may be started now: the stage before passed or is held
 * (it ran; a held stage waits for a person, who confirms going on), the stage itself has not run yet or failed (a
 * retry), the run is neither stopped nor failed, and no task of the run is still queued or running. */
export function stageGate(runState: Pick<Run, 'status' | 'stages' | 'task'>, stage: Stage): { state: string; canStart: boolean; blockedBy: Stage | null } {
  const index = STAGES.indexOf(stage);
  const state = runState.stages[stage]?.state ?? 'pending';
  const before = index > 0 ? STAGES[index - 1] ?? null : null;
  const previous = before ? runState.stages[before]?.state ?? 'pending' : 'passed';
  const busy = runState.task != null && ['queued', 'running'].includes(runState.task.state);
  const closed = runState.status === 'stopped' || runState.status === 'failed';
  const open = previous === 'passed' || previous === 'held';
  return {
    state,
    canStart: !busy && !closed && open && (state === 'pending' || state === 'failed'),
    blockedBy: open ? null : before,
  };
}

/** Whether the run has work in flight: the page polls while it does. */
export function inFlight(runState: Pick<Run, 'task' | 'stages'> | null): boolean {
  if (!runState) return false;
  if (runState.task && ['queued', 'running'].includes(runState.task.state)) return true;
  return STAGES.some((stage) => runState.stages[stage]?.state === 'running');
}

/** The contract a new run is created with, from the Start form's choices. */
export interface StartChoices {
  name: string;
  source: { kind: 'file'; uploadId: string } | { kind: 'table'; databaseId: number; schema: string; table: string };
  targetDatasetId: number;
  mode: Mode;
  piiPolicy: PiiPolicy;
  humanConfirm: boolean;
}

export function contractOf(choices: StartChoices): Contract {
  const lhs: Side = choices.source.kind === 'file'
    ? { source: { type: 'file' }, location: choices.source.uploadId }
    : { source: { type: 'sql' }, location: `${choices.source.databaseId}:${choices.source.schema}.${choices.source.table}` };  // prettier-ignore
  return {
    mode: choices.mode,
    lhs,
    rhs: { source: { type: 'sql' }, location: `dataset:${choices.targetDatasetId}` },
    pii_policy: choices.piiPolicy,
    human_confirm_required: choices.humanConfirm,
  };
}

/** Counts of a rate over the Sample Pack's rows (rates are fractions of the rows the pipeline ran on). */
export function countOf(rate: number | null, rows: number | null | undefined): number | null {
  if (rate == null || rows == null) return null;
  return Math.round(rate * rows);
}

/** The index of the operation a DSL_REJECT's path names ("pipelines[0].ops[2].pattern" or "ops[2]"), if any. */
export function opIndexOf(path: unknown): number | null {
  if (typeof path !== 'string') return null;
  const match = /(?:^|\.)ops\[(\d+)\]/.exec(path);
  return match?.[1] !== undefined ? Number(match[1]) : null;
}
