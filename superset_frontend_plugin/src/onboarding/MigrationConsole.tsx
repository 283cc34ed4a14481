// The Migration Console of a run (its "Migration" tab): the pre-flight checklist, the dry run (strategy and why, key,
// estimated chunks, the SQL), Start, the chunks as a timeline with live progress, throughput and ETA, each chunk's
// hash and validations, the migration's validations, the quarantine with its masked diffs (Retry, Release, CSV), and
// the Promote gate (a confirmation naming the final table, for holders of can_migrate), Rollback and Cancel.
// The migration is polled while the worker has it, with its ETag as If-None-Match (an unchanged one costs a 304).

import { Alert, App, Button, Card, Descriptions, Empty, Progress, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { t, type MessageKey } from '../i18n';
import { ApiError } from '../workspace/client';
import { SqlBlock, etaText } from '../workspace/parts';
import type { Mode } from './client';
import {
  CHUNK_STATUSES, SCHEMA_CHANGE_POLICIES, QUARANTINE_PAGE_SIZE, chunkChecks, chunkQuarantined, datasetUrl, estimatedChunks,
  isActive, migrationApi, planSql, promoteBlock, quarantineCsvUrl, rateText, startBlock, timelineOf, type Chunk,
  type Migration, type MigrationStatus, type MigrationValidation, type PreflightCheck, type QuarantinePage,
  type QuarantineRow, type SchemaChangePolicy, type StartBlock,
} from './migration';
import { COLOURS, known, when } from './parts';
import { failureText } from './StartRun';

export const MIGRATION_POLL_MS = 1500;

const STATE_COLOURS: Record<string, string> = {
  planned: COLOURS.grey, queued: COLOURS.grey, running: COLOURS.teal, validating: COLOURS.teal, ready: COLOURS.green,
  promoted: COLOURS.green, failed: COLOURS.red, cancelled: COLOURS.amber, rolled_back: COLOURS.amber,
};  // prettier-ignore

export const CHUNK_COLOURS: Record<string, string> = {
  pending: '#BFBFBF', leased: COLOURS.teal, done: COLOURS.green, failed: COLOURS.red,
};
const TAG_COLOURS: Record<string, string> = { ...CHUNK_COLOURS, pending: COLOURS.grey, passed: COLOURS.green };

function Coloured({ colour, children, ...rest }: { colour: string; children: React.ReactNode; [data: `data-${string}`]: string }) {
  return <Tag color={colour} style={{ color: '#fff' }} {...rest}>{children}</Tag>;
}

export function MigrationStateTag({ state }: { state: string }) {
  return <Coloured colour={STATE_COLOURS[state] ?? COLOURS.grey} data-migration-state={state}>{known('mig.state', state)}</Coloured>;
}

function CheckState({ state }: { state: string }) {
  return <Coloured colour={TAG_COLOURS[state] ?? COLOURS.grey} data-check-state={state}>{known('mig.checkState', state)}</Coloured>;
}

/** A content hash shortened to 12 characters, whole in its title, copied whole by its button. */
export function CopyableHash({ value, label }: { value: string | null | undefined; label: string }) {
  if (!value) return <Typography.Text type="secondary">-</Typography.Text>;
  return (
    <Typography.Text code copyable={{ text: value, tooltips: [label, t('mig.copied')] }} title={value} data-hash={value}>
      {value.slice(0, 12)}
    </Typography.Text>
  );
}

/** The migration and its chunks, polled while the worker has it. `none`: the run has no migration yet. */
export function useMigration(runId: string) {
  const [status, setStatus] = useState<MigrationStatus | 'none' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const etag = useRef<string | null>(null);
  const alive = useRef(true);
  const reload = useCallback(async (fresh = false) => {
    try {
      const answer = await migrationApi.status(runId, fresh ? null : etag.current);
      if (!alive.current) return;
      if (answer.kind === 'changed') {
        etag.current = answer.etag;
        setStatus(answer.status);
      } else if (answer.kind === 'none') {
        etag.current = null;
        setStatus('none');
      }
      setError(null);
    } catch (failure) {
      if (alive.current) setError(failureText(failure));
    }
  }, [runId]);
  useEffect(() => {
    alive.current = true;
    void reload(true);
    return () => { alive.current = false; };
  }, [reload]);
  const migration = status && status !== 'none' ? status.migration : null;
  const polling = isActive(migration);
  useEffect(() => {
    if (!polling) return undefined;
    const timer = setInterval(() => void reload(), MIGRATION_POLL_MS);
    return () => clearInterval(timer);
  }, [polling, reload]);
  /** A write's answer (the migration) shown at once; the chunks follow on the next read. */
  const show = useCallback((next: Migration) => {
    etag.current = null;
    setStatus((current) => ({ migration: next, chunks: current && current !== 'none' ? current.chunks : [] }));
  }, []);
  return { status, error, reload, show };
}

/** Each pre-flight check, passed or failed, with its message. */
export function PreflightList({ checks }: { checks: PreflightCheck[] }) {
  if (!checks.length) return <Typography.Text type="secondary">{t('mig.noPreflight')}</Typography.Text>;
  return (
    <ul aria-label={t('mig.preflight')} data-testid="preflight" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {checks.map((check) => (
        <li key={check.check} data-check={check.check} data-ok={check.ok ? 'true' : 'false'}
          style={{ display: 'flex', gap: 8, alignItems: 'baseline', padding: '4px 0', borderBottom: '1px solid #F0F0F0' }}>
          <span aria-hidden style={{ color: check.ok ? COLOURS.green : COLOURS.red, fontWeight: 700, width: 16 }}>{check.ok ? '✓' : '✗'}</span>
          <Coloured colour={check.ok ? COLOURS.green : COLOURS.red}>{check.ok ? t('mig.checkOk') : t('mig.checkFailed')}</Coloured>
          <Typography.Text strong style={{ whiteSpace: 'nowrap', flexShrink: 0 }}>{known('mig.check', check.check)}</Typography.Text>
          {check.message && <Typography.Text type={check.ok ? 'secondary' : 'danger'}>{check.message}</Typography.Text>}
        </li>
      ))}
    </ul>
  );  // prettier-ignore
}

/** The plan: strategy and why, the key, the estimated chunks, the tables, the SQL. */
export function DryRunView({ migration }: { migration: Migration }) {
  const sql = planSql(migration);
  const chunks = estimatedChunks(migration);
  return (
    <Space direction="vertical" size="small" style={{ width: '100%' }} data-testid="dry-run">
      <Descriptions size="small" bordered column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('mig.strategy')}>
          <span data-testid="strategy">{migration.strategy ? known('mig.strategy', migration.strategy) : '-'}</span>
          {migration.strategy_reason && <div><Typography.Text type="secondary">{migration.strategy_reason}</Typography.Text></div>}
        </Descriptions.Item>
        <Descriptions.Item label={t('mig.key')}>
          {migration.key ? (
            <span data-testid="key">{known('mig.keyStrategy', migration.key.strategy)}: {migration.key.columns.map((c) => <code key={c} style={{ marginRight: 4 }}>{c}</code>)}</span>
          ) : '-'}
        </Descriptions.Item>
        <Descriptions.Item label={t('mig.estimatedChunks')}><span data-testid="estimated-chunks">{chunks ?? '-'}</span></Descriptions.Item>
        <Descriptions.Item label={t('mig.lane')}>{migration.lane ?? '-'}</Descriptions.Item>
        <Descriptions.Item label={t('mig.stagingTable')}>{migration.staging_table ? <code>{migration.staging_table}</code> : '-'}</Descriptions.Item>
        <Descriptions.Item label={t('mig.finalTable')}>{migration.final_table ? <code>{migration.final_table}</code> : '-'}</Descriptions.Item>
      </Descriptions>
      {sql ? <section aria-label={t('mig.planSql')}><Typography.Text strong>{t('mig.planSql')}</Typography.Text><SqlBlock sql={sql} /></section>
        : <Typography.Text type="secondary">{t('mig.noSql')}</Typography.Text>}
    </Space>
  );  // prettier-ignore
}

/** Why Start is disabled, in words. */
export function startBlockText(block: StartBlock): string {
  switch (block.kind) {
    case 'metadata_only': return t('mig.blocked.metadataOnly');
    case 'preflight': return t('mig.blocked.preflight', { checks: block.failed.map((c) => known('mig.check', c.check)).join(', ') });
    case 'active': return t('mig.blocked.active');
    case 'promoted': return t('mig.blocked.promoted');
    default: return t('mig.blocked.notPlanned');
  }  // prettier-ignore
}

/** Chunks done of total, rows in and out, quarantined, throughput and time left. */
export function MigrationProgress({ migration }: { migration: Migration }) {
  const total = migration.chunks_total ?? 0;
  const done = migration.chunks_done ?? 0;
  const percent = total > 0 ? Math.round((done / total) * 100) : 0;
  const active = isActive(migration);
  return (
    <Space direction="vertical" size={4} style={{ width: '100%' }} data-testid="migration-progress">
      <Space wrap align="center">
        <Progress percent={percent} size="small" style={{ width: 240 }} aria-label={t('mig.progressLabel')}
          status={migration.state === 'failed' ? 'exception' : active ? 'active' : 'normal'} strokeColor={migration.state === 'failed' ? COLOURS.red : COLOURS.teal} />
        <Typography.Text data-testid="chunks-done">{t('mig.chunksDone', { done, total })}</Typography.Text>
      </Space>
      <Space wrap size="large">
        <Typography.Text>{t('mig.rowsIn')}: <strong data-testid="rows-in">{(migration.rows_in ?? 0).toLocaleString()}</strong></Typography.Text>
        <Typography.Text>{t('mig.rowsOut')}: <strong data-testid="rows-out">{(migration.rows_out ?? 0).toLocaleString()}</strong></Typography.Text>
        <Typography.Text>{t('mig.quarantined')}: <strong data-testid="quarantined" style={{ color: (migration.quarantined ?? 0) > 0 ? COLOURS.red : undefined }}>
          {(migration.quarantined ?? 0).toLocaleString()}</strong></Typography.Text>
        {migration.throughput_rows_per_s != null && (
          <Typography.Text data-testid="throughput">{t('mig.throughput', { rate: rateText(migration.throughput_rows_per_s) })}</Typography.Text>)}
        {active && migration.eta_seconds != null && <Typography.Text data-testid="eta">{etaText(migration.eta_seconds)}</Typography.Text>}
      </Space>
    </Space>
  );  // prettier-ignore
}

/** A duration in words: milliseconds under a second, seconds with a tenth above. */
export const seconds = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`);

/** The chunks drawn: a strip with one cell per chunk in order (its status as colour: where the run is at a glance),
 * and below it a timeline, one bar per chunk that started, from its start to its end (overlapping bars are workers
 * sharing the run), a red tick at the end of a chunk that quarantined rows. The table below has every number. */
export function ChunkTimeline({ chunks, now = Date.now() }: { chunks: Chunk[]; now?: number }) {
  const titleId = useId();
  if (!chunks.length) return <Empty description={t('mig.noChunks')} />;
  const width = 720;
  const left = 56;
  const plot = width - left - 12;
  const strip = 18;
  const { from, to, bars, waiting } = timelineOf(chunks, now);
  const rowHeight = Math.max(3, Math.min(14, Math.floor(220 / Math.max(1, bars.length))));
  const timelineTop = strip + 22;
  const timelineHeight = bars.length * rowHeight;
  const height = timelineTop + timelineHeight + 28;
  const span = Math.max(1, to - from);
  const xOf = (ms: number) => left + ((ms - from) / span) * plot;
  const cell = plot / chunks.length;
  const counts = CHUNK_STATUSES.map((status) => [status, chunks.filter((c) => c.status === status).length] as const);
  const labelEvery = Math.max(1, Math.ceil(bars.length / 12));
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <figure style={{ margin: 0 }} data-testid="chunk-timeline">
      <svg role="img" aria-labelledby={titleId} viewBox={`0 0 ${width} ${height}`} width={width} height={height}
        style={{ maxWidth: '100%', height: 'auto' }}>
        <title id={titleId}>
          {t('mig.timelineTitle', { done: counts.find(([s]) => s === 'done')?.[1] ?? 0, total: chunks.length })}
        </title>
        <text x={0} y={13} fontSize={11} fill="#262626">{t('mig.stripLabel')}</text>
        {chunks.map((chunk, index) => (
          <rect key={`s-${chunk.chunk_id}`} x={left + index * cell} y={2} width={Math.max(1, cell - (cell > 3 ? 1 : 0))} height={strip - 4}
            fill={CHUNK_COLOURS[chunk.status] ?? CHUNK_COLOURS.pending} data-strip-chunk={String(chunk.chunk_id)} data-status={chunk.status}>
            <title>{t('mig.chunkTitle', { chunk: String(chunk.chunk_id), status: known('mig.chunkStatus', chunk.status) })}</title>
          </rect>
        ))}
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={left + tick * plot} x2={left + tick * plot} y1={timelineTop - 4} y2={timelineTop + timelineHeight + 4} stroke="#E0E0E0" />
            <text x={left + tick * plot} y={timelineTop + timelineHeight + 18} fontSize={10} fill="#262626"
              textAnchor={tick === 0 ? 'start' : tick === 1 ? 'end' : 'middle'}>{seconds(tick * span)}</text>
          </g>
        ))}
        {bars.map(({ chunk, index, start, end }, row) => {
          const y = timelineTop + row * rowHeight;
          const x = xOf(start);
          const w = Math.max(2, xOf(end) - x);
          const lost = chunkQuarantined(chunk);
          return (
            <g key={`b-${chunk.chunk_id}`} data-chunk={String(chunk.chunk_id)} data-status={chunk.status}>
              {row % labelEvery === 0 && rowHeight >= 8 && (
                <text x={left - 6} y={y + rowHeight - 2} fontSize={Math.min(10, rowHeight)} fill="#262626" textAnchor="end">#{index + 1}</text>)}
              <rect x={x} y={y + 1} width={w} height={Math.max(2, rowHeight - 2)} fill={CHUNK_COLOURS[chunk.status] ?? CHUNK_COLOURS.pending}>
                <title>{t('mig.barTitle', { chunk: String(chunk.chunk_id), status: known('mig.chunkStatus', chunk.status),
                  rowsIn: chunk.row_count_in ?? '-', rowsOut: chunk.row_count_out ?? '-', seconds: seconds(end - start) })}</title>
              </rect>
              {lost > 0 && <rect x={x + w} y={y + 1} width={3} height={Math.max(2, rowHeight - 2)} fill={COLOURS.red} data-quarantined={lost} />}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <Space wrap size={4}>
          {counts.map(([status, count]) => (
            <Tag key={status} data-legend={status} style={{ borderColor: CHUNK_COLOURS[status] }}>
              <span aria-hidden style={{ display: 'inline-block', width: 10, height: 10, background: CHUNK_COLOURS[status], marginRight: 4 }} />
              {known('mig.chunkStatus', status)}: {count}
            </Tag>
          ))}
          <Tag><span aria-hidden style={{ display: 'inline-block', width: 3, height: 10, background: COLOURS.red, marginRight: 4 }} />{t('mig.legendQuarantine')}</Tag>
          {waiting > 0 && <Typography.Text type="secondary">{t('mig.waitingChunks', { count: waiting })}</Typography.Text>}
        </Space>
      </figcaption>
    </figure>
  );  // prettier-ignore
}

/** Every chunk: status, rows in and out, its content hash (copyable), its validations, attempts, next action. */
export function ChunkTable({ chunks }: { chunks: Chunk[] }) {
  return (
    <Table<Chunk> size="small" rowKey={(c) => String(c.chunk_id)} dataSource={chunks} aria-label={t('mig.chunks')}
      pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }} scroll={{ x: 'max-content' }}
      locale={{ emptyText: t('mig.noChunks') }}
      onRow={(chunk) => ({ 'data-chunk-row': String(chunk.chunk_id) } as React.HTMLAttributes<HTMLElement>)}
      columns={[
        { title: t('mig.chunk'), dataIndex: 'chunk_id', render: (id: string | number) => <code>{String(id)}</code> },
        { title: t('mig.status'), dataIndex: 'status', render: (status: string) => (
          <Coloured colour={TAG_COLOURS[status] ?? COLOURS.grey} data-chunk-status={status}>{known('mig.chunkStatus', status)}</Coloured>) },
        { title: t('mig.rowsIn'), dataIndex: 'row_count_in', render: (v: number | null) => v?.toLocaleString() ?? '' },
        { title: t('mig.rowsOut'), dataIndex: 'row_count_out', render: (v: number | null, c) => {
          const lost = chunkQuarantined(c);
          return <span>{v?.toLocaleString() ?? ''}{lost > 0 && <Typography.Text type="danger"> ({t('mig.chunkQuarantined', { count: lost })})</Typography.Text>}</span>;
        } },
        { title: t('mig.hash'), dataIndex: 'content_hash', render: (hash: string | null, c) => (
          <CopyableHash value={hash} label={t('mig.copyHashOf', { chunk: String(c.chunk_id) })} />) },
        { title: t('mig.validations'), dataIndex: 'validations', render: (v: Chunk['validations']) => {
          const checks = chunkChecks(v);
          return checks.length ? <Space size={2} wrap>{checks.map((check) => (
            <Coloured key={check.check} colour={TAG_COLOURS[check.state] ?? COLOURS.grey} data-chunk-check={check.check}>
              {known('mig.check', check.check)}: {known('mig.checkState', check.state)}</Coloured>))}</Space> : '';
        } },
        { title: t('mig.attempts'), dataIndex: 'attempts', render: (v: number | null) => v ?? '' },
        { title: t('mig.nextAction'), dataIndex: 'next_action', render: (v: string | null) => (v ? known('mig.next', v) : '') },
        { title: t('mig.finished'), dataIndex: 'finished_at', render: when },
      ]} />
  );  // prettier-ignore
}

/** A validation's detail in words: a text as it is, an object as "name: value" pairs. */
export function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  if (typeof detail === 'object' && !Array.isArray(detail)) {
    return Object.entries(detail as Record<string, unknown>)
      .map(([name, value]) => `${name.replace(/_/g, ' ')}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' · ');
  }
  return JSON.stringify(detail);
}

/** The migration's validations (row_count, checksum, fk_check), each pending, passed or failed with its detail. */
export function ValidationList({ validations }: { validations: MigrationValidation[] }) {
  if (!validations.length) return <Typography.Text type="secondary">{t('mig.noValidations')}</Typography.Text>;
  return (
    <ul aria-label={t('mig.validations')} data-testid="validations" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {validations.map((v) => (
        <li key={v.check} data-validation={v.check} data-state={v.state} style={{ display: 'flex', gap: 8, alignItems: 'baseline', padding: '4px 0' }}>
          <CheckState state={v.state} />
          <Typography.Text strong style={{ whiteSpace: 'nowrap', flexShrink: 0 }}>{known('mig.check', v.check)}</Typography.Text>
          {detailText(v.detail) && <Typography.Text type="secondary" style={{ wordBreak: 'break-word' }}>{detailText(v.detail)}</Typography.Text>}
        </li>
      ))}
    </ul>
  );  // prettier-ignore
}

function Masked({ value }: { value: string | null | undefined }) {
  if (value === null || value === undefined) return <Typography.Text type="secondary" italic>NULL</Typography.Text>;
  return <span>{value}</span>;
}

const BEFORE_STYLE = { background: '#FDECEE', color: COLOURS.red, padding: '0 3px', borderRadius: 2, textDecoration: 'line-through' } as const;
const AFTER_STYLE = { background: '#E6F4EA', color: COLOURS.green, padding: '0 3px', borderRadius: 2, textDecoration: 'none' } as const;

const SR_ONLY = { position: 'absolute', width: 1, height: 1, padding: 0, margin: -1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap', border: 0 } as const;

/** Text for screen readers only (what colour and strike-through say to the eye). */
function SrOnly({ children }: { children: React.ReactNode }) {
  return <span style={SR_ONLY}>{children}</span>;
}

/** One changed column: before (struck through) → after, both masked. */
function DiffLine({ column, before, after }: { column: string; before: string | null; after: string | null }) {
  return (
    <div data-diff-column={column} style={{ whiteSpace: 'nowrap' }}>
      <code>{column}</code>{': '}
      <SrOnly>{t('mig.before')} </SrOnly><del style={BEFORE_STYLE}><Masked value={before} /></del>
      <span aria-hidden> → </span>
      <SrOnly> {t('mig.after')} </SrOnly><ins style={AFTER_STYLE}><Masked value={after} /></ins>
    </div>
  );
}

/** A quarantined row whole (masked): every column before and after, the changed ones highlighted. */
export function QuarantinePreview({ row }: { row: QuarantineRow }) {
  const changed = new Set(row.diff.map((d) => d.column));
  // A changed output column has no source value of its own: its "before" is the diff's (the value it was made from).
  const diffBefore = new Map(row.diff.map((d) => [d.column, d.before]));
  const beforeOf = (column: string) => (row.masked_preview_before && column in row.masked_preview_before
    ? row.masked_preview_before[column] : diffBefore.get(column));
  const columns = [...new Set([...Object.keys(row.masked_preview_before ?? {}), ...Object.keys(row.masked_preview_after ?? {})])];
  return (
    <table data-testid="quarantine-preview" style={{ borderCollapse: 'collapse', fontSize: 13 }} aria-label={t('mig.previewOf', { id: row.id })}>
      <thead><tr>
        <th scope="col" style={{ textAlign: 'left', padding: '2px 8px' }}>{t('mig.column')}</th>
        <th scope="col" style={{ textAlign: 'left', padding: '2px 8px' }}>{t('mig.before')}</th>
        <th scope="col" style={{ textAlign: 'left', padding: '2px 8px' }}>{t('mig.after')}</th>
      </tr></thead>
      <tbody>
        {columns.map((column) => {
          const diff = changed.has(column);
          return (
            <tr key={column} data-changed={diff ? 'true' : 'false'} style={diff ? { background: '#FFF7E0' } : undefined}>
              <th scope="row" style={{ textAlign: 'left', padding: '2px 8px', fontWeight: diff ? 700 : 400 }}>
                <code>{column}</code>{diff && <span style={{ color: COLOURS.amber, marginLeft: 6 }}>{t('mig.changed')}</span>}
              </th>
              <td style={{ padding: '2px 8px' }}>{diff ? <del style={BEFORE_STYLE}><Masked value={beforeOf(column)} /></del> : <Masked value={beforeOf(column)} />}</td>
              <td style={{ padding: '2px 8px' }}>{row.masked_preview_after === null ? <Masked value={null} />
                : diff ? <ins style={AFTER_STYLE}><Masked value={row.masked_preview_after[column]} /></ins> : <Masked value={row.masked_preview_after[column]} />}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );  // prettier-ignore
}

const keyText = (key: unknown) => (typeof key === 'string' || typeof key === 'number' ? String(key) : JSON.stringify(key));

/** The quarantine, a page at a time: the key, the reason codes, the masked diff (the whole row when expanded), its
 * state; Retry and Release for holders of can_migrate; the masked CSV. */
export function QuarantineViewer({ runId, canMigrate, version, onChanged }: {
  runId: string; canMigrate: boolean; version: string; onChanged: () => void;
}) {
  const { message } = App.useApp();
  const [page, setPage] = useState(0);
  const [data, setData] = useState<QuarantinePage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    let alive = true;
    migrationApi.quarantine(runId, page).then((answer) => { if (alive) { setData(answer); setError(null); } },
      (failure: unknown) => { if (alive) setError(failureText(failure)); });  // prettier-ignore
    return () => { alive = false; };
  }, [runId, page, version, reloads]);
  const act = async (kind: 'retry' | 'release', ids: number[] | null, what: string) => {
    setBusy(what);
    try {
      if (kind === 'retry') await migrationApi.retry(runId, ids);
      else await migrationApi.release(runId, ids ?? []);
      message.success(kind === 'retry' ? t('mig.retried') : t('mig.released'));
      setReloads((n) => n + 1);
      onChanged();
    } catch (failure) {
      message.error(failureText(failure));
    } finally {
      setBusy(null);
    }
  };
  if (error) return <Alert type="error" showIcon role="alert" message={error} action={<Button onClick={() => setReloads((n) => n + 1)}>{t('action.retry')}</Button>} />;
  if (!data) return <Typography.Text type="secondary">{t('mig.loadingQuarantine')}</Typography.Text>;
  const open = data.result.filter((row) => row.state === 'open');
  return (
    <Space direction="vertical" size="small" style={{ width: '100%' }} data-testid="quarantine">
      <Space wrap align="center">
        <Typography.Text data-testid="quarantine-count">{t('mig.quarantineCount', { count: data.count })}</Typography.Text>
        {canMigrate && data.count > 0 && (
          <Button onClick={() => void act('retry', null, 'all')} loading={busy === 'all'}>{t('mig.retryAll')}</Button>)}
        {canMigrate && open.length > 0 && (
          <Button onClick={() => void act('release', open.map((r) => r.id), 'page')} loading={busy === 'page'}>{t('mig.releasePage')}</Button>)}
        {data.count > 0 && <Button href={quarantineCsvUrl(runId)} download>{t('mig.downloadCsv')}</Button>}
      </Space>
      {!canMigrate && data.count > 0 && <Typography.Text type="secondary">{t('mig.quarantineNeedsMigrate')}</Typography.Text>}
      <Table<QuarantineRow> size="small" rowKey="id" dataSource={data.result} aria-label={t('mig.quarantine')}
        scroll={{ x: 'max-content' }} locale={{ emptyText: t('mig.quarantineEmpty'), expand: t('mig.showRow'), collapse: t('mig.hideRow') }}
        onRow={(row) => ({ 'data-quarantine-row': String(row.id) } as React.HTMLAttributes<HTMLElement>)}
        pagination={{ current: page + 1, pageSize: QUARANTINE_PAGE_SIZE, total: data.count, hideOnSinglePage: true, showSizeChanger: false,
          onChange: (next) => setPage(next - 1) }}
        expandable={{ expandedRowRender: (row) => <QuarantinePreview row={row} />, columnTitle: <SrOnly>{t('mig.wholeRow')}</SrOnly> }}
        columns={[
          { title: t('mig.chunk'), dataIndex: 'chunk_id', render: (id: string | number) => <code>{String(id)}</code> },
          { title: t('mig.rowKey'), dataIndex: 'key', render: (key: unknown) => <code data-testid="quarantine-key">{keyText(key)}</code> },
          { title: t('mig.reasons'), dataIndex: 'reason_codes', render: (codes: string[]) => (
            <Space size={2} wrap>{codes.map((code) => <Tag key={code} data-reason={code}><code>{code}</code></Tag>)}</Space>) },
          { title: t('mig.diff'), dataIndex: 'diff', render: (diff: QuarantineRow['diff']) => diff.length
            ? <div data-testid="quarantine-diff">{diff.map((d) => <DiffLine key={d.column} {...d} />)}</div>
            : <Typography.Text type="secondary">{t('mig.noDiff')}</Typography.Text> },
          { title: t('mig.status'), dataIndex: 'state', render: (state: string) => <Tag data-quarantine-state={state}>{known('mig.qstate', state)}</Tag> },
          ...(canMigrate ? [{ title: t('mig.actions'), key: 'actions', render: (_: unknown, row: QuarantineRow) => row.state === 'open' ? (
            <Space size={4}>
              <Button size="small" loading={busy === `retry-${row.id}`} onClick={() => void act('retry', [row.id], `retry-${row.id}`)}
                aria-label={t('mig.retryRow', { id: row.id })}>{t('mig.retry')}</Button>
              <Button size="small" loading={busy === `release-${row.id}`} onClick={() => void act('release', [row.id], `release-${row.id}`)}
                aria-label={t('mig.releaseRow', { id: row.id })}>{t('mig.release')}</Button>
            </Space>) : null }] : []),
        ]} />
    </Space>
  );  // prettier-ignore
}

/** Promote (a confirmation naming the final table) once every validation passed, for holders of can_migrate; after
 * it the dataset's link and Rollback of the last promotion. */
export function PromoteGate({ migration, canMigrate, busy, onPromote, onRollback }: {
  migration: Migration; canMigrate: boolean; busy: string | null; onPromote: () => void; onRollback: () => void;
}) {
  const table = migration.final_table ?? '-';
  if (migration.state === 'promoted') {
    return (
      <Space direction="vertical" size="small" style={{ width: '100%' }} data-testid="promoted">
        <Alert type="success" showIcon message={t('mig.promotedTo', { table, when: when(migration.promoted_at) })} />
        <Space wrap>
          {migration.dataset_id != null && (
            <Button type="primary" href={datasetUrl(migration.dataset_id)} data-testid="dataset-link">{t('mig.openDataset')}</Button>)}
          {canMigrate && <Button danger onClick={onRollback} loading={busy === 'rollback'}>{t('mig.rollback')}</Button>}
        </Space>
      </Space>
    );  // prettier-ignore
  }
  if (migration.state === 'rolled_back') return <Alert type="info" showIcon message={t('mig.rolledBack', { table })} />;
  const block = promoteBlock(migration);
  return (
    <Space wrap align="center" data-testid="promote-gate">
      {canMigrate ? (
        <Button type="primary" disabled={block !== null} loading={busy === 'promote'} onClick={onPromote}
          aria-describedby={block ? 'promote-why' : undefined}>{t('mig.promote', { table })}</Button>
      ) : null}
      <Typography.Text id="promote-why" type="secondary">
        {!canMigrate ? t('mig.promoteNeedsMigrate') : block === 'validations' ? t('mig.promoteWaitsValidations')
          : block === 'not_ready' ? t('mig.promoteWaitsReady') : t('mig.promoteReady', { table })}
      </Typography.Text>
    </Space>
  );  // prettier-ignore
}

/** The pre-flight a refusal (409 MIGRATION_PREFLIGHT_FAILED) carries, when it carries one. */
function preflightOf(failure: unknown): PreflightCheck[] | null {
  if (!(failure instanceof ApiError)) return null;
  const details = failure.details as { preflight?: unknown; migration?: { preflight?: unknown } };
  const checks = details.preflight ?? details.migration?.preflight;
  return Array.isArray(checks) ? (checks as PreflightCheck[]) : null;
}

/** The Migration tab of a run. */
export function MigrationConsole({ runId, mode, canMigrate }: { runId: string; mode: Mode | string; canMigrate: boolean }) {
  const { modal, message } = App.useApp();
  const { status, error, reload, show } = useMigration(runId);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [refusedChecks, setRefusedChecks] = useState<PreflightCheck[] | null>(null);
  const [policy, setPolicy] = useState<SchemaChangePolicy>('approve_manually');
  const startWhyId = useId();

  const act = async (what: string, action: () => Promise<Migration>, done?: (m: Migration) => void) => {
    setBusy(what);
    setActionError(null);
    setRefusedChecks(null);
    try {
      const next = await action();
      show(next);
      done?.(next);
      await reload(true);
    } catch (failure) {
      setActionError(failureText(failure));
      setRefusedChecks(preflightOf(failure));
      await reload(true);
    } finally {
      setBusy(null);
    }
  };

  if (status === null) {
    return error ? <Alert type="error" showIcon role="alert" message={error} action={<Button onClick={() => void reload(true)}>{t('action.retry')}</Button>} />
      : <Typography.Text type="secondary">{t('mig.loading')}</Typography.Text>;  // prettier-ignore
  }
  const migration = status === 'none' ? null : status.migration;
  const chunks = status === 'none' ? [] : status.chunks;
  const block = startBlock(mode, migration);
  const active = isActive(migration);
  const resumable = migration && ['failed', 'cancelled'].includes(migration.state);
  const plan = () => void act('plan', () => migrationApi.start(runId, { dry_run: true, key_columns: null, validations: null, schema_change_policy: policy }));
  const start = () => void act('start', () => migrationApi.start(runId, { dry_run: false, key_columns: null, validations: null, schema_change_policy: policy }),
    () => message.success(t('mig.started')));  // prettier-ignore
  const cancel = () => modal.confirm({
    title: t('mig.cancelConfirm'), okText: t('mig.cancel'), cancelText: t('views.cancel'), okButtonProps: { danger: true },
    onOk: () => act('cancel', () => migrationApi.cancel(runId)),
  });  // prettier-ignore
  const promote = () => modal.confirm({
    title: t('mig.promoteConfirmTitle', { table: migration?.final_table ?? '-' }),
    content: t('mig.promoteConfirmBody', { rows: (migration?.rows_out ?? 0).toLocaleString(), quarantined: (migration?.quarantined ?? 0).toLocaleString(),
      table: migration?.final_table ?? '-' }),
    okText: t('mig.promoteOk', { table: migration?.final_table ?? '-' }), cancelText: t('views.cancel'),
    onOk: () => act('promote', () => migrationApi.promote(runId), () => message.success(t('mig.promotedToast'))),
  });  // prettier-ignore
  const rollback = () => modal.confirm({
    title: t('mig.rollbackConfirm', { table: migration?.final_table ?? '-' }), okText: t('mig.rollback'), cancelText: t('views.cancel'),
    okButtonProps: { danger: true }, onOk: () => act('rollback', () => migrationApi.rollback(runId)),
  });  // prettier-ignore
  const started = migration && migration.state !== 'planned';
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="migration-console">
      <Space wrap align="center" style={{ justifyContent: 'space-between', width: '100%' }}>
        <Space wrap align="center">
          <Typography.Text strong>{t('mig.title')}</Typography.Text>
          <span aria-live="polite">{migration ? <MigrationStateTag state={migration.state} /> : <Tag>{t('mig.none')}</Tag>}</span>
          {migration?.lane && <Typography.Text type="secondary">{t('mig.laneIs', { lane: migration.lane })}</Typography.Text>}
        </Space>
        <Space wrap align="center">
          <Space size={4} align="center">
            <label htmlFor={`${startWhyId}-policy`}><Typography.Text>{t('mig.schemaPolicy')}</Typography.Text></label>
            <Select<SchemaChangePolicy> id={`${startWhyId}-policy`} size="small" style={{ width: 210 }} value={policy} onChange={setPolicy} disabled={active}
              options={SCHEMA_CHANGE_POLICIES.map((p) => ({ value: p, label: t(`mig.policy.${p}` as MessageKey) }))} />
          </Space>
          <Button onClick={plan} loading={busy === 'plan'} disabled={active}>{migration ? t('mig.planAgain') : t('mig.plan')}</Button>
          <Button type="primary" onClick={start} loading={busy === 'start'} disabled={block !== null}
            aria-describedby={block ? `${startWhyId}-why` : undefined} data-testid="start-migration">
            {resumable ? t('mig.resume') : t('mig.start')}
          </Button>
          {active && <Button danger onClick={cancel} loading={busy === 'cancel'}>{t('mig.cancel')}</Button>}
        </Space>
      </Space>
      {block && <Typography.Text id={`${startWhyId}-why`} type="secondary" data-testid="start-blocked" data-block={block.kind}>{startBlockText(block)}</Typography.Text>}
      {error && <Alert type="warning" showIcon message={t('mig.pollFailed', { reason: error })} />}
      {actionError && <Alert type="error" showIcon role="alert" closable onClose={() => { setActionError(null); setRefusedChecks(null); }}
        message={actionError} data-testid="migration-error" description={refusedChecks?.length ? <PreflightList checks={refusedChecks} /> : null} />}
      {migration?.state === 'failed' && (
        <Alert type="error" showIcon role="alert" data-testid="migration-failed" message={t('mig.failed')}
          description={migration.message ? `${migration.message}${migration.error_code ? ` (${migration.error_code})` : ''}` : migration.error_code} />)}
      {migration?.state === 'cancelled' && <Alert type="warning" showIcon message={t('mig.cancelled')} />}
      {!migration ? (
        <Alert type="info" showIcon data-testid="no-migration" message={mode === 'metadata_only' ? t('mig.introMetadata') : t('mig.intro')} />
      ) : (<>
        <Card size="small" title={t('mig.preflight')} role="region" aria-label={t('mig.preflight')}>
          <PreflightList checks={migration.preflight ?? []} />
        </Card>
        <Card size="small" title={t('mig.dryRun')} role="region" aria-label={t('mig.dryRun')}>
          <DryRunView migration={migration} />
        </Card>
        {started && (
          <Card size="small" title={t('mig.progress')} role="region" aria-label={t('mig.progress')}>
            <Space direction="vertical" size="middle" style={{ width: '100%' }}>
              <MigrationProgress migration={migration} />
              <ChunkTimeline chunks={chunks} />
              <ChunkTable chunks={chunks} />
            </Space>
          </Card>
        )}
        {started && (
          <Card size="small" title={t('mig.validations')} role="region" aria-label={t('mig.validations')}>
            <ValidationList validations={migration.validations ?? []} />
          </Card>
        )}
        {started && (
          <Card size="small" title={t('mig.quarantine')} role="region" aria-label={t('mig.quarantine')}>
            <QuarantineViewer runId={runId} canMigrate={canMigrate} onChanged={() => void reload(true)}
              version={`${migration.state}:${migration.quarantined ?? 0}:${migration.chunks_done ?? 0}`} />
          </Card>
        )}
        {started && !active && migration.state !== 'failed' && migration.state !== 'cancelled' && (
          <Card size="small" title={t('mig.promoteTitle')} role="region" aria-label={t('mig.promoteTitle')}>
            <PromoteGate migration={migration} canMigrate={canMigrate} busy={busy} onPromote={promote} onRollback={rollback} />
          </Card>
        )}
      </>)}
    </Space>
  );  // prettier-ignore
}
