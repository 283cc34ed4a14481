// The admins' pages (can_admin on DatasetReview; the APIs check it too): /dataset_review/admin/tools, the audit of
// every tool call with filters and a chart of calls per tool and outcome, and /dataset_review/admin/journal, the
// journal of changes to catalog-level objects with an entity filter and one entity's history.

import { Alert, Button, Drawer, Empty, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { t, type MessageKey } from '../i18n';
import { PageFrame } from '../safe_views/SafeViewPages';
import { messageOf } from '../safe_views/Builder';
import {
  adminApi, callsPerTool, ENTITY_TYPES, OUTCOMES, valueText, type AuditFilter, type JournalEntry, type Tool, type ToolCall,
} from './client';

const OUTCOME_COLOURS: Record<string, string> = { ok: '#1E6B3A', refused: '#7A4A00', error: '#A0182B' };

function when(value: string): string {
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

export function outcomeLabel(outcome: string): string {
  return outcome in OUTCOME_COLOURS ? t(`audit.outcome.${outcome}` as MessageKey) : outcome;
}

export function OutcomeTag({ outcome }: { outcome: string }) {
  return <Tag color={OUTCOME_COLOURS[outcome] ?? '#5B5B5B'} style={{ color: '#fff' }} data-outcome={outcome}>{outcomeLabel(outcome)}</Tag>;
}

/** Calls per tool as horizontal bars, each split into ok / refused / error; the numbers are in the table below. */
export function CallsChart({ calls }: { calls: ToolCall[] }) {
  const rows = callsPerTool(calls);
  if (!rows.length) return <Empty description={t('audit.none')} />;
  const most = Math.max(...rows.map((row) => row.total));
  const labelWidth = 170;
  const barWidth = 300;
  const rowHeight = 24;
  return (
    <figure style={{ margin: 0 }}>
      <svg role="img" aria-labelledby="calls-chart-title" viewBox={`0 0 ${labelWidth + barWidth + 50} ${rows.length * rowHeight + 4}`}
        width={labelWidth + barWidth + 50} height={rows.length * rowHeight + 4} style={{ maxWidth: '100%', height: 'auto' }}>
        <title id="calls-chart-title">{t('audit.chart')}</title>
        {rows.map((row, index) => {
          let x = labelWidth;
          const y = index * rowHeight + 2;
          return (
            <g key={row.tool} data-testid="calls-bar" data-tool={row.tool}>
              <text x={labelWidth - 6} y={y + 15} textAnchor="end" fontSize={12} fill="#262626">{row.tool}</text>
              {OUTCOMES.map((outcome) => {
                const w = (row[outcome] / most) * barWidth;
                const rect = w > 0 ? (
                  <rect key={outcome} data-outcome={outcome} data-count={row[outcome]} x={x} y={y} width={w} height={rowHeight - 6}
                    fill={OUTCOME_COLOURS[outcome]}>
                    <title>{`${row.tool}: ${outcomeLabel(outcome)} ${row[outcome]}`}</title>
                  </rect>
                ) : null;
                x += w;
                return rect;
              })}
              <text x={x + 6} y={y + 15} fontSize={12} fill="#262626">{row.total}</text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <Space wrap size={4}>
          {OUTCOMES.map((outcome) => <OutcomeTag key={outcome} outcome={outcome} />)}
        </Space>
      </figcaption>
    </figure>
  );  // prettier-ignore
}

export function AuditTable({ calls }: { calls: ToolCall[] }) {
  return (
    <Table<ToolCall> size="small" rowKey="id" dataSource={calls} aria-label={t('audit.table')} scroll={{ x: 'max-content' }}
      pagination={{ pageSize: 25, hideOnSinglePage: true, showSizeChanger: false }} locale={{ emptyText: t('audit.none') }}
      onRow={(row) => ({ 'data-call': row.uuid } as React.HTMLAttributes<HTMLElement>)}
      columns={[
        { title: t('audit.when'), dataIndex: 'created_on', width: 180, render: when },
        { title: t('audit.tool'), dataIndex: 'tool', render: (tool: string) => <code>{tool}</code> },
        { title: t('audit.user'), key: 'user', render: (_, row) => row.username ?? (row.user_id != null ? `#${row.user_id}` : '') },
        { title: t('audit.channel'), dataIndex: 'channel', render: (channel: string) => <Tag>{channel}</Tag> },
        { title: t('audit.outcome'), key: 'outcome', render: (_, row) => (
          <Space size={2} direction="vertical"><OutcomeTag outcome={row.outcome} />
            {row.error_code ? <code style={{ fontSize: 12 }}>{row.error_code}</code> : null}</Space>) },
        { title: t('audit.rows'), dataIndex: 'rows', align: 'right' },
        { title: t('audit.bytes'), dataIndex: 'bytes', align: 'right' },
        { title: t('audit.duration'), dataIndex: 'duration_ms', align: 'right', render: (ms: number | null) => ms == null ? '' : ms.toFixed(1) },
        { title: t('audit.masking'), dataIndex: 'masking', render: (masking: unknown) => masking == null ? '' : <code style={{ fontSize: 12 }}>{valueText(masking)}</code> },
        { title: t('audit.params'), dataIndex: 'params_hash', render: (hash: string) => <code title={hash}>{hash?.slice(0, 10)}</code> },
        { title: t('audit.message'), dataIndex: 'message' },
      ]} />
  );  // prettier-ignore
}

export function ToolAudit() {
  const [filter, setFilter] = useState<AuditFilter>({});
  const [calls, setCalls] = useState<ToolCall[] | null>(null);
  const [tools, setTools] = useState<Tool[]>([]);
  const [users, setUsers] = useState<Map<number, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const answer = await adminApi.audit(filter);
      setCalls(answer.result);
      setUsers((known) => {
        const next = new Map(known);
        for (const call of answer.result) if (call.user_id != null) next.set(call.user_id, call.username ?? `#${call.user_id}`);
        return next;
      });
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }, [filter]);
  useEffect(() => void load(), [load]);
  useEffect(() => {
    adminApi.tools().then((answer) => setTools(answer.result), () => setTools([]));
  }, []);
  const toolNames = useMemo(
    () => [...new Set([...tools.map((tool) => tool.name), ...(calls ?? []).map((call) => call.tool)])].sort(),
    [tools, calls],
  );
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="tool-audit">
      <Space wrap>
        <Select allowClear style={{ width: 220 }} placeholder={t('audit.anyTool')} aria-label={t('audit.filterTool')}
          value={filter.tool} onChange={(tool?: string) => setFilter((f) => ({ ...f, tool }))}
          options={toolNames.map((name) => ({ value: name, label: name }))} />
        <Select allowClear style={{ width: 160 }} placeholder={t('audit.anyOutcome')} aria-label={t('audit.filterOutcome')}
          value={filter.outcome} onChange={(outcome?: string) => setFilter((f) => ({ ...f, outcome }))}
          options={OUTCOMES.map((outcome) => ({ value: outcome, label: outcomeLabel(outcome) }))} />
        <Select allowClear style={{ width: 200 }} placeholder={t('audit.anyUser')} aria-label={t('audit.filterUser')}
          value={filter.user_id} onChange={(user_id?: number) => setFilter((f) => ({ ...f, user_id }))}
          options={[...users.entries()].map(([id, name]) => ({ value: id, label: name }))} />
        <Button onClick={() => void load()}>{t('action.refresh')}</Button>
      </Space>
      {error && <Alert type="error" showIcon role="alert" message={error} />}
      {calls && (
        <>
          <Typography.Text data-testid="audit-count">{t('audit.count', { count: calls.length })}</Typography.Text>
          <CallsChart calls={calls} />
          <AuditTable calls={calls} />
        </>
      )}
    </Space>
  );  // prettier-ignore
}

function entityTypeLabel(type: string): string {
  return (ENTITY_TYPES as readonly string[]).includes(type) ? t(`journal.type.${type}` as MessageKey) : type;
}

export function JournalTable({ entries, onEntity, label }: {
  entries: JournalEntry[]; onEntity?: (entry: JournalEntry) => void; label: string;
}) {
  return (
    <Table<JournalEntry> size="small" rowKey="id" dataSource={entries} aria-label={label} scroll={{ x: 'max-content' }}
      pagination={{ pageSize: 25, hideOnSinglePage: true, showSizeChanger: false }} locale={{ emptyText: t('journal.none') }}
      columns={[
        { title: t('audit.when'), dataIndex: 'created_on', width: 180, render: when },
        { title: t('journal.entity'), key: 'entity', render: (_, row) => onEntity
          ? <Button type="link" size="small" style={{ padding: 0 }} onClick={() => onEntity(row)}
              aria-label={t('journal.historyOf', { type: entityTypeLabel(row.entity_type), id: row.entity_id })}>
              {entityTypeLabel(row.entity_type)} {row.entity_id}
            </Button>
          : `${entityTypeLabel(row.entity_type)} ${row.entity_id}` },
        { title: t('journal.field'), dataIndex: 'field', render: (field: string) => <code>{field}</code> },
        { title: t('journal.old'), dataIndex: 'old_value', render: (v: unknown) => <span style={{ wordBreak: 'break-all' }}>{valueText(v)}</span> },
        { title: t('journal.new'), dataIndex: 'new_value', render: (v: unknown) => <span style={{ wordBreak: 'break-all' }}>{valueText(v)}</span> },
        { title: t('journal.actor'), dataIndex: 'actor_id', render: (id: number | null) => (id == null ? '' : `#${id}`) },
        { title: t('journal.source'), dataIndex: 'source' },
      ]} />
  );  // prettier-ignore
}

export function Journal() {
  const [entityType, setEntityType] = useState<string | undefined>(undefined);
  const [entries, setEntries] = useState<JournalEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [entity, setEntity] = useState<{ type: string; id: string } | null>(null);
  const [history, setHistory] = useState<JournalEntry[] | null>(null);
  const load = useCallback(async () => {
    try {
      setEntries((await adminApi.journal(entityType)).result);
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }, [entityType]);
  useEffect(() => void load(), [load]);
  useEffect(() => {
    if (!entity) return;
    setHistory(null);
    adminApi.history(entity.type, entity.id).then((answer) => setHistory(answer.result), (failure: unknown) => {
      setError(messageOf(failure));
      setHistory([]);
    });
  }, [entity]);
  const title = entity ? t('journal.historyTitle', { type: entityTypeLabel(entity.type), id: entity.id }) : '';
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="journal">
      <Space wrap>
        <Select allowClear style={{ width: 240 }} placeholder={t('journal.anyEntity')} aria-label={t('journal.filterEntity')}
          value={entityType} onChange={(value?: string) => setEntityType(value)}
          options={ENTITY_TYPES.map((type) => ({ value: type, label: entityTypeLabel(type) }))} />
        <Button onClick={() => void load()}>{t('action.refresh')}</Button>
      </Space>
      {error && <Alert type="error" showIcon role="alert" closable onClose={() => setError(null)} message={error} />}
      {entries && <JournalTable entries={entries} label={t('journal.table')} onEntity={(row) => setEntity({ type: row.entity_type, id: row.entity_id })} />}
      <Drawer open={entity !== null} onClose={() => setEntity(null)} width={720} title={title} destroyOnHidden
        closeIcon={<span aria-label={t('journal.close')}>×</span>}>
        {history === null ? <Typography.Text>{t('journal.loading')}</Typography.Text>
          : <div data-testid="journal-history"><JournalTable entries={history} label={title} /></div>}
      </Drawer>
    </Space>
  );  // prettier-ignore
}

export function ToolAuditPage() {
  return <PageFrame title={t('audit.title')}><ToolAudit /></PageFrame>;
}

export function JournalPage() {
  return <PageFrame title={t('journal.title')}><Journal /></PageFrame>;
}
