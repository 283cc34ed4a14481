// Typed access to what the admin pages read: the registered tools and their audit (superset_review/tools/api.py),
// and the journal of changes to catalog-level objects (superset_review/journal/api.py).

import { call } from '../workspace/client';

const BASE = '/api/v1/dataset_review';
export const AUDIT_LIMIT = 200;
export const JOURNAL_LIMIT = 200;

export interface Tool {
  name: string;
  description: string;
  permission: string;
  parameters: unknown;
  max_rows: number | null;
  max_bytes: number | null;
}

export type Outcome = 'ok' | 'refused' | 'error';
export const OUTCOMES: readonly Outcome[] = ['ok', 'refused', 'error'];

export interface ToolCall {
  id: number;
  uuid: string;
  tool: string;
  user_id: number | null;
  username: string | null;
  channel: 'rest' | 'mcp' | 'internal' | string;
  params_hash: string;
  params_bytes: number;
  rows: number | null;
  bytes: number | null;
  masking: unknown;
  outcome: Outcome | string;
  error_code: string | null;
  message: string | null;
  duration_ms: number | null;
  created_on: string;
}

export interface AuditFilter {
  tool?: string | undefined;
  outcome?: string | undefined;
  user_id?: number | undefined;
}

export const ENTITY_TYPES = ['domain_catalog', 'domain', 'safe_view', 'dataset_column', 'dataset'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export interface JournalEntry {
  id: number;
  entity_type: EntityType | string;
  entity_id: string;
  field: string;
  old_value: unknown;
  new_value: unknown;
  actor_id: number | null;
  source: string | null;
  created_on: string;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  return search.toString();
}

export const adminApi = {
  tools: () => call<{ result: Tool[] }>('GET', `${BASE}/tools/`),
  audit: (filter: AuditFilter = {}) =>
    call<{ result: ToolCall[]; count: number }>('GET', `${BASE}/tools/audit?${query({ limit: AUDIT_LIMIT, ...filter })}`),
  journal: (entityType?: string) =>
    call<{ result: JournalEntry[]; count: number }>('GET', `${BASE}/journal/?${query({ limit: JOURNAL_LIMIT, entity_type: entityType })}`),
  history: (entityType: string, entityId: string) =>
    call<{ result: JournalEntry[]; count: number }>(
      'GET', `${BASE}/journal/${encodeURIComponent(entityType)}/${entityId.split('/').map(encodeURIComponent).join('/')}?limit=${JOURNAL_LIMIT}`,
    ),  // prettier-ignore
};

/** Calls per tool, split by outcome, the busiest tool first. */
export function callsPerTool(calls: ToolCall[]): Array<{ tool: string; ok: number; refused: number; error: number; total: number }> {
  const byTool = new Map<string, { tool: string; ok: number; refused: number; error: number; total: number }>();
  for (const item of calls) {
    const row = byTool.get(item.tool) ?? { tool: item.tool, ok: 0, refused: 0, error: 0, total: 0 };
    if (item.outcome === 'ok' || item.outcome === 'refused' || item.outcome === 'error') row[item.outcome] += 1;
    row.total += 1;
    byTool.set(item.tool, row);
  }
  return [...byTool.values()].sort((a, b) => b.total - a.total || a.tool.localeCompare(b.tool));
}

/** A journal value as one line of text (values are JSON: strings, numbers, objects). */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
