import type { HealthReport } from '../api';

export const okReport: HealthReport = {
  status: 'ok',
  version: '0.1.0',
  checks: {
    metadata_db: { status: 'ok', reason: 'postgresql answered', latency_ms: 2.4 },
    pgvector: { status: 'ok', reason: 'pgvector 0.7.4 installed', latency_ms: 3.1 },
    redis: { status: 'ok', reason: 'PONG', latency_ms: 0.8 },
    worker: { status: 'ok', reason: '1 worker(s): celery@worker1', latency_ms: 512 },
    llm: { status: 'ok', reason: 'model gpt-4o-mini configured', latency_ms: 0 },
  },
  feature_flags: { DATASET_REVIEW: true },
};

export const degradedReport: HealthReport = {
  ...okReport,
  status: 'degraded',
  checks: {
    ...okReport.checks,
    llm: { status: 'degraded', reason: 'no API key: set DATASET_REVIEW_LLM_API_KEY', latency_ms: 0.1 },
  },
};

export const downReport: HealthReport = {
  ...okReport,
  status: 'down',
  checks: {
    ...okReport.checks,
    worker: {
      status: 'down',
      reason: 'no Celery worker answered: start one with the imports in CELERY_CONFIG',
      latency_ms: 1000.2,
    },
  },
};

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}
