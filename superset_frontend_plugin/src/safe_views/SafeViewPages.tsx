// The pages of AI-safe views (superset_review/extension/views.py), inside Superset's navbar like the workspace:
// /dataset_review/safe_views/new/<base_dataset_id> (the builder on a dataset, with the dataset's views listed) and
// /dataset_review/safe_views/<id> (a view: its state, what drifted and Review, its versions, Archive, and the
// builder on its definition for a new version).

import { Alert, App, Button, Card, ConfigProvider, Descriptions, Popconfirm, Skeleton, Space, Table, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { t } from '../i18n';
import { FOCUS_CSS, THEME } from '../workspace/Workspace';
import { SafeViewBuilder, messageOf } from './Builder';
import { exploreUrl, safeViewsApi, type StaleReason, type ViewDetail, type ViewSummary, type ViewVersion } from './client';
import { ViewStateTag } from './parts';

const SAFE_VIEW_CSS = `.dataset-review .safe-view-refused > td { background: #FDECEE !important; }`;

export function PageFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <ConfigProvider theme={THEME}>
      <App>
        <style>{FOCUS_CSS + SAFE_VIEW_CSS}</style>
        <div style={{ maxWidth: 1240, margin: '0 auto', padding: '16px 20px', minWidth: 0 }}>
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Button href="/dataset_review/" style={{ alignSelf: 'flex-start' }}>← {t('studio.back')}</Button>
            <Typography.Title level={1} style={{ margin: 0, fontSize: 26 }}>{title}</Typography.Title>
            {children}
          </Space>
        </div>
      </App>
    </ConfigProvider>
  );  // prettier-ignore
}

/** What drifted in the base dataset since the view was compiled, in words. */
export function staleText(reason: StaleReason | null | undefined): string[] {
  if (!reason) return [];
  const names = (items: unknown[] | undefined) =>
    (items ?? []).map((item) => (typeof item === 'string' ? item : String((item as Record<string, unknown>).name ?? (item as Record<string, unknown>).column ?? JSON.stringify(item))));
  const lines: string[] = [];
  if (reason.added?.length) lines.push(t('views.drift.added', { columns: names(reason.added).join(', ') }));
  if (reason.removed?.length) lines.push(t('views.drift.removed', { columns: names(reason.removed).join(', ') }));
  if (reason.retyped?.length) lines.push(t('views.drift.retyped', { columns: names(reason.retyped).join(', ') }));
  return lines;
}

function when(value: string | undefined | null): string {
  if (!value) return '';
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

/** The views of a dataset, each with its state and a link to its page. */
export function ViewList({ views }: { views: ViewSummary[] }) {
  return (
    <Table<ViewSummary> size="small" rowKey="id" dataSource={views} pagination={false} aria-label={t('views.existing')}
      locale={{ emptyText: t('views.noneYet') }} columns={[
        { title: t('views.name'), dataIndex: 'name', render: (name: string, view) => <a href={`/dataset_review/safe_views/${view.id}`}>{name}</a> },
        { title: t('session.state'), dataIndex: 'state', width: 120, render: (state: string) => <ViewStateTag state={state} /> },
        { title: t('views.version'), dataIndex: 'version', width: 90 },
        { title: t('list.changed'), dataIndex: 'changed_on', width: 200, render: when },
        { title: '', key: 'explore', width: 160, render: (_, view) => view.dataset_id
          ? <a href={exploreUrl(view.dataset_id, view.explore_url)}>{t('views.openInSuperset')}</a> : null },
      ]} />
  );  // prettier-ignore
}

export function NewSafeViewPage({ datasetId, datasetName }: { datasetId: number; datasetName: string | null }) {
  const [views, setViews] = useState<ViewSummary[] | null>(null);
  const loadViews = useCallback(() => {
    safeViewsApi.list(datasetId).then((answer) => setViews(answer.result), () => setViews(null));
  }, [datasetId]);
  useEffect(loadViews, [loadViews]);
  return (
    <PageFrame title={t('views.newTitle', { name: datasetName ?? String(datasetId) })}>
      <SafeViewBuilder baseDatasetId={datasetId} onSaved={loadViews} />
      {views && views.length > 0 && (
        <Card size="small" title={t('views.existing')} role="region" aria-label={t('views.existing')}>
          <ViewList views={views} />
        </Card>
      )}
    </PageFrame>
  );
}

/** The versions of a view, newest first. */
export function VersionsTable({ versions }: { versions: ViewVersion[] }) {
  const rows = [...versions].sort((a, b) => b.version - a.version);
  return (
    <Table<ViewVersion> size="small" rowKey="version" dataSource={rows} pagination={{ pageSize: 10, hideOnSinglePage: true }}
      aria-label={t('views.versions')} locale={{ emptyText: t('views.noVersions') }} columns={[
        { title: t('views.version'), dataIndex: 'version', width: 90 },
        { title: t('views.hash'), dataIndex: 'content_hash', render: (hash?: string) => hash ? <code title={hash}>{hash.slice(0, 12)}</code> : null },
        { title: t('views.columnsCount'), key: 'columns', render: (_, v) => v.definition?.columns?.length ?? '' },
        { title: t('views.author'), key: 'author', render: (_, v) => v.author ?? (v.author_id != null ? `#${v.author_id}` : '') },
        { title: t('views.note'), dataIndex: 'note' },
        { title: t('list.changed'), dataIndex: 'created_on', width: 200, render: when },
      ]} />
  );  // prettier-ignore
}

export function SafeViewPage({ viewId, datasetName }: { viewId: number; datasetName: string | null }) {
  const { message } = App.useApp();
  const [view, setView] = useState<ViewDetail | null>(null);
  const [versions, setVersions] = useState<ViewVersion[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'review' | 'archive' | null>(null);
  const load = useCallback(async () => {
    try {
      const [detail, history] = await Promise.all([safeViewsApi.get(viewId), safeViewsApi.versions(viewId).catch(() => ({ result: [] }))]);
      setView(detail);
      setVersions(history.result);
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }, [viewId]);
  useEffect(() => void load(), [load]);
  // One object per loaded version: the builder reloads its proposal when it changes.
  const existing = useMemo(() => (view ? { id: view.id, version: view.version, definition: view.definition } : null), [view]);
  const act = async (name: 'review' | 'archive', action: () => Promise<unknown>, done: string) => {
    setBusy(name);
    setError(null);
    try {
      await action();
      void message.success(done);
      await load();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(null);
    }
  };
  if (!view) {
    return error ? <Alert type="error" showIcon role="alert" message={error} action={<Button onClick={() => void load()}>{t('action.retry')}</Button>} />
      : <Skeleton active paragraph={{ rows: 6 }} aria-label={t('views.loading')} />;  // prettier-ignore
  }
  const drift = staleText(view.stale_reason);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="safe-view-page">
      <Space wrap align="center">
        <ViewStateTag state={view.state} />
        <Typography.Text>{t('views.versionOf', { version: view.version })}</Typography.Text>
        {view.dataset_id && <a href={exploreUrl(view.dataset_id, view.explore_url)}>{t('views.openInSuperset')}</a>}
        <a href={`/dataset_review/safe_views/new/${view.base_dataset_id}`}>{t('views.anotherView')}</a>
      </Space>
      {error && <Alert type="error" showIcon role="alert" closable onClose={() => setError(null)} message={error} />}
      {view.state === 'stale' && (
        <Alert type="warning" showIcon data-testid="safe-view-stale" message={t('views.staleTitle')}
          description={<Space direction="vertical" size={2}>{drift.map((line) => <span key={line}>{line}</span>)}<span>{t('views.staleHelp')}</span></Space>}
          action={<Button type="primary" loading={busy === 'review'}
            onClick={() => void act('review', () => safeViewsApi.review(view.id, view.version), t('views.reviewed'))}>{t('views.review')}</Button>} />
      )}
      <Descriptions size="small" bordered column={2}>
        <Descriptions.Item label={t('views.base')}>{datasetName ?? `#${view.base_dataset_id}`}</Descriptions.Item>
        <Descriptions.Item label={t('views.dataset')}>{view.dataset_id ?? '-'}</Descriptions.Item>
        <Descriptions.Item label={t('list.changed')}>{when(view.changed_on)}</Descriptions.Item>
        <Descriptions.Item label={t('views.columnsCount')}>{view.definition.columns.length}</Descriptions.Item>
      </Descriptions>
      <Card size="small" title={t('views.versions')} role="region" aria-label={t('views.versions')}>
        <VersionsTable versions={versions} />
      </Card>
      {view.state !== 'archived' && (
        <Card size="small" title={t('views.edit')} role="region" aria-label={t('views.edit')}>
          <SafeViewBuilder baseDatasetId={view.base_dataset_id} onSaved={() => void load()}
            existing={existing} />
        </Card>
      )}
      {view.state !== 'archived' && (
        <Popconfirm title={t('views.archiveConfirm')} okText={t('views.archive')} cancelText={t('views.cancel')}
          onConfirm={() => void act('archive', () => safeViewsApi.archive(view.id), t('views.archived'))}>
          <Button danger loading={busy === 'archive'}>{t('views.archive')}</Button>
        </Popconfirm>
      )}
    </Space>
  );  // prettier-ignore
}

export function SafeViewPageFrame({ viewId, viewName, datasetName }: { viewId: number; viewName: string | null; datasetName: string | null }) {
  return (
    <PageFrame title={t('views.viewTitle', { name: viewName ?? `#${viewId}` })}>
      <SafeViewPage viewId={viewId} datasetName={datasetName} />
    </PageFrame>
  );
}
