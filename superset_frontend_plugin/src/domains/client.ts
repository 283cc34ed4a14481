// Typed access to the business-domain APIs: the catalog, its staged deltas, promotion and the threshold profile
// (superset_review/domains/api.py, DomainCatalogRestApi) and the domains of one dataset (DatasetDomainsRestApi).
// Writes go through the workspace's `call`, which carries Superset's CSRF token and turns errors into ApiError.

import { call, type Task } from '../workspace/client';

export const DOMAINS_URL = '/api/v1/dataset_review/domains';

/** high: assigned; borderline: a question and a staged delta; low: unknown; empty: no value to judge. */
export type Band = 'high' | 'borderline' | 'low' | 'empty';
export const BANDS: readonly Band[] = ['high', 'borderline', 'low', 'empty'];

export type AssignmentStatus = 'proposed' | 'accepted' | 'overridden' | 'unknown';

/** The parts of a verdict's score (ColumnDomain's evidence["score"]). */
export interface ScoreParts {
  name_sim: number;
  regex_strength: number;
  value_sim: number;
  unit_compat: number;
  context: number;
}

/** What the classifier saw in a column (superset_review/domains/classify.py, masked by the server). */
export interface Evidence {
  header_tokens?: string[];
  rows?: number;
  non_empty?: number;
  sampled?: number;
  unit_cues?: Record<string, string>;
  ruled_out_by_negatives?: string[];
  candidates?: Array<{ domain: string; score: number }>;
  name_hint?: { domain: string; alias: string; pii: string | null };
  empty?: boolean;
  ambiguous_with?: string;
  score?: ScoreParts;
  name?: { alias: string };
  regexes?: Array<{ pattern: string; matched: number }>;
  /** Sample values as the policy lets them out (masked, capped). */
  samples?: string[];
  [other: string]: unknown;
}

/** The domain of one column of a dataset, as stored (ColumnAssignmentSchema in domains/dataset_schemas.py). */
export interface ColumnAssignment {
  column: string;
  domain: string | null;
  confidence: number;
  band: Band;
  pii: string | null;
  status: AssignmentStatus;
  evidence: Evidence | null;
  catalog_version?: number | null;
  catalog_hash?: string;
  profile_id?: string;
  decided_by?: number | null;
  decided_on?: string | null;
}

/** A column of the Superset dataset, and its assignment once domaining has seen it (DatasetColumnDomainSchema). */
export interface DatasetColumnDomain {
  column_name: string;
  type: string | null;
  is_dttm?: boolean | null;
  written_back?: Record<string, unknown> | null;
  assignment: ColumnAssignment | null;
}

/** GET /api/v1/dataset_review/domains/datasets/<id> (DatasetDomainsSchema). */
export interface DatasetDomains {
  dataset_id: number;
  dataset_name?: string;
  database_id?: number | null;
  catalog?: { version: number | null; content_hash: string; profile_id: string };
  columns: DatasetColumnDomain[];
  /** Domaining tasks of this dataset, newest first (the task model's TaskSchema). */
  tasks?: Task[];
}

/** One domain of the catalog (Domain.to_json()). */
export interface CatalogDomain {
  name: string;
  parent: string | null;
  abstract: boolean;
  description: string;
  aliases: Record<string, string[]>;
  negatives?: string[];
  regexes?: Array<{ pattern: string; weight: number }>;
  units?: string[];
  examples?: string[];
  pii: string | null;
  kind?: string;
}

/** The live catalog, as the page uses it. */
export interface LiveCatalogInfo {
  version: number;
  content_hash: string;
  name?: string | undefined;
  staged?: number | undefined;
  domains: CatalogDomain[];
}

/** GET /api/v1/dataset_review/domains/catalog (LiveCatalogSchema in domains/schemas.py). */
interface LiveCatalogAnswer {
  version: number;
  content_hash: string;
  staged?: number;
  catalog: { name?: string; domains?: CatalogDomain[] };
}

/** A failing check of the auto-test: a domain's examples that no longer read as it, or a negative that does. */
export interface TestFailure {
  check?: 'examples' | 'negative' | string;
  header?: string;
  got?: string | null;
  band?: string;
  confidence?: number;
  message?: string;
}

/** The auto-test of the staged catalog, as recorded on a delta (staging.py's per-change result): the delta applies
 * and its domain passes; ``catalog_passed`` says whether the whole staged catalog did. */
export interface DeltaTest {
  passed: boolean;
  applies?: boolean;
  catalog_passed?: boolean;
  failures?: TestFailure[];
  problems?: Array<{ line?: number | null; field?: string; message: string }>;
  [other: string]: unknown;
}

export interface StagedDelta {
  uuid: string;
  kind: string;
  domain: string;
  payload: Record<string, unknown>;
  state: string;
  test: DeltaTest | null;
  origin?: Record<string, unknown> | null;
  created_on?: string;
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  mean_confidence: number;
  precision: number;
  count: number;
}

export interface ThresholdProfileInfo {
  profile: Record<string, unknown> & { name?: string; tau_high?: number; tau_low?: number };
  /** Null until the calibration has measured it. */
  reliability: ReliabilityBin[] | null;
  measured_on?: unknown;
  metrics?: Record<string, unknown>;
}

export type Decision = { action: 'approve' } | { action: 'unknown' } | { action: 'override'; domain: string };

const dataset = (id: number, rest = '') => `${DOMAINS_URL}/datasets/${id}${rest}`;

export const domainsApi = {
  dataset: (id: number) => call<DatasetDomains>('GET', dataset(id)),
  classify: (id: number) => call<Task>('POST', dataset(id, '/classify'), {}),
  decide: (id: number, column: string, decision: Decision) =>
    call<{ assignment: ColumnAssignment; written_back: unknown }>(
      'POST', dataset(id, `/columns/${encodeURIComponent(column)}/decision`), decision,
    ),
  catalog: async (): Promise<LiveCatalogInfo> => {
    const answer = await call<LiveCatalogAnswer>('GET', `${DOMAINS_URL}/catalog`);
    return {
      version: answer.version, content_hash: answer.content_hash, staged: answer.staged,
      name: answer.catalog?.name, domains: answer.catalog?.domains ?? [],
    };  // prettier-ignore
  },
  deltas: () => call<{ result: StagedDelta[]; count: number }>('GET', `${DOMAINS_URL}/deltas`),
  /** Auto-test the staged catalog (curators): each delta keeps its result. */
  test: () => call<{ passed: boolean }>('POST', `${DOMAINS_URL}/catalog/test`, {}),
  stage: (kind: 'add_alias' | 'add_regex', domain: string, payload: Record<string, unknown>, origin: Record<string, unknown>) =>
    call<StagedDelta>('POST', `${DOMAINS_URL}/deltas`, { kind, domain, payload, origin }),
  promote: (expectedVersion: number) =>
    call<{ version: number; content_hash: string }>('POST', `${DOMAINS_URL}/catalog/promote`, { expected_version: expectedVersion }),
  profile: () => call<ThresholdProfileInfo>('GET', `${DOMAINS_URL}/profile`),
};

/** Why Promote is not possible now, or null when it is: nothing staged, or a staged delta (or the staged catalog as
 * a whole) failing its auto-test. An untested delta does not block: promotion tests the staged catalog itself. */
export function promoteBlocker(deltas: StagedDelta[]): 'nothing' | 'failing' | null {
  const staged = deltas.filter((delta) => delta.state === 'staged');
  if (!staged.length) return 'nothing';
  if (staged.some((delta) => delta.test && (!delta.test.passed || delta.test.catalog_passed === false))) return 'failing';
  return null;
}

/** The domains that match a search: by name, description or any alias, in any language (case-insensitive). */
export function searchDomains(domains: CatalogDomain[], query: string): CatalogDomain[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return domains;
  return domains.filter(
    (domain) =>
      domain.name.toLowerCase().includes(needle) ||
      domain.description.toLowerCase().includes(needle) ||
      Object.values(domain.aliases ?? {}).some((phrases) => phrases.some((phrase) => phrase.toLowerCase().includes(needle))),
  );
}
