// The quality report as the page shows it, read from GET /runs/<id>/analysis. The report is the analysis stage's
// document (superset_review/onboarding/analysis/report.py, report_version 1: consistency, coverage, feasibility,
// data {nulls, duplicates, sanity, cross_field, distribution}, anomalies with their fix, notes): this module is the
// one place that knows its fields, and reads them defensively (a field it does not know is left out, never guessed),
// so the page never breaks on a report.

export interface ColumnQuality {
  name: string;
  nullRate: number | null;
  psi: number | null;
  ks: number | null;
  flagged: boolean;
}

export interface Feasibility {
  strategies: string[];
  rows: Array<{ target: string; cells: Record<string, string> }>;
}

export interface Anomaly {
  id: string;
  kind: string;
  column: string | null;
  message: string;
  severity: string;
  fix: { id: string; label: string } | null;
}

export interface Consistency {
  target: string;
  outputType: string | null;
  targetType: string | null;
  consistent: boolean;
}

export interface ReportView {
  mode: string | null;
  consistency: Consistency[];
  coverage: { mapped: number | null; total: number | null; rate: number | null } | null;
  duplicates: { key: string | null; rate: number | null; count: number | null } | null;
  columns: ColumnQuality[];
  feasibility: Feasibility;
  anomalies: Anomaly[];
  notes: string[];
  thresholds: { nullRateMax: number | null; psiMax: number | null; ksMax: number | null };
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function firstNumber(record: Json, ...keys: string[]): number | null {
  for (const key of keys) {
    const value = num(record[key]);
    if (value !== null) return value;
  }
  return null;
}

/** Per-column entries: a list of objects, or an object keyed by column name. */
function entries(value: unknown): Json[] {
  if (Array.isArray(value)) return value.filter(isRecord);
  if (isRecord(value)) return Object.entries(value).filter(([, v]) => isRecord(v)).map(([name, v]) => ({ name, ...(v as Json) }));
  return [];
}

function columnsOf(report: Json, thresholds: ReportView['thresholds']): ColumnQuality[] {
  const byName = new Map<string, ColumnQuality>();
  const take = (source: unknown) => {
    for (const entry of entries(source)) {
      const name = str(entry.name) ?? str(entry.column) ?? str(entry.target);
      if (!name) continue;
      const known = byName.get(name) ?? { name, nullRate: null, psi: null, ks: null, flagged: false };
      known.nullRate ??= firstNumber(entry, 'null_rate', 'nulls', 'null_fraction');
      known.psi ??= firstNumber(entry, 'psi');
      known.ks ??= firstNumber(entry, 'ks', 'ks_statistic');
      if (entry.over === true) known.flagged = true;
      const drift = isRecord(entry.drift) ? entry.drift : null;
      if (drift) {
        known.psi ??= firstNumber(drift, 'psi');
        known.ks ??= firstNumber(drift, 'ks', 'ks_statistic');
      }
      byName.set(name, known);
    }
  };
  const data = isRecord(report.data) ? report.data : {};
  const distribution = isRecord(data.distribution) ? data.distribution.columns : data.distribution;
  for (const source of [report.columns, report.nulls, report.null_rates, report.drift, data.nulls, distribution]) take(source);
  for (const column of byName.values()) {
    column.flagged ||=
      (thresholds.nullRateMax !== null && column.nullRate !== null && column.nullRate > thresholds.nullRateMax) ||
      (thresholds.psiMax !== null && column.psi !== null && column.psi > thresholds.psiMax) ||
      (thresholds.ksMax !== null && column.ks !== null && column.ks > thresholds.ksMax);
  }
  return [...byName.values()];
}

function feasibilityOf(value: unknown): Feasibility {
  // Either {strategies, rows: [{target, cells|<strategy>: state}]} or [{target, strategy, state|feasible}].
  const strategies = new Set<string>();
  const rows = new Map<string, Record<string, string>>();
  const cellText = (cell: unknown): string =>
    cell === null || cell === undefined ? '' :
    typeof cell === 'boolean' ? (cell ? 'feasible' : 'needs_fix') : str(cell) ?? (isRecord(cell) ? str(cell.state) ?? str(cell.status) ?? '' : '');
  const source = isRecord(value) ? list(value.rows ?? value.targets ?? value.matrix) : list(value);
  if (isRecord(value)) for (const strategy of list(value.strategies)) if (typeof strategy === 'string') strategies.add(strategy);
  for (const entry of source.filter(isRecord)) {
    const target = str(entry.target) ?? str(entry.column);
    if (!target) continue;
    const cells = rows.get(target) ?? {};
    const strategy = str(entry.strategy);
    if (strategy) {
      strategies.add(strategy);
      cells[strategy] = cellText(entry.state ?? entry.status ?? entry.feasible);
    }
    const given = isRecord(entry.cells) ? entry.cells : null;
    for (const [key, cell] of Object.entries(given ?? {})) {
      strategies.add(key);
      cells[key] = cellText(cell);
    }
    rows.set(target, cells);
  }
  return { strategies: [...strategies], rows: [...rows].map(([target, cells]) => ({ target, cells })) };
}

function anomaliesOf(value: unknown, fixes: unknown): Anomaly[] {
  const fixById = new Map<string, Json>();
  for (const fix of entries(fixes)) {
    const id = str(fix.id) ?? str(fix.fix_id) ?? str(fix.name);
    if (id) fixById.set(id, fix);
  }
  return entries(value).map((entry, index) => {
    const given = isRecord(entry.fix) ? entry.fix : isRecord(entry.recommended_fix) ? entry.recommended_fix : null;
    const fixId = str(given?.id) ?? str(given?.fix_id) ?? str(entry.fix_id);
    const fix = given ?? (fixId ? fixById.get(fixId) ?? null : null);
    const label = fix ? str(fix.description) ?? str(fix.label) ?? str(fix.message) ?? str(fix.summary) ?? fixId ?? '' : '';
    return {
      id: str(entry.id) ?? `anomaly-${index}`,
      kind: str(entry.kind) ?? str(entry.code) ?? str(entry.rule) ?? '',
      column: str(entry.target) ?? str(entry.column) ?? null,
      message: str(entry.message) ?? str(entry.description) ?? '',
      severity: str(entry.severity) ?? 'warning',
      fix: fixId ? { id: fixId, label } : null,
    };
  });
}

function ratio(value: unknown): ReportView['coverage'] {
  if (typeof value === 'number') return { mapped: null, total: null, rate: value };
  if (!isRecord(value)) return null;
  const mapped = firstNumber(value, 'mapped', 'covered', 'with_mapping');
  const total = firstNumber(value, 'total', 'targets', 'target_columns');
  const rate = firstNumber(value, 'rate', 'share', 'ratio', 'fraction') ?? (mapped !== null && total ? mapped / total : null);
  return { mapped, total, rate };
}

/** The report the page shows; null when the answer is not a report at all. */
export function reportView(value: unknown): ReportView | null {
  if (!isRecord(value)) return null;
  const report = isRecord(value.body) ? value.body : value;
  const limits = isRecord(report.thresholds) ? report.thresholds : {};
  const thresholds = {
    nullRateMax: firstNumber(limits, 'null_rate_max'),
    psiMax: firstNumber(limits, 'psi_max'),
    ksMax: firstNumber(limits, 'ks_max'),
  };
  const data = isRecord(report.data) ? report.data : {};
  // Per key column (the report's data.duplicates): the worst one stands for the run.
  const perKey = entries(data.duplicates).map((row) => ({ key: str(row.target) ?? str(row.column), rate: firstNumber(row, 'duplicate_rate', 'rate') }));
  const worst = perKey.sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0))[0];
  const dup = report.duplicates ?? report.duplicate_keys;
  const duplicates = worst ? { key: worst.key, rate: worst.rate, count: null } : isRecord(dup)
    ? { key: str(dup.key) ?? (Array.isArray(dup.key) ? dup.key.join(', ') : null), rate: firstNumber(dup, 'rate', 'dup_key_rate'), count: firstNumber(dup, 'count', 'duplicates') }
    : typeof dup === 'number' ? { key: null, rate: dup, count: null } : null;  // prettier-ignore
  const coverageSource = report.coverage ?? (isRecord(report.domain_coverage) ? report.domain_coverage : undefined);
  const consistency = entries(report.consistency).flatMap((row) => {
    const name = str(row.target);
    return name ? [{ target: name, outputType: str(row.output_type), targetType: str(row.target_dtype), consistent: row.consistent === true }] : [];
  });
  return {
    mode: str(report.mode),
    consistency,
    coverage: ratio(coverageSource),
    duplicates,
    columns: columnsOf(report, thresholds),
    feasibility: feasibilityOf(report.feasibility ?? report.feasibility_matrix),
    anomalies: anomaliesOf(report.anomalies, report.fixes),
    notes: list(report.notes).filter((note): note is string => typeof note === 'string'),
    thresholds,
  };
}
