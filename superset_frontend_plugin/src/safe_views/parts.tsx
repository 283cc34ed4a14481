// The pieces of the AI-safe view builder that only show or pick: the redaction chooser, the filter with its error
// marked, the masked sample beside the original, the chart of kept / redacted / removed columns.

import { Empty, InputNumber, Select, Space, Table, Tag, Typography } from 'antd';
import { t, type MessageKey } from '../i18n';
import { errorRange, typeKind, type Grain, type Operator, type PreviewSample, type Redaction } from './client';

const NONE = 'none';

export function operatorLabel(operator: Operator | typeof NONE): string {
  return t(`views.op.${operator}` as MessageKey);
}

/** The redaction of one column: as it is, NULL, hash, mask (with the characters kept at either end) or generalize (a
 * date to its month or year, a number to a bucket). */
export function RedactionChooser({ column, type, value, onChange, disabled = false }: {
  column: string; type: string | null; value: Redaction | null; onChange: (value: Redaction | null) => void; disabled?: boolean;
}) {
  const kind = typeKind(type);
  const operators: Array<Operator | typeof NONE> = [NONE, 'null', 'hash', 'mask', 'generalize'];
  const choose = (operator: Operator | typeof NONE) => {
    if (operator === NONE) onChange(null);
    else if (operator === 'mask') onChange({ operator, keep_prefix: 1, keep_suffix: 0 });
    else if (operator === 'generalize') onChange(kind === 'number' ? { operator, bucket: 10 } : { operator, grain: 'month' });
    else onChange({ operator });
  };
  return (
    <Space size={4} wrap>
      <Select<Operator | typeof NONE> size="small" style={{ width: 130 }} value={value?.operator ?? NONE} disabled={disabled}
        onChange={choose} aria-label={t('views.redactionOf', { column })}
        options={operators.map((operator) => ({ value: operator, label: operatorLabel(operator) }))} />
      {value?.operator === 'mask' && (
        <>
          <InputNumber size="small" min={0} max={64} precision={0} style={{ width: 96 }} value={value.keep_prefix ?? 0}
            disabled={disabled} aria-label={t('views.keepPrefixOf', { column })} prefix={t('views.keepPrefix')}
            onChange={(keep) => onChange({ ...value, keep_prefix: keep ?? 0 })} />
          <InputNumber size="small" min={0} max={64} precision={0} style={{ width: 96 }} value={value.keep_suffix ?? 0}
            disabled={disabled} aria-label={t('views.keepSuffixOf', { column })} prefix={t('views.keepSuffix')}
            onChange={(keep) => onChange({ ...value, keep_suffix: keep ?? 0 })} />
        </>
      )}
      {value?.operator === 'generalize' && (value.bucket != null || kind === 'number') && (
        <InputNumber size="small" min={0.000001} style={{ width: 140 }} value={value.bucket ?? 10} disabled={disabled}
          prefix={t('views.bucket')} aria-label={t('views.bucketOf', { column })}
          onChange={(bucket) => onChange({ operator: 'generalize', bucket: bucket ?? 10 })} />
      )}
      {value?.operator === 'generalize' && value.bucket == null && kind !== 'number' && (
        <Select<Grain> size="small" style={{ width: 110 }} value={value.grain ?? 'month'} disabled={disabled}
          aria-label={t('views.grainOf', { column })} onChange={(grain) => onChange({ operator: 'generalize', grain })}
          options={[{ value: 'month', label: t('views.grain.month') }, { value: 'year', label: t('views.grain.year') }]} />
      )}
    </Space>
  );  // prettier-ignore
}

/** The filter's text with the part an error points at marked (shown under the box). */
export function MarkedFilter({ text, position, fragment }: { text: string; position?: number | null | undefined; fragment?: string | null | undefined }) {
  const range = errorRange(text, position, fragment);
  if (!range) return null;
  const [start, end] = range;
  return (
    <pre data-testid="filter-mark" aria-label={t('views.filterMarked')}
      style={{ margin: 0, padding: 8, background: '#F7F7F7', border: '1px solid #E0E0E0', borderRadius: 4, whiteSpace: 'pre-wrap',
        wordBreak: 'break-all', fontSize: 13 }}>
      {text.slice(0, start)}
      <mark style={{ background: '#FDECEE', color: '#A0182B', outline: '1px solid #A0182B', fontWeight: 600 }}>
        {text.slice(start, end) || ' '}
      </mark>
      {text.slice(end)}
    </pre>
  );  // prettier-ignore
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function SampleTable({ columns, rows, label }: { columns: string[]; rows: unknown[][]; label: string }) {
  return (
    <Table<{ key: number; row: unknown[] }> size="small" pagination={false} scroll={{ x: 'max-content' }} aria-label={label}
      dataSource={rows.map((row, key) => ({ key, row }))} locale={{ emptyText: t('views.sampleEmpty') }}
      columns={columns.map((name, index) => ({
        title: name, key: name, render: (_: unknown, { row }) => {
          const value = row[index];
          return value === null || value === undefined
            ? <Typography.Text type="secondary">NULL</Typography.Text> : <span>{cell(value)}</span>;
        },
      }))} />
  );  // prettier-ignore
}

/** The masked sample (what an LLM would read through the view) beside the original rows, when the API sent them. */
export function SamplePanel({ sample }: { sample: PreviewSample }) {
  return (
    <div style={{ display: 'grid', gridTemplateColumns: sample.original ? 'minmax(0, 1fr) minmax(0, 1fr)' : 'minmax(0, 1fr)', gap: 16 }}>
      <section aria-label={t('views.masked')} data-testid="sample-masked" style={{ minWidth: 0 }}>
        <Typography.Title level={5} style={{ marginTop: 0 }}>{t('views.masked')}</Typography.Title>
        <SampleTable columns={sample.columns} rows={sample.masked} label={t('views.masked')} />
      </section>
      {sample.original ? (
        <section aria-label={t('views.original')} data-testid="sample-original" style={{ minWidth: 0 }}>
          <Typography.Title level={5} style={{ marginTop: 0 }}>{t('views.original')}</Typography.Title>
          <SampleTable columns={sample.columns} rows={sample.original} label={t('views.original')} />
        </section>
      ) : (
        <Typography.Text type="secondary">{t('views.originalHidden')}</Typography.Text>
      )}
      <Typography.Text type="secondary" style={{ gridColumn: '1 / -1' }}>{t('views.sampleRows', { count: sample.row_limit })}</Typography.Text>
    </div>
  );  // prettier-ignore
}

const PARTS = [
  { key: 'kept', colour: '#1E6B3A' },
  { key: 'redacted', colour: '#7A4A00' },
  { key: 'removed', colour: '#A0182B' },
] as const;

/** One bar, split into the columns kept as they are, redacted and left out; the numbers are in its legend too. */
export function ColumnsChart({ counts }: { counts: { kept: number; redacted: number; removed: number } }) {
  const total = counts.kept + counts.redacted + counts.removed;
  if (!total) return <Empty description={t('views.noColumns')} />;
  const width = 360;
  let x = 0;
  return (
    <figure style={{ margin: 0 }}>
      <svg role="img" aria-labelledby="columns-chart-title" viewBox={`0 0 ${width} 28`} width={width} height={28}
        style={{ maxWidth: '100%', height: 'auto' }}>
        <title id="columns-chart-title">
          {t('views.chart', { kept: counts.kept, redacted: counts.redacted, removed: counts.removed })}
        </title>
        {PARTS.map(({ key, colour }) => {
          const w = (counts[key] / total) * width;
          const rect = <rect key={key} data-testid={`bar-${key}`} data-count={counts[key]} x={x} y={0} width={w} height={28} fill={colour} />;
          x += w;
          return rect;
        })}
      </svg>
      <figcaption>
        <Space wrap size={4}>
          {PARTS.map(({ key, colour }) => (
            <Tag key={key} color={colour} style={{ color: '#fff' }} data-testid={`count-${key}`}>
              {t(`views.count.${key}`, { count: counts[key] })}
            </Tag>
          ))}
        </Space>
      </figcaption>
    </figure>
  );  // prettier-ignore
}

const STATE_COLOURS: Record<string, string> = { fresh: '#1E6B3A', stale: '#7A4A00', archived: '#5B5B5B' };

export function ViewStateTag({ state }: { state: string }) {
  const key = `views.state.${state}` as MessageKey;
  return (
    <Tag color={STATE_COLOURS[state] ?? '#5B5B5B'} style={{ color: '#fff' }} data-state={state}>
      {state in STATE_COLOURS ? t(key) : state}
    </Tag>
  );
}
