// The pieces of the onboarding pages that show or edit one thing: the stage stepper, the catalog and the Sample Pack,
// the hashes, the DSL chips and an operation's parameters, the compiled SQL and Polars, the outcome counters and
// examples, the quality chart, the feasibility matrix, the anomalies and the ledger. Values from the server are
// shown as text, never as markup.

import {
  Alert, Button, Descriptions, Empty, Input, InputNumber, Select, Space, Steps, Table, Tabs, Tag, Tooltip, Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { hasMessage, t, type MessageKey } from '../i18n';
import { bandLabel, PiiTag } from '../domains/parts';
import { SqlBlock } from '../workspace/parts';
import {
  STAGES, countOf, stageGate, type Catalog, type CatalogColumn, type Compiled, type Mapping, type Op, type Pipeline,
  type Run, type RunEvent, type SamplePack, type Stage,
} from './client';
import { OP_PARAMS, chipText, isOpName, moveOp, removeOp, setParam, addOp, type ParamSpec } from './dsl';
import { OP_NAMES } from './client';
import type { Anomaly, ColumnQuality, Feasibility } from './report';

export const COLOURS = { green: '#1E6B3A', amber: '#7A4A00', red: '#A0182B', teal: '#156378', grey: '#5B5B5B' } as const;

/** A label of a server value with a translation when there is one, the value (underscores as spaces) otherwise. */
export function known(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return hasMessage(key) ? t(key) : value.replace(/_/g, ' ');
}

const STATE_COLOURS: Record<string, string> = {
  pending: COLOURS.grey, running: COLOURS.teal, passed: COLOURS.green, held: COLOURS.amber, failed: COLOURS.red,
  created: COLOURS.grey, stopped: COLOURS.amber, completed: COLOURS.green,
};  // prettier-ignore

/** A run's or a stage's state in words and colour (white text on colours dark enough for WCAG AA). */
export function StateTag({ state }: { state: string }) {
  return (
    <Tag color={STATE_COLOURS[state] ?? COLOURS.grey} style={{ color: '#fff' }} data-state={state}>
      {known('onb.state', state)}
    </Tag>
  );
}

const STEP_STATUS: Record<string, 'wait' | 'process' | 'finish' | 'error'> = {
  pending: 'wait', running: 'process', passed: 'finish', held: 'process', failed: 'error',
};  // prettier-ignore

/** Ingest → Domains → Mapping → Analysis, each with its state; the next stage whose gate is open has its Run button. */
export function StageStepper({ run, busy, onStart }: { run: Run; busy: Stage | null; onStart: (stage: Stage) => void }) {
  const next = STAGES.find((stage) => stageGate(run, stage).canStart) ?? null;
  const current = Math.max(0, STAGES.findIndex((stage) => (run.stages[stage]?.state ?? 'pending') !== 'passed'));
  return (
    <nav aria-label={t('onb.stages')}>
      <Steps size="small" current={current === -1 ? STAGES.length : current} items={STAGES.map((stage) => {
        const gate = stageGate(run, stage);
        const info = run.stages[stage];
        const error = info?.error ? (typeof info.error === 'string' ? info.error : info.error.message ?? info.error.code ?? '') : '';
        return {
          title: t(`onb.stage.${stage}` as MessageKey),
          status: STEP_STATUS[gate.state] ?? 'wait',
          description: (
            <Space direction="vertical" size={4} data-stage={stage} data-stage-state={gate.state}>
              <StateTag state={gate.state} />
              {error && <Typography.Text type="danger" style={{ fontSize: 12 }}>{error}</Typography.Text>}
              {stage === next && (
                <Button size="small" type="primary" loading={busy === stage} onClick={() => onStart(stage)}>
                  {t('onb.runStage', { stage: t(`onb.stage.${stage}` as MessageKey) })}
                </Button>
              )}
              {gate.blockedBy && gate.state === 'pending' && (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('onb.gated', { stage: t(`onb.stage.${gate.blockedBy}` as MessageKey) })}
                </Typography.Text>
              )}
            </Space>
          ),
        };
      })} />
    </nav>
  );  // prettier-ignore
}

/** A hash, shortened, whole in its title (and copyable as text). */
export function Hash({ value }: { value: string | null | undefined }) {
  if (!value) return <Typography.Text type="secondary">-</Typography.Text>;
  return <code title={value} data-hash={value}>{value.slice(0, 12)}</code>;
}

export function HashList({ items }: { items: Array<[string, string | null | undefined]> }) {
  return (
    <Descriptions size="small" bordered column={2} aria-label={t('onb.hashes')}>
      {items.map(([name, value]) => (
        <Descriptions.Item key={name} label={name}><Hash value={value} /></Descriptions.Item>
      ))}
    </Descriptions>
  );
}

function pct(value: number | null | undefined): string {
  return value == null ? '' : `${Math.round(value * 1000) / 10}%`;
}

/** The catalog's tables and columns: standardized and original name, dtype, nulls, distinct, domain and band, PII,
 * masked examples. */
export function CatalogView({ catalog }: { catalog: Catalog }) {
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="catalog">
      <Descriptions size="small" bordered column={3}>
        <Descriptions.Item label={t('onb.source')}>{catalog.source.name}</Descriptions.Item>
        <Descriptions.Item label={t('onb.format')}>{catalog.source.format}</Descriptions.Item>
        <Descriptions.Item label={t('onb.encoding')}>{catalog.source.encoding ?? '-'}</Descriptions.Item>
      </Descriptions>
      {catalog.tables.map((table) => (
        <section key={table.name} aria-label={t('onb.tableOf', { table: table.name })}>
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {t('onb.tableRows', { table: table.name, rows: table.row_count.toLocaleString() })}
          </Typography.Title>
          <Table<CatalogColumn> size="small" rowKey="name" dataSource={table.columns} scroll={{ x: 'max-content' }}
            pagination={{ pageSize: 25, hideOnSinglePage: true }} aria-label={t('onb.columnsOf', { table: table.name })}
            onRow={(column) => ({ 'data-column': column.name } as React.HTMLAttributes<HTMLElement>)}
            columns={[
              { title: t('onb.column'), dataIndex: 'name', render: (name: string, column) => (
                <span><Typography.Text strong>{name}</Typography.Text>
                  {column.original_name !== name && <div><Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('onb.originalName', { name: column.original_name })}</Typography.Text></div>}</span>) },
              { title: t('onb.dtype'), key: 'dtype', render: (_, c) => <span><code>{c.dtype}</code>
                <div><Typography.Text type="secondary" style={{ fontSize: 12 }}>{c.physical_type}</Typography.Text></div></span> },
              { title: t('onb.nulls'), key: 'nulls', render: (_, c) => c.null_count == null ? '' : `${c.null_count.toLocaleString()}${table.row_count ? ` (${pct(c.null_count / table.row_count)})` : ''}` },
              { title: t('onb.distinct'), dataIndex: 'distinct_estimate', render: (v: number | null) => v == null ? '' : `≈ ${v.toLocaleString()}` },
              { title: t('onb.domain'), key: 'domain', render: (_, c) => (
                <Space size={4} wrap>
                  {c.domain ? <code>{c.domain}</code> : <Typography.Text type="secondary">{t('domains.unknown')}</Typography.Text>}
                  {c.domain_band && <Tag data-band={c.domain_band}>{bandLabel(c.domain_band)}{c.domain_confidence != null ? ` · ${Math.round(c.domain_confidence * 100)}%` : ''}</Tag>}
                </Space>) },
              { title: t('onb.pii'), dataIndex: 'pii', render: (pii: string | null) => <PiiTag pii={pii} /> },
              { title: t('onb.examples'), key: 'examples', render: (_, c) => c.examples?.length
                ? <Typography.Text style={{ fontSize: 12 }}>{c.examples.slice(0, 5).join(' · ')}</Typography.Text>
                : <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('onb.noExamples')}</Typography.Text> },
            ]} />
          <HashList items={[[t('onb.schemaHash'), table.schema_hash], [t('onb.contentHash'), table.content_hash]]} />
        </section>
      ))}
      <HashList items={[[t('onb.shimHash'), catalog.shim_hash], [t('onb.contractHash'), catalog.contract_hash]]} />
    </Space>
  );  // prettier-ignore
}

function cell(value: unknown) {
  if (value === null || value === undefined) return <Typography.Text type="secondary">NULL</Typography.Text>;
  return <span>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</span>;
}

/** The Sample Pack's masked rows (at most 50 shown), how it was drawn, and its hash. */
export function SampleGrid({ sample }: { sample: SamplePack }) {
  return (
    <Space direction="vertical" size="small" style={{ width: '100%' }} data-testid="sample-pack">
      <Typography.Text>
        {t('onb.sampleDrawn', { rows: sample.row_count, seed: sample.seed, max: sample.rows_max })}
        {sample.stratified_by ? ` ${t('onb.stratifiedBy', { column: sample.stratified_by })}` : ''}
      </Typography.Text>
      <Table<{ key: number; row: unknown[] }> size="small" pagination={false} scroll={{ x: 'max-content', y: 360 }}
        aria-label={t('onb.sampleGrid')} dataSource={sample.rows.slice(0, 50).map((row, key) => ({ key, row }))}
        locale={{ emptyText: t('onb.sampleEmpty') }}
        columns={sample.columns.map((name, index) => ({ title: name, key: name, render: (_: unknown, { row }) => cell(row[index]) }))} />
      <HashList items={[[t('onb.rawSampleHash'), sample.raw_path_sha256]]} />
    </Space>
  );  // prettier-ignore
}

/** One input per parameter of an operation, labelled for screen readers with the operation's place in the pipeline. */
function ParamInput({ spec, op, index, onChange }: { spec: ParamSpec; op: Op; index: number; onChange: (value: unknown) => void }) {
  const label = t('onb.paramOf', { param: spec.name, position: index + 1, op: op.op });
  const value = op[spec.name];
  const [text, setText] = useState(() => (spec.kind === 'json' ? JSON.stringify(value ?? null) : ''));
  const [invalid, setInvalid] = useState(false);
  useEffect(() => {
    if (spec.kind === 'json') setText(JSON.stringify(value ?? null));
  }, [spec.kind, value]);
  switch (spec.kind) {
    case 'select':
      return <Select size="small" style={{ width: 140 }} aria-label={label} value={typeof value === 'string' ? value : null}
        options={(spec.options ?? []).map((option) => ({ value: option, label: option }))} onChange={(next: string) => onChange(next)} />;  // prettier-ignore
    case 'integer':
      return <InputNumber size="small" precision={0} style={{ width: 100 }} aria-label={label} value={typeof value === 'number' ? value : null}
        onChange={(next) => onChange(next == null ? (spec.optional ? undefined : 0) : next)} />;  // prettier-ignore
    case 'number':
      return <InputNumber size="small" style={{ width: 120 }} aria-label={label} value={typeof value === 'number' ? value : null}
        onChange={(next) => onChange(next ?? undefined)} />;  // prettier-ignore
    case 'operand': {
      const column = value && typeof value === 'object' ? String((value as { column?: unknown }).column ?? '') : null;
      return (
        <Space.Compact size="small">
          <Select size="small" style={{ width: 110 }} aria-label={t('onb.operandKind', { position: index + 1 })}
            value={column !== null ? 'column' : 'number'}
            options={[{ value: 'number', label: t('onb.operandNumber') }, { value: 'column', label: t('onb.operandColumn') }]}
            onChange={(kind: string) => onChange(kind === 'column' ? { column: '' } : 0)} />
          {column !== null
            ? <Input size="small" style={{ width: 140 }} aria-label={label} value={column} onChange={(e) => onChange({ column: e.target.value })} />
            : <InputNumber size="small" style={{ width: 120 }} aria-label={label} value={typeof value === 'number' ? value : null}
                onChange={(next) => onChange(next ?? undefined)} />}
        </Space.Compact>
      );  // prettier-ignore
    }
    case 'json':
      return (
        <Input.TextArea aria-label={label} value={text} rows={2} spellCheck={false} status={invalid ? 'error' : ''}
          style={{ fontFamily: 'monospace', fontSize: 12, width: 320 }} maxLength={200_000}
          onChange={(e) => {
            setText(e.target.value);
            try {
              const parsed: unknown = JSON.parse(e.target.value);
              setInvalid(false);
              onChange(parsed);
            } catch {
              setInvalid(true);
            }
          }} />
      );  // prettier-ignore
    default:
      return <Input size="small" style={{ width: 180 }} aria-label={label} value={typeof value === 'string' ? value : ''} spellCheck={false}
        onChange={(e) => onChange(e.target.value)} />;  // prettier-ignore
  }
}

/** The parameters of the selected operation, in a small form. */
export function OpForm({ op, index, onChange }: { op: Op; index: number; onChange: (name: string, value: unknown) => void }) {
  const specs = isOpName(op.op) ? OP_PARAMS[op.op] : [];
  return (
    <fieldset data-testid="op-form" style={{ border: '1px solid #E0E0E0', borderRadius: 4, padding: '8px 12px', margin: 0 }}>
      <legend style={{ fontSize: 13, width: 'auto', margin: 0, padding: '0 4px', border: 0 }}>
        {t('onb.opParams', { position: index + 1, op: op.op })}
      </legend>
      {specs.length === 0 ? <Typography.Text type="secondary">{t('onb.noParams')}</Typography.Text> : (
        <Space wrap size={12}>
          {specs.map((spec) => (
            <Space key={spec.name} size={4} align="center">
              <Typography.Text style={{ fontSize: 13 }}>{spec.name}</Typography.Text>
              <ParamInput spec={spec} op={op} index={index} onChange={(value) => onChange(spec.name, value)} />
            </Space>
          ))}
        </Space>
      )}
    </fieldset>
  );  // prettier-ignore
}

/** The pipeline as ordered chips: select one to edit its parameters, move it earlier or later, remove it, or add one
 * of the twelve operations at the end. The chip a refusal names is marked. */
export function DslChips({ pipeline, onChange, selected, onSelect, errorIndex = null, disabled = false }: {
  pipeline: Pipeline; onChange: (pipeline: Pipeline) => void; selected: number | null; onSelect: (index: number | null) => void;
  errorIndex?: number | null; disabled?: boolean;
}) {
  const count = pipeline.ops.length;
  return (
    <Space direction="vertical" size={8} style={{ width: '100%' }}>
      <ol aria-label={t('onb.pipelineOf', { target: pipeline.target })} data-testid="dsl-chips"
        style={{ display: 'flex', flexWrap: 'wrap', gap: 6, listStyle: 'none', margin: 0, padding: 0, alignItems: 'center' }}>
        <li><Tag style={{ margin: 0 }}><code>{pipeline.source}</code></Tag></li>
        {pipeline.ops.map((op, index) => {
          const isSelected = selected === index;
          const failed = errorIndex === index;
          return (
            <li key={index} data-op={op.op} data-index={index} data-error={failed ? 'true' : undefined}
              style={{ display: 'inline-flex', alignItems: 'center', border: `1px solid ${failed ? COLOURS.red : isSelected ? COLOURS.teal : '#BFBFBF'}`,
                borderRadius: 14, background: failed ? '#FDECEE' : isSelected ? '#E6F1F4' : '#FFF', padding: '0 2px' }}>
              <span aria-hidden style={{ color: COLOURS.grey, padding: '0 2px 0 6px' }}>→</span>
              <Button type="text" size="small" aria-pressed={isSelected} onClick={() => onSelect(isSelected ? null : index)}
                aria-label={t('onb.chipLabel', { position: index + 1, count, text: chipText(op) })}>
                {chipText(op)}
              </Button>
              <Button type="text" size="small" disabled={disabled || index === 0} aria-label={t('onb.moveEarlier', { position: index + 1, op: op.op })}
                onClick={() => { onChange(moveOp(pipeline, index, -1)); onSelect(index - 1); }}>‹</Button>
              <Button type="text" size="small" disabled={disabled || index === count - 1} aria-label={t('onb.moveLater', { position: index + 1, op: op.op })}
                onClick={() => { onChange(moveOp(pipeline, index, 1)); onSelect(index + 1); }}>›</Button>
              <Button type="text" size="small" disabled={disabled} aria-label={t('onb.removeOp', { position: index + 1, op: op.op })}
                onClick={() => { onChange(removeOp(pipeline, index)); onSelect(null); }}>×</Button>
            </li>
          );
        })}
        <li>
          <Select<string> size="small" style={{ width: 200 }} value={null as unknown as string} disabled={disabled}
            placeholder={t('onb.addOp')} aria-label={t('onb.addOp')}
            options={OP_NAMES.map((name) => ({ value: name, label: name }))}
            onChange={(name) => { if (isOpName(name)) { onChange(addOp(pipeline, name)); onSelect(count); } }} />
        </li>
      </ol>
      {selected !== null && pipeline.ops[selected] && (
        <OpForm op={pipeline.ops[selected] as Op} index={selected}
          onChange={(name, value) => onChange(setParam(pipeline, selected, name, value))} />
      )}
    </Space>
  );  // prettier-ignore
}

/** The pipeline compiled: PostgreSQL, DuckDB and Polars, each in its tab. */
export function CompiledTabs({ compiled, error, loading }: { compiled: Compiled | null; error: string | null; loading: boolean }) {
  if (error) return <Alert type="error" showIcon role="alert" message={t('onb.compileRefused')} description={error} data-testid="compile-error" />;
  if (!compiled) return loading ? <Typography.Text type="secondary">{t('onb.compiling')}</Typography.Text> : <Empty description={t('onb.notCompiled')} />;
  return (
    <div data-testid="compiled" aria-busy={loading}>
      <Tabs size="small" items={[
        { key: 'postgres', label: t('onb.sqlPostgres'), children: <SqlBlock sql={compiled.sql.postgres} /> },
        { key: 'duckdb', label: t('onb.sqlDuckdb'), children: <SqlBlock sql={compiled.sql.duckdb} /> },
        { key: 'polars', label: 'Polars', children: (
          <pre aria-label="Polars" tabIndex={0} style={{ background: '#F7F7F7', border: '1px solid #E0E0E0', borderRadius: 4,
            padding: 12, overflowX: 'auto', fontSize: 13, margin: 0 }}>{compiled.polars}</pre>) },
      ]} />
      {compiled.content_hash && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('onb.planHash')} <Hash value={compiled.content_hash} /></Typography.Text>}
    </div>
  );  // prettier-ignore
}

const OUTCOMES = [
  { key: 'success', colour: COLOURS.green, rate: 'success_rate' },
  { key: 'near', colour: COLOURS.amber, rate: 'near_rate' },
  { key: 'fail', colour: COLOURS.red, rate: 'fail_rate' },
] as const;

/** Success / near / fail on the Sample Pack, as counts of its rows and rates; in metadata_only, why there are none. */
export function OutcomeCounters({ mapping, rows, mode }: { mapping: Mapping; rows: number | null; mode: string }) {
  if (mapping.success_rate == null && mapping.near_rate == null && mapping.fail_rate == null) {
    return (
      <Alert type="info" showIcon data-testid="no-rates"
        message={mode === 'metadata_only' ? t('onb.noRatesMetadata') : t('onb.noRatesYet')} />
    );
  }
  return (
    <Space wrap data-testid="counters">
      {OUTCOMES.map(({ key, colour, rate }) => {
        const value = mapping[rate];
        const count = countOf(value, rows);
        return (
          <Tag key={key} color={colour} style={{ color: '#fff', fontSize: 14, padding: '2px 10px' }} data-outcome={key} data-count={count ?? ''}>
            {t(`onb.outcome.${key}` as MessageKey)}: {count != null ? `${count} (${pct(value)})` : pct(value)}
          </Tag>
        );
      })}
    </Space>
  );  // prettier-ignore
}

/** The examples of a mapping on the Sample Pack (masked): what went in, what came out, and how it counted. */
export function ExamplesGrid({ mapping }: { mapping: Mapping }) {
  const examples = mapping.examples ?? [];
  const inputs = [...new Set(examples.flatMap((example) => Object.keys(example.before ?? {})))];
  type Row = NonNullable<Mapping['examples']>[number] & { key: number };
  return (
    <Table<Row> size="small" pagination={false} aria-label={t('onb.examplesOf', { target: mapping.target })} scroll={{ x: 'max-content' }}
      locale={{ emptyText: t('onb.noExamplesYet') }}
      dataSource={examples.map((example, key) => ({ key, ...example }))}
      columns={[
        ...inputs.map((name) => ({ title: name, key: `in-${name}`, render: (_: unknown, e: Row) => cell(e.before?.[name]) })),
        { title: `→ ${mapping.target}`, key: 'after', render: (_: unknown, e: Row) => cell(e.after) },
        { title: t('onb.outcome'), key: 'outcome', render: (_: unknown, e: Row) => {
          const outcome = OUTCOMES.find((o) => o.key === e.outcome);
          return <Tag color={outcome?.colour ?? COLOURS.grey} style={{ color: '#fff' }}>{known('onb.outcome', e.outcome)}</Tag>;
        } },
      ]} />
  );  // prettier-ignore
}

const BAR_ROWS = [
  { key: 'nullRate', colour: COLOURS.teal },
  { key: 'psi', colour: COLOURS.amber },
  { key: 'ks', colour: COLOURS.red },
] as const;

/** Null rate, PSI and KS per column as horizontal bars (SVG), each bar with its number written beside it; a column
 * over a threshold is marked. The numbers are in the table below too (the chart is for looking, not the only way). */
export function QualityChart({ columns }: { columns: ColumnQuality[] }) {
  const shown = columns.filter((c) => c.nullRate !== null || c.psi !== null || c.ks !== null);
  if (!shown.length) return <Empty description={t('onb.noMeasures')} />;
  const labelWidth = 160;
  const barWidth = 220;
  const rowHeight = 14;
  const groupHeight = rowHeight * BAR_ROWS.length + 10;
  const width = labelWidth + (barWidth + 60) * 1;
  const height = shown.length * groupHeight + 24;
  // PSI may exceed 1: the scale is the larger of 1 and the largest value, the same for every bar.
  const top = Math.max(1, ...shown.flatMap((c) => [c.nullRate ?? 0, c.psi ?? 0, c.ks ?? 0]));
  return (
    <figure style={{ margin: 0 }} data-testid="quality-chart">
      <svg role="img" aria-labelledby="quality-chart-title" viewBox={`0 0 ${width} ${height}`} width={width} height={height}
        style={{ maxWidth: '100%', height: 'auto' }}>
        <title id="quality-chart-title">{t('onb.chartTitle')}</title>
        {shown.map((column, row) => {
          const y0 = row * groupHeight;
          return (
            <g key={column.name} data-column={column.name}>
              <text x={0} y={y0 + rowHeight * 1.6} fontSize={12} fill={column.flagged ? COLOURS.red : '#262626'}
                fontWeight={column.flagged ? 700 : 400}>{column.name.length > 22 ? `${column.name.slice(0, 21)}…` : column.name}</text>
              {BAR_ROWS.map(({ key, colour }, index) => {
                const value = column[key];
                const y = y0 + index * rowHeight;
                const w = value === null ? 0 : Math.max(1, (Math.min(value, top) / top) * barWidth);
                return (
                  <g key={key}>
                    <rect x={labelWidth} y={y + 2} width={w} height={rowHeight - 4} fill={colour} data-measure={key} data-value={value ?? ''} />
                    <text x={labelWidth + w + 4} y={y + rowHeight - 3} fontSize={10} fill="#262626">
                      {value === null ? '–' : `${t(`onb.measure.${key}` as MessageKey)} ${value.toFixed(3)}`}
                    </text>
                  </g>
                );
              })}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <Space wrap size={4}>
          {BAR_ROWS.map(({ key, colour }) => (
            <Tag key={key} color={colour} style={{ color: '#fff' }}>{t(`onb.measure.${key}` as MessageKey)}</Tag>
          ))}
        </Space>
      </figcaption>
    </figure>
  );  // prettier-ignore
}

const CELL_COLOURS: Record<string, string> = {
  chosen: COLOURS.teal, feasible: COLOURS.green, needs_fix: COLOURS.amber, infeasible: COLOURS.red,
};
const SEVERITY_COLOURS: Record<string, string> = {
  high: COLOURS.red, error: COLOURS.red, blocking: COLOURS.red, medium: COLOURS.amber, warning: COLOURS.amber, low: COLOURS.grey, info: COLOURS.grey,
};

/** Target × strategy: feasible, needs a fix, infeasible (in words as well as colour). */
export function FeasibilityMatrix({ feasibility }: { feasibility: Feasibility }) {
  if (!feasibility.rows.length) return <Empty description={t('onb.noFeasibility')} />;
  return (
    <Table size="small" pagination={false} rowKey="target" aria-label={t('onb.feasibility')} dataSource={feasibility.rows}
      scroll={{ x: 'max-content' }}
      columns={[
        { title: t('onb.target'), dataIndex: 'target' },
        ...feasibility.strategies.map((strategy) => ({
          title: known('onb.strategy', strategy), key: strategy,
          render: (_: unknown, row: { cells: Record<string, string> }) => {
            const state = row.cells[strategy];
            return state ? <Tag color={CELL_COLOURS[state] ?? COLOURS.grey} style={{ color: '#fff' }}>{known('onb.feasible', state)}</Tag> : '';
          },
        })),
      ]} />
  );  // prettier-ignore
}

/** The anomalies the analysis found, each with its recommended fix and a one-click "Stage this fix". */
export function AnomalyList({ anomalies, staged, busy, onStage }: {
  anomalies: Anomaly[]; staged: Set<string>; busy: string | null; onStage: (fixId: string) => void;
}) {
  if (!anomalies.length) return <Empty description={t('onb.noAnomalies')} />;
  return (
    <ul aria-label={t('onb.anomalies')} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {anomalies.map((anomaly) => (
        <li key={anomaly.id} data-anomaly={anomaly.id} style={{ borderBottom: '1px solid #F0F0F0', padding: '8px 0' }}>
          <Space direction="vertical" size={2} style={{ width: '100%' }}>
            <Space wrap size={6}>
              <Tag color={SEVERITY_COLOURS[anomaly.severity] ?? COLOURS.amber} style={{ color: '#fff' }} data-severity={anomaly.severity}>
                {known('onb.severity', anomaly.severity)}</Tag>
              {anomaly.kind && <code>{anomaly.kind}</code>}
              {anomaly.column && <Typography.Text strong>{anomaly.column}</Typography.Text>}
            </Space>
            <Typography.Text>{anomaly.message}</Typography.Text>
            {anomaly.fix && (
              <Space wrap>
                <Typography.Text type="secondary">{t('onb.recommendedFix', { fix: anomaly.fix.label })}</Typography.Text>
                {staged.has(anomaly.fix.id)
                  ? <Tag color={COLOURS.green} style={{ color: '#fff' }}>{t('onb.fixStaged')}</Tag>
                  : <Button size="small" loading={busy === anomaly.fix.id} onClick={() => onStage(anomaly.fix!.id)}
                      aria-label={t('onb.stageFixFor', { fix: anomaly.fix.label })}>{t('onb.stageFix')}</Button>}
              </Space>
            )}
          </Space>
        </li>
      ))}
    </ul>
  );  // prettier-ignore
}

function when(value: string | undefined | null): string {
  if (!value) return '';
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}
export { when };

/** The run's ledger: every decision with the hashes it was made on, newest first. */
export function LedgerTable({ events }: { events: RunEvent[] }) {
  const rows = [...events].reverse();
  return (
    <Table<RunEvent> size="small" pagination={{ pageSize: 20, hideOnSinglePage: true }} aria-label={t('onb.ledger')}
      rowKey={(event) => String(event.id ?? `${event.created_on}-${event.stage}-${event.action}-${event.subject ?? ''}`)}
      dataSource={rows} scroll={{ x: 'max-content' }} locale={{ emptyText: t('onb.ledgerEmpty') }}
      columns={[
        { title: t('onb.when'), dataIndex: 'created_on', render: when },
        { title: t('onb.stageColumn'), dataIndex: 'stage', render: (stage: string) => known('onb.stage', stage) },
        { title: t('onb.action'), dataIndex: 'action', render: (action: string) => <Tag>{known('onb.action', action)}</Tag> },
        { title: t('onb.subject'), dataIndex: 'subject' },
        { title: t('onb.inputsHash'), dataIndex: 'inputs_hash', render: (h: string | null) => <Hash value={h} /> },
        { title: t('onb.outputsHash'), dataIndex: 'outputs_hash', render: (h: string | null) => <Hash value={h} /> },
        { title: t('onb.contractHash'), dataIndex: 'contract_hash', render: (h: string) => <Hash value={h} /> },
        { title: t('onb.confirmedBy'), dataIndex: 'confirmed_by', render: (v: unknown) => (v == null ? '' : <Tooltip title={t('onb.confirmedHelp')}><span>#{String(v)}</span></Tooltip>) },
      ]} />
  );  // prettier-ignore
}
