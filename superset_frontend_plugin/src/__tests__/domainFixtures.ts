import type {
  ColumnAssignment, DatasetDomains, LiveCatalogInfo, StagedDelta, ThresholdProfileInfo,
} from '../domains/client';

export const emailColumn: ColumnAssignment = {
  column: 'customer_email',
  domain: 'contact.email',
  confidence: 0.93,
  band: 'high',
  pii: 'EMAIL',
  status: 'proposed',
  evidence: {
    header_tokens: ['customer', 'email'],
    rows: 2823,
    non_empty: 2800,
    sampled: 200,
    name: { alias: 'email' },
    score: { name_sim: 1, regex_strength: 0.98, value_sim: 0.4, unit_compat: 0, context: 1 },
    regexes: [{ pattern: '[^@\\s]+@[^@\\s]+\\.[a-z]{2,}', matched: 196 }],
    candidates: [{ domain: 'contact.email', score: 0.93 }, { domain: 'web.url', score: 0.21 }],
    samples: ['j***@e*****.com', 'm***@m***.ru'],
  },
};

export const weightColumn: ColumnAssignment = {
  column: 'weight_kg',
  domain: 'measure.weight',
  confidence: 0.61,
  band: 'borderline',
  pii: null,
  status: 'proposed',
  evidence: { header_tokens: ['weight', 'kg'], rows: 10, non_empty: 10, sampled: 10, unit_cues: { kg: 'mass' }, ambiguous_with: 'money.amount' },
};

export const emptyColumn: ColumnAssignment = {
  column: 'email_backup',
  domain: null,
  confidence: 0,
  band: 'empty',
  pii: null,
  status: 'proposed',
  evidence: { header_tokens: ['email', 'backup'], rows: 10, non_empty: 0, sampled: 0, empty: true,
    name_hint: { domain: 'contact.email', alias: 'email', pii: 'EMAIL' } },  // prettier-ignore
};

export const lowColumn: ColumnAssignment = {
  column: 'x7',
  domain: null,
  confidence: 0.12,
  band: 'low',
  pii: null,
  status: 'unknown',
  evidence: { header_tokens: ['x7'], rows: 10, non_empty: 10, sampled: 10 },
};

const columnOf = (assignment: ColumnAssignment, type = 'VARCHAR') => ({ column_name: assignment.column, type, assignment });

export const datasetDomains: DatasetDomains = {
  dataset_id: 3,
  dataset_name: 'customers',
  database_id: 1,
  catalog: { version: 4, content_hash: '3f2a9c1be4d0', profile_id: 'tp_default_v1' },
  columns: [
    columnOf(emailColumn), columnOf(weightColumn, 'DOUBLE PRECISION'), columnOf(emptyColumn), columnOf(lowColumn),
    { column_name: 'notes', type: 'TEXT', assignment: null },
  ],
  tasks: [],
};  // prettier-ignore

export const catalog: LiveCatalogInfo = {
  version: 4,
  content_hash: '3f2a9c1be4d07a55aa00000000000000000000000000000000000000000000ff',
  name: 'builtin',
  domains: [
    { name: 'contact', parent: null, abstract: true, description: 'Ways to reach someone.', aliases: { en: ['contact'] }, pii: null },
    { name: 'contact.email', parent: 'contact', abstract: false, description: 'An e-mail address.',
      aliases: { en: ['email', 'e-mail'], ru: ['почта', 'электронная почта'] }, pii: 'EMAIL' },
    { name: 'measure.weight', parent: 'measure', abstract: false, description: 'A mass.', aliases: { en: ['weight'], ru: ['вес'] }, pii: null },
    { name: 'money.amount', parent: 'money', abstract: false, description: 'An amount of money.', aliases: { en: ['amount', 'price'], ru: ['сумма'] }, pii: null },
  ],
};  // prettier-ignore

export const passingDelta: StagedDelta = {
  uuid: 'd-11', kind: 'add_alias', domain: 'contact.email', payload: { alias: 'mail_addr', language: 'en' }, state: 'staged',
  test: { passed: true, applies: true, catalog_passed: true, failures: [] }, origin: { dataset_id: 3, column: 'mail_addr' },
};  // prettier-ignore

export const failingDelta: StagedDelta = {
  uuid: 'd-12', kind: 'add_regex', domain: 'money.amount', payload: { regex: '\\d+' }, state: 'staged',
  test: { passed: false, applies: true, catalog_passed: false,
    failures: [{ check: 'negative', header: 'order id', got: 'money.amount', band: 'high', confidence: 0.8 }] },
};  // prettier-ignore

export const profile: ThresholdProfileInfo = {
  profile: { name: 'tp_default_v1', version: 1, tau_high: 0.75, tau_low: 0.45 },
  reliability: [
    { lo: 0.4, hi: 0.6, mean_confidence: 0.52, precision: 0.48, count: 40 },
    { lo: 0.6, hi: 0.8, mean_confidence: 0.71, precision: 0.76, count: 120 },
    { lo: 0.8, hi: 1.0, mean_confidence: 0.9, precision: 0.97, count: 400 },
    { lo: 0.0, hi: 0.2, mean_confidence: 0.1, precision: 0, count: 0 },
  ],
  measured_on: ['dev'],
  metrics: { macro_f1: 0.91 },
};
