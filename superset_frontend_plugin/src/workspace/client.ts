// Typed access to the review session API (superset_review/sessions/api.py and flow_api.py).
// Every write carries Superset's CSRF token and the session's version (a stale one answers 409).

export const SESSIONS_URL = '/api/v1/dataset_review/sessions/';
const CSRF_URL = '/api/v1/security/csrf_token/';

export interface Finding {
  id: number;
  code: string;
  severity: 'blocking' | 'warning' | 'info';
  target_kind: string;
  target: string | null;
  message: string;
  suggested_fix: string | null;
  status: string;
}

export interface Candidate {
  value: string;
  source: string;
  source_name: string;
  source_version: string;
  match_kind: string;
  confidence: number;
}

export interface FieldState {
  column: string;
  field: 'verbose_name' | 'description';
  candidates: Candidate[];
  chosen: Candidate | null;
  locked: boolean;
  status: 'empty' | 'proposed' | 'accepted' | 'conflict' | 'rejected';
}

export interface Option {
  label: string;
  value: unknown;
}

export interface Topic {
  key: string;
  kind: 'variable' | 'conflict' | 'filter' | 'meaning';
  target: string;
  question: string;
  why: string;
  best_guess: unknown;
  options: Option[];
  effect: string;
  state: 'open' | 'answered' | 'skipped' | 'deferred';
  priority: number;
}

export interface Mapping {
  variable: string;
  kind: string;
  value: unknown;
  provenance: string;
  confidence: number;
  warnings: string[];
  approval: 'not_needed' | 'pending' | 'approved';
  approved_by: string | null;
  needs_approval: boolean;
  line: number | null;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  variable: string | null;
  line: number | null;
}

export interface Preview {
  status: 'ready' | 'failed';
  sql: string | null;
  attempted_sql: string | null;
  fingerprint: string;
  diagnostics: Diagnostic[];
  stale: boolean;
}

/** A background task of the review (the server's TaskSchema). */
export interface Task {
  task_id: string;
  kind: string;
  state: 'queued' | 'running' | 'done' | 'failed' | string;
  done: number | null;
  total: number | null;
  eta_seconds: number | null;
  message: string | null;
  error_code: string | null;
  created_on: string;
}

export interface Session {
  id: number;
  title: string;
  source: string;
  source_kind: string;
  dataset_id: number | null;
  state: string;
  readiness: number;
  next_action: string | null;
  version: number;
  changed_on: string;
  tasks: Task[];
  context: {
    status?: string;
    filters?: Array<{ filter_id: string; name: string; column: string | null; value: unknown; provenance: string; status: string }>;
  };
  profile: {
    table_name?: string;
    database?: string;
    schema?: string | null;
    kind?: string;
    description?: string | null;
    owners?: string[];
    certification?: { certified_by?: string } | null;
    changed_on?: string | null;
    columns?: Array<{ column_name: string; type: string | null; verbose_name: string | null; description: string | null }>;
    metrics?: Array<{ metric_name: string }>;
    data?: {
      statistics: {
        rows: number;
        sampled_rows: number;
        columns: Record<string, { null_rate: number | null; distinct: number; min: unknown; max: unknown;
          top_values: Array<{ value: unknown; count: number }> | null; withheld: boolean }>;
      };
      pii_columns: Record<string, string>;
    };
  };
  findings: Finding[];
  semantics: FieldState[] | null;
  clarification: { status: string; current: string | null; topics: Topic[]; changes: string[] } | null;
  execution: { mappings?: Mapping[]; preview?: Preview; last_run?: { url: string } } | null;
  events: Array<{ id: number; action: string; username: string | null; created_on: string }>;
}

export type SessionSummary = Pick<Session, 'id' | 'title' | 'state' | 'readiness' | 'next_action' | 'changed_on' | 'version'>;

export interface Run {
  id: number;
  username: string | null;
  outcome: string;
  sqllab_url: string | null;
  error: string | null;
  created_on: string;
}

/** An answer of the API that is not a success; `code` is the server's error_code when it sent one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

async function csrf(fetchImpl: typeof fetch): Promise<string> {
  if (csrfToken) return csrfToken;
  const response = await fetchImpl(CSRF_URL, { credentials: 'same-origin' });
  const body = (await response.json().catch(() => ({}))) as { result?: string };
  csrfToken = body.result ?? '';
  return csrfToken;
}

export interface Client {
  fetchImpl: typeof fetch;
}

function messageOf(body: Record<string, unknown>, status: number): string {
  const message = body.message;
  if (typeof message === 'string') return message;
  if (message && typeof message === 'object') return JSON.stringify(message);
  return `HTTP ${status}`;
}

/** What a request may carry beyond its body: extra headers (If-Match) and the fetch to use (tests). */
export interface RequestOptions {
  headers?: Record<string, string>;
  fetchImpl?: typeof fetch;
}

/** An answer of the API with the ETag it came with (a strong ETag versions what it answers: send it back as If-Match). */
export interface Tagged<T> {
  body: T;
  etag: string | null;
}

/** One request to the extension's API: Superset's CSRF token on writes, the body as JSON (or a FormData as is), a
 * failure as ApiError with the server's message and error_code. */
export async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Tagged<T>> {
  const { fetchImpl = globalThis.fetch } = options;
  const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
  let payload: BodyInit | null = null;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET') headers['X-CSRFToken'] = await csrf(fetchImpl);
  let response: Response;
  try {
    response = await fetchImpl(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (error) {
    throw new ApiError('network', 0, 'NETWORK', { cause: String(error) });
  }
  const parsed = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    throw new ApiError(messageOf(parsed, response.status), response.status, parsed.error_code as string | undefined, parsed);
  }
  return { body: parsed as T, etag: response.headers?.get?.('ETag') ?? null };
}

/** Superset's CSRF token (fetched once per page), for writes that do not go through `request` (an upload's XHR). */
export const csrfTokenOf = (fetchImpl: typeof fetch = globalThis.fetch) => csrf(fetchImpl);

export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<T> {
  return (await request<T>(method, path, body, { fetchImpl })).body;
}

const at = (id: number, rest = '') => `${SESSIONS_URL}${id}${rest}`;

export const api = {
  list: () => call<{ result: SessionSummary[] }>('GET', SESSIONS_URL),
  start: (source: string, datasetId: number | null = null) =>
    call<Session>('POST', SESSIONS_URL, { source, dataset_id: datasetId, background: true }),
  get: (id: number) => call<Session>('GET', at(id)),
  archive: (s: Session) => call<Session>('POST', at(s.id, '/archive'), { version: s.version }),
  decide: (s: Session, decisions: Array<Record<string, unknown>>) =>
    call<Session>('POST', at(s.id, '/semantics/decisions'), { version: s.version, decisions }),
  apply: (s: Session) => call<Session>('POST', at(s.id, '/semantics/apply'), { version: s.version }),
  uploadDictionary: (s: Session, file: File) => {
    const form = new FormData();
    form.append('version', String(s.version));
    form.append('file', file);
    return call<Session>('POST', at(s.id, '/semantics/dictionary'), form);
  },
  clarify: (s: Session, action: 'start' | 'pause' | 'finish') =>
    call<Session>('POST', at(s.id, `/clarification/${action}`), { version: s.version }),
  answer: (s: Session, topic: string, answer: { option?: number; value?: unknown }) =>
    call<Session>('POST', at(s.id, '/clarification/answer'), { version: s.version, topic, ...answer }),
  skip: (s: Session, topic: string, expert: boolean) =>
    call<Session>('POST', at(s.id, expert ? '/clarification/expert' : '/clarification/skip'), { version: s.version, topic }),
  approve: (s: Session, variables: string[] | null) =>
    call<Session>('POST', at(s.id, '/mappings/approve'), { version: s.version, variables }),
  override: (s: Session, variable: string, value: unknown, why: string) =>
    call<Session>('PUT', at(s.id, '/mappings'), { version: s.version, changes: [{ variable, value, why }] }),
  preview: (s: Session) => call<Session>('POST', at(s.id, '/preview'), { version: s.version }),
  launch: (s: Session) =>
    call<Session & { sqllab_url: string }>('POST', at(s.id, '/launch'), { version: s.version }),
  runs: (s: Session) => call<{ result: Run[] }>('GET', at(s.id, '/runs')),
  exportUrl: (s: Session, format: 'md' | 'json') => at(s.id, `/export?format=${format}`),
};

/** A quick check while typing: a dataset id or a Superset page a review can start from. */
export function looksLikeSource(text: string): boolean {
  const value = text.trim();
  if (!value) return false;
  if (/^\d+$/.test(value)) return true;
  return /(\/superset\/(dashboard|slice|explore)\/|\/explore\/|\/sqllab\b|\/dataset\/\d|\/tablemodelview\/edit\/|\/chart\/edit\/|\/dashboard\/)/.test(
    value,
  );
}
