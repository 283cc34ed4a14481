// Typed access to the AI-safe view APIs (superset_review/safe_views/api.py): the proposal of a dataset's view from
// its columns' domains, the row filter's check, the masked sample, create, and an existing view's state, versions,
// review and archive. Writes go through the workspace's `call` (Superset's CSRF token, errors as ApiError).

import { call } from '../workspace/client';

export const SAFE_VIEWS_URL = '/api/v1/dataset_review/safe_views';

export type Operator = 'null' | 'hash' | 'mask' | 'generalize';
export const OPERATORS: readonly Operator[] = ['null', 'hash', 'mask', 'generalize'];
export type Grain = 'month' | 'year';

export interface Redaction {
  operator: Operator;
  keep_prefix?: number | null;
  keep_suffix?: number | null;
  grain?: Grain | null;
  bucket?: number | null;
}

/** A column of the base dataset as the proposal sees it: its domain, PII class, and what the proposal suggests. */
export interface ProposedColumn {
  name: string;
  type: string | null;
  domain: string | null;
  pii: string | null;
  band: string | null;
  included: boolean;
  redaction: Redaction | null;
  reason: string | null;
}

/** GET /safe_views/propose/<base_dataset_id>: result. */
export interface Proposal {
  name: string;
  columns: ProposedColumn[];
  /** Whether the dataset's columns have domains (without them nothing is proposed as personal). */
  domained: boolean;
}

/** The body of POST /safe_views/, /preview and PUT (ViewDefinitionSchema). */
export interface ViewDefinition {
  base_dataset_id: number;
  name: string;
  columns: string[];
  row_filter: string | null;
  redactions: Record<string, Redaction>;
}

export type FilterCheck = { valid: true; sql: string };

/** A 422 on a definition or a filter: which field, and where in the filter. */
export interface DefinitionError {
  message: string;
  error_code?: string;
  field?: string;
  position?: number;
  fragment?: string;
}

export interface PreviewSample {
  columns: string[];
  masked: unknown[][];
  /** Only for users allowed to see the base dataset's values. */
  original: unknown[][] | null;
  row_limit: number;
}

export interface Created {
  id: number;
  dataset_id: number;
  sql: string;
  version: number;
}

export type ViewState = 'fresh' | 'stale' | 'archived';

export interface StaleReason {
  added?: string[];
  removed?: string[];
  retyped?: Array<string | { name?: string; column?: string; old?: string; new?: string; [k: string]: unknown }>;
}

export interface ViewSummary {
  id: number;
  name: string;
  base_dataset_id: number;
  dataset_id: number | null;
  version: number;
  state: ViewState | string;
  stale_reason: StaleReason | null;
  changed_on: string;
  explore_url: string | null;
}

export interface ViewDetail extends ViewSummary {
  definition: ViewDefinition;
  sql: string;
  removed?: unknown;
  redacted?: unknown;
  [other: string]: unknown;
}

export interface ViewVersion {
  version: number;
  content_hash?: string;
  definition?: ViewDefinition;
  sql?: string;
  author_id?: number | null;
  author?: string | null;
  note?: string | null;
  created_on?: string;
  [other: string]: unknown;
}

const at = (id: number, rest = '') => `${SAFE_VIEWS_URL}/${id}${rest}`;

export const safeViewsApi = {
  propose: async (baseDatasetId: number) =>
    (await call<{ result: Proposal }>('GET', `${SAFE_VIEWS_URL}/propose/${baseDatasetId}`)).result,
  validateFilter: (baseDatasetId: number, rowFilter: string) =>
    call<FilterCheck>('POST', `${SAFE_VIEWS_URL}/validate_filter`, { base_dataset_id: baseDatasetId, row_filter: rowFilter }),
  preview: (definition: ViewDefinition) => call<PreviewSample>('POST', `${SAFE_VIEWS_URL}/preview`, definition),
  create: (definition: ViewDefinition) => call<Created>('POST', `${SAFE_VIEWS_URL}/`, definition),
  list: (baseDatasetId: number) =>
    call<{ result: ViewSummary[]; count: number }>('GET', `${SAFE_VIEWS_URL}/?base_dataset_id=${baseDatasetId}`),
  get: async (id: number) => (await call<{ result: ViewDetail }>('GET', at(id))).result,
  update: (id: number, definition: ViewDefinition, version: number) =>
    call<Created>('PUT', at(id), { ...definition, version }),
  review: (id: number, version: number, definition?: ViewDefinition) =>
    call<unknown>('POST', at(id, '/review'), definition ? { version, definition } : { version }),
  archive: (id: number) => call<unknown>('POST', at(id, '/archive'), {}),
  versions: (id: number) => call<{ result: ViewVersion[]; count?: number }>('GET', at(id, '/versions')),
};

/** Explore on a Superset dataset: the view's own explore_url when the API gave one. */
export function exploreUrl(datasetId: number, given?: string | null): string {
  return given || `/explore/?datasource_type=table&datasource_id=${datasetId}`;
}

/** One row of the builder's column table: the proposal's column with the author's choice. */
export interface ColumnChoice extends ProposedColumn {
  /** The column is in the view. */
  included: boolean;
  /** The redaction chosen; null keeps the values as they are. */
  redaction: Redaction | null;
}

export function choicesFrom(proposal: Proposal, definition?: ViewDefinition | null): ColumnChoice[] {
  if (!definition) return proposal.columns.map((column) => ({ ...column }));
  const kept = new Set(definition.columns);
  return proposal.columns.map((column) => ({
    ...column,
    included: kept.has(column.name),
    redaction: definition.redactions[column.name] ?? null,
  }));
}

/** Only what the chosen operator takes: a mask its kept characters, a generalization its grain or bucket. */
export function cleanRedaction(redaction: Redaction): Redaction {
  if (redaction.operator === 'mask') {
    return { operator: 'mask', keep_prefix: redaction.keep_prefix ?? 0, keep_suffix: redaction.keep_suffix ?? 0 };
  }
  if (redaction.operator === 'generalize') {
    return redaction.bucket != null ? { operator: 'generalize', bucket: redaction.bucket } : { operator: 'generalize', grain: redaction.grain ?? 'month' };
  }
  return { operator: redaction.operator };
}

/** The definition the builder's choices make (the order of the base dataset's columns). */
export function definitionOf(baseDatasetId: number, name: string, choices: ColumnChoice[], rowFilter: string): ViewDefinition {
  const included = choices.filter((choice) => choice.included);
  const redactions: Record<string, Redaction> = {};
  for (const choice of included) if (choice.redaction) redactions[choice.name] = cleanRedaction(choice.redaction);
  return {
    base_dataset_id: baseDatasetId,
    name: name.trim(),
    columns: included.map((choice) => choice.name),
    row_filter: rowFilter.trim() ? rowFilter : null,
    redactions,
  };
}

/** How many columns the view keeps as they are, redacts, and leaves out. */
export function columnCounts(choices: ColumnChoice[]): { kept: number; redacted: number; removed: number } {
  let kept = 0;
  let redacted = 0;
  let removed = 0;
  for (const choice of choices) {
    if (!choice.included) removed += 1;
    else if (choice.redaction) redacted += 1;
    else kept += 1;
  }
  return { kept, redacted, removed };
}

/** Where in the filter's text an error points: [start, end) of the fragment nearest the position, or one character
 * at the position (0-based, clamped to the text) when the fragment is not found. */
export function errorRange(text: string, position?: number | null, fragment?: string | null): [number, number] | null {
  if (position == null && !fragment) return null;
  const at = Math.max(0, Math.min(text.length, Math.trunc(position ?? 0)));
  if (fragment) {
    let best = -1;
    for (let index = text.indexOf(fragment); index >= 0; index = text.indexOf(fragment, index + 1)) {
      if (best < 0 || Math.abs(index - at) < Math.abs(best - at)) best = index;
    }
    if (best >= 0) return [best, best + fragment.length];
  }
  if (!text.length) return [0, 0];
  const start = Math.min(at, text.length - 1);
  return [start, start + 1];
}

/** The kind of a column's database type, for the redactions that fit it. */
export function typeKind(type: string | null | undefined): 'text' | 'number' | 'date' | 'other' {
  const value = (type ?? '').toUpperCase();
  if (/DATE|TIME/.test(value)) return 'date';
  if (/INT|NUMERIC|DECIMAL|FLOAT|DOUBLE|REAL|NUMBER|SERIAL|MONEY/.test(value)) return 'number';
  if (/CHAR|TEXT|STRING|CLOB|UUID|JSON/.test(value)) return 'text';
  return 'other';
}
