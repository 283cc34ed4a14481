// Typed access to GET /api/v1/dataset_review/health (superset_review/health/api.py).

export const HEALTH_URL = '/api/v1/dataset_review/health';

export const STATUSES = ['ok', 'degraded', 'down'] as const;
export type Status = (typeof STATUSES)[number];

export interface CheckResult {
  status: Status;
  reason: string;
  latency_ms: number;
}

export interface HealthReport {
  status: Status;
  version: string;
  checks: Record<string, CheckResult>;
  feature_flags: Record<string, boolean>;
}

/**
 * unauthorized: 401, the session expired or the user is not logged in.
 * forbidden: 403, the user lacks "can read on DatasetReview".
 * network: the request never got an HTTP answer (offline, DNS, CORS, server unreachable).
 * server: any other HTTP answer without a health report (500, 502, a 503 from a proxy, ...).
 * invalid: an HTTP answer whose body is not a health report this page understands.
 */
export type HealthErrorKind = 'unauthorized' | 'forbidden' | 'network' | 'server' | 'invalid';

export class HealthError extends Error {
  readonly kind: HealthErrorKind;
  /** The HTTP status, when there was an HTTP answer. */
  readonly status: number | undefined;

  constructor(kind: HealthErrorKind, message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HealthError';
    this.kind = kind;
    this.status = status;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStatus(value: unknown): value is Status {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

function isCheckResult(value: unknown): value is CheckResult {
  return (
    isRecord(value) &&
    isStatus(value.status) &&
    typeof value.reason === 'string' &&
    typeof value.latency_ms === 'number' &&
    Number.isFinite(value.latency_ms)
  );
}

export function isHealthReport(value: unknown): value is HealthReport {
  return (
    isRecord(value) &&
    isStatus(value.status) &&
    typeof value.version === 'string' &&
    isRecord(value.checks) &&
    Object.values(value.checks).every(isCheckResult) &&
    isRecord(value.feature_flags) &&
    Object.values(value.feature_flags).every((flag) => typeof flag === 'boolean')
  );
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

export interface FetchHealthOptions {
  signal?: AbortSignal;
  /** Defaults to the global fetch; tests may pass their own. */
  fetchImpl?: typeof fetch;
}

/**
 * The health report. 200 and 503 both carry one (503 means a check is down).
 * Rejects with a HealthError for everything else; an abort through `signal`
 * rejects with the fetch's own AbortError, unchanged.
 */
export async function fetchHealth(options: FetchHealthOptions = {}): Promise<HealthReport> {
  const { signal, fetchImpl = globalThis.fetch } = options;
  let response: Response;
  try {
    response = await fetchImpl(HEALTH_URL, {
      method: 'GET',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new HealthError('network', 'Could not reach Superset', undefined, { cause: error });
  }

  if (response.status === 401) {
    throw new HealthError('unauthorized', 'Not signed in', 401);
  }
  if (response.status === 403) {
    throw new HealthError('forbidden', 'Forbidden', 403);
  }

  const body = await readJson(response);
  if (response.ok || response.status === 503) {
    if (isHealthReport(body)) return body;
    if (response.ok) {
      throw new HealthError('invalid', 'The health report has an unexpected shape', response.status);
    }
  }
  throw new HealthError('server', `Unexpected HTTP ${response.status}`, response.status);
}
