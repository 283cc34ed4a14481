// The AI-safe view builder: the base dataset's columns with the proposals of their domains (pre-ticked, with the
// redaction each domain calls for and why), a row filter checked as it is typed, the masked sample beside the
// original, then Create (and a link to the new dataset in Superset). For an existing view the same builder saves a
// new version, or goes with its Review.

import { Alert, Button, Card, Checkbox, Form, Input, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { t } from '../i18n';
import { ApiError } from '../workspace/client';
import { bandLabel, PiiTag } from '../domains/parts';
import {
  choicesFrom, columnCounts, definitionOf, exploreUrl, safeViewsApi, type ColumnChoice, type Created, type DefinitionError,
  type PreviewSample, type Proposal, type ViewDefinition,
} from './client';
import { ColumnsChart, MarkedFilter, RedactionChooser, SamplePanel } from './parts';

export const FILTER_DEBOUNCE_MS = 350;
const COLUMNS_PAGE = 50;

export function messageOf(failure: unknown): string {
  if (failure instanceof ApiError) return failure.code === 'NETWORK' ? t('error.networkAction') : failure.message;
  return String(failure);
}

/** A refusal of the API as the builder shows it: its message, the field it names, where in the filter. */
export function definitionError(failure: unknown): DefinitionError {
  if (failure instanceof ApiError) {
    const details = failure.details as Partial<DefinitionError>;
    return {
      message: messageOf(failure),
      ...(failure.code ? { error_code: failure.code } : {}),
      ...(typeof details.field === 'string' ? { field: details.field } : {}),
      ...(typeof details.position === 'number' ? { position: details.position } : {}),
      ...(typeof details.fragment === 'string' ? { fragment: details.fragment } : {}),
    };
  }
  return { message: String(failure) };
}

type FilterState =
  | { kind: 'empty' }
  | { kind: 'checking' }
  | { kind: 'valid'; sql: string }
  | { kind: 'invalid'; error: DefinitionError; text: string };

/** The row filter, checked by the server a moment after the user stops typing (the newest answer wins). */
export function useFilterCheck(baseDatasetId: number, text: string): FilterState {
  const [state, setState] = useState<FilterState>({ kind: 'empty' });
  const asked = useRef(0);
  useEffect(() => {
    if (!text.trim()) {
      asked.current += 1;
      setState({ kind: 'empty' });
      return undefined;
    }
    setState({ kind: 'checking' });
    const timer = setTimeout(() => {
      const ask = (asked.current += 1);
      safeViewsApi.validateFilter(baseDatasetId, text).then(
        (answer) => ask === asked.current && setState({ kind: 'valid', sql: answer.sql }),
        (failure: unknown) => ask === asked.current && setState({ kind: 'invalid', error: definitionError(failure), text }),
      );
    }, FILTER_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [baseDatasetId, text]);
  return state;
}

/** The column a field of a refusal names ("redactions.email", "columns.email", "columns[2]"), if any. */
export function columnOfField(field: string | undefined, columns: string[]): string | null {
  if (!field) return null;
  const match = /^(?:redactions|columns)[.[](.+?)\]?(?:\.\w+)?$/.exec(field);
  if (!match?.[1]) return null;
  const name = match[1];
  if (columns.includes(name)) return name;
  return /^\d+$/.test(name) ? columns[Number(name)] ?? null : null;
}

export interface BuilderProps {
  baseDatasetId: number;
  /** An existing view (its definition fills the builder; Save makes a new version). */
  existing?: { id: number; version: number; definition: ViewDefinition } | null;
  onSaved?: (created: Created) => void;
}

export function SafeViewBuilder({ baseDatasetId, existing = null, onSaved }: BuilderProps) {
  const [proposal, setProposal] = useState<Proposal | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [choices, setChoices] = useState<ColumnChoice[]>([]);
  const [name, setName] = useState('');
  const [rowFilter, setRowFilter] = useState('');
  const [sample, setSample] = useState<PreviewSample | null>(null);
  const [busy, setBusy] = useState<'preview' | 'save' | null>(null);
  const [refusal, setRefusal] = useState<DefinitionError | null>(null);
  const [created, setCreated] = useState<(Created & { explore: string }) | null>(null);
  const filter = useFilterCheck(baseDatasetId, rowFilter);

  const load = useCallback(async () => {
    try {
      const answer = await safeViewsApi.propose(baseDatasetId);
      setProposal(answer);
      setChoices(choicesFrom(answer, existing?.definition));
      setName(existing?.definition.name ?? answer.name);
      setRowFilter(existing?.definition.row_filter ?? '');
      setLoadError(null);
    } catch (failure) {
      setLoadError(messageOf(failure));
    }
  }, [baseDatasetId, existing]);
  useEffect(() => void load(), [load]);

  const definition = useMemo(() => definitionOf(baseDatasetId, name, choices, rowFilter), [baseDatasetId, name, choices, rowFilter]);
  const counts = useMemo(() => columnCounts(choices), [choices]);
  const columnNames = useMemo(() => choices.map((c) => c.name), [choices]);
  const refusedColumn = columnOfField(refusal?.field, columnNames);
  const refusedField = refusal?.field?.split(/[.[]/)[0];
  const change = (column: string, patch: Partial<ColumnChoice>) => {
    setChoices((rows) => rows.map((row) => (row.name === column ? { ...row, ...patch } : row)));
    setRefusal(null);
  };

  const preview = async () => {
    setBusy('preview');
    setRefusal(null);
    try {
      setSample(await safeViewsApi.preview(definition));
    } catch (failure) {
      setRefusal(definitionError(failure));
    } finally {
      setBusy(null);
    }
  };
  const save = async () => {
    setBusy('save');
    setRefusal(null);
    try {
      const answer = existing ? await safeViewsApi.update(existing.id, definition, existing.version) : await safeViewsApi.create(definition);
      const detail = await safeViewsApi.get(answer.id).catch(() => null);
      setCreated({ ...answer, explore: exploreUrl(answer.dataset_id, detail?.explore_url) });
      onSaved?.(answer);
    } catch (failure) {
      setRefusal(definitionError(failure));
    } finally {
      setBusy(null);
    }
  };

  if (loadError) {
    return <Alert type="error" showIcon role="alert" message={loadError} action={<Button onClick={() => void load()}>{t('action.retry')}</Button>} />;
  }
  if (!proposal) return <Skeleton active paragraph={{ rows: 6 }} aria-label={t('views.loading')} />;

  const filterError = filter.kind === 'invalid' ? filter.error : refusedField === 'row_filter' ? refusal : null;
  const filterText = filter.kind === 'invalid' ? filter.text : rowFilter;
  const nothingPicked = counts.kept + counts.redacted === 0;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="safe-view-builder">
      {!proposal.domained && <Alert type="warning" showIcon message={t('views.notDomained')} />}
      <Form layout="vertical" onFinish={() => void save()}>
        <Form.Item label={t('views.name')} htmlFor="safe-view-name" validateStatus={refusedField === 'name' ? 'error' : ''}
          help={refusedField === 'name' ? refusal?.message : null}>
          <Input id="safe-view-name" value={name} maxLength={250} onChange={(e) => { setName(e.target.value); setRefusal(null); }} />
        </Form.Item>
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
      <div style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) auto', gap: 16, alignItems: 'center' }}>
        <Typography.Text>{t('views.pickHelp')}</Typography.Text>
        <ColumnsChart counts={counts} />
      </div>
      <Table<ColumnChoice>
        size="small" rowKey="name" dataSource={choices} aria-label={t('views.columns')}
        pagination={{ pageSize: COLUMNS_PAGE, hideOnSinglePage: true }}
        rowClassName={(row) => (row.name === refusedColumn ? 'safe-view-refused' : '')}
        onRow={(row) => ({ 'data-column': row.name, 'data-included': String(row.included) } as React.HTMLAttributes<HTMLElement>)}
        columns={[
          { title: t('views.include'), key: 'include', width: 80, render: (_, row) => (
            <Checkbox checked={row.included} aria-label={t('views.includeColumn', { column: row.name })}
              onChange={(e) => change(row.name, { included: e.target.checked })} />) },
          { title: t('semantics.column'), dataIndex: 'name', render: (column: string, row) => (
            <span><Typography.Text strong>{column}</Typography.Text>
              {row.type ? <div><Typography.Text type="secondary" style={{ fontSize: 12 }}>{row.type}</Typography.Text></div> : null}</span>) },
          { title: t('domains.domain'), key: 'domain', render: (_, row) => (
            <Space size={4} wrap>
              {row.domain ? <code>{row.domain}</code> : <Typography.Text type="secondary">{t('domains.unknown')}</Typography.Text>}
              {row.pii ? <PiiTag pii={row.pii} /> : null}
              {row.band ? <Tag>{bandLabel(row.band)}</Tag> : null}
            </Space>) },
          { title: t('views.redaction'), key: 'redaction', width: 330, render: (_, row) => (
            <RedactionChooser column={row.name} type={row.type} value={row.redaction} disabled={!row.included}
              onChange={(redaction) => change(row.name, { redaction })} />) },
          { title: t('views.reason'), dataIndex: 'reason', render: (reason: string | null) =>
            reason ? <Typography.Text type="secondary">{reason}</Typography.Text> : null },
        ]}
      />
      {refusedColumn && refusal && <Alert type="error" showIcon role="alert" message={t('views.refusedColumn', { column: refusedColumn, message: refusal.message })} />}
      <Form layout="vertical">
        <Form.Item label={t('views.rowFilter')} htmlFor="safe-view-filter" extra={filter.kind === 'empty' ? t('views.rowFilterHelp') : null}
          validateStatus={filterError ? 'error' : filter.kind === 'valid' ? 'success' : filter.kind === 'checking' ? 'validating' : ''}
          help={filterError ? <span role="alert" data-testid="filter-error">{filterError.message}</span>
            : filter.kind === 'valid' ? <span data-testid="filter-valid">{t('views.filterValid')}</span>
            : filter.kind === 'checking' ? t('views.filterChecking') : null}>
          <Input.TextArea id="safe-view-filter" value={rowFilter} rows={2} maxLength={4000} spellCheck={false}
            style={{ fontFamily: 'monospace' }} placeholder="country = 'FR' AND amount >= 0"
            onChange={(e) => { setRowFilter(e.target.value); if (refusedField === 'row_filter') setRefusal(null); }} />
        </Form.Item>
        {filterError && (filterError.position != null || filterError.fragment) && (
          <MarkedFilter text={filterText} position={filterError.position} fragment={filterError.fragment} />
        )}
        {filter.kind === 'valid' && <Typography.Text type="secondary"><code data-testid="filter-sql">{filter.sql}</code></Typography.Text>}
      </Form>
      {refusal && !refusedColumn && refusedField !== 'name' && refusedField !== 'row_filter' && (
        <Alert type="error" showIcon role="alert" closable onClose={() => setRefusal(null)}
          message={refusal.field ? t('views.refusedField', { field: refusal.field, message: refusal.message }) : refusal.message} />
      )}
      <Space wrap>
        <Button onClick={() => void preview()} loading={busy === 'preview'} disabled={nothingPicked || filter.kind === 'invalid'}>
          {t('views.preview')}
        </Button>
        <Button type="primary" onClick={() => void save()} loading={busy === 'save'}
          disabled={nothingPicked || !name.trim() || filter.kind === 'invalid' || filter.kind === 'checking'}>
          {existing ? t('views.saveVersion') : t('views.create')}
        </Button>
        {nothingPicked && <Typography.Text type="secondary">{t('views.pickOne')}</Typography.Text>}
      </Space>
      {created && (
        <Alert type="success" showIcon role="status" data-testid="safe-view-created"
          message={existing ? t('views.saved', { version: created.version }) : t('views.created', { version: created.version })}
          description={
            <Space wrap>
              <a href={created.explore}>{t('views.openInSuperset')}</a>
              <a href={`/dataset_review/safe_views/${created.id}`}>{t('views.openView')}</a>
            </Space>
          } />
      )}
      {sample && (
        <Card size="small" title={t('views.sample')} role="region" aria-label={t('views.sample')}>
          <SamplePanel sample={sample} />
        </Card>
      )}
    </Space>
  );  // prettier-ignore
}
