// Domain Studio: the domains of a dataset's columns (with the evidence behind each), the decisions on them, the
// catalog with its staged deltas and Promote, and the threshold profile's reliability curve. Shown as a tab of the
// review and as a page of its own per dataset (/dataset_review/domains/<id>).

import { Alert, App, Button, Card, Dropdown, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { label, t } from '../i18n';
import { onboardUrl } from '../onboarding/client';
import { ApiError, type Task } from '../workspace/client';
import { TaskProgress } from '../workspace/parts';
import {
  domainsApi, promoteBlocker, searchDomains, type CatalogDomain, type ColumnAssignment, type DatasetDomains,
  type Decision, type LiveCatalogInfo, type StagedDelta, type TestFailure, type ThresholdProfileInfo,
} from './client';
import { ConfidencePill, EvidenceDrawer, PiiTag, ReliabilityChart } from './parts';

const POLL_MS = 1500;
const GRID_PAGE = 25;
const CATALOG_PAGE = 8;

const running = (task: Task | null | undefined) => !!task && (task.state === 'queued' || task.state === 'running');

function messageOf(failure: unknown): string {
  if (failure instanceof ApiError) return failure.code === 'NETWORK' ? t('error.networkAction') : failure.message;
  return String(failure);
}

/** The dataset's domains, reloaded while its domaining task runs. */
export function useDatasetDomains(datasetId: number) {
  const [data, setData] = useState<DatasetDomains | null>(null);
  const [task, setTask] = useState<Task | null>(null);
  const [error, setError] = useState<string | null>(null);
  const alive = useRef(true);
  const reload = useCallback(async () => {
    try {
      const answer = await domainsApi.dataset(datasetId);
      if (!alive.current) return;
      setData(answer);
      const newest = answer.tasks?.[0];
      if (newest) setTask(newest);
      setError(null);
    } catch (failure) {
      if (alive.current) setError(messageOf(failure));
    }
  }, [datasetId]);
  useEffect(() => {
    alive.current = true;
    void reload();
    return () => {
      alive.current = false;
    };
  }, [reload]);
  useEffect(() => {
    if (!running(task)) return undefined;
    const timer = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [task, reload]);
  return { data, task, setTask, error, setError, reload };
}

/** A row of the grid: a column of the dataset, with its assignment once domaining has seen it. */
export interface GridRow {
  column: string;
  type: string | null;
  assignment: ColumnAssignment | null;
}

export function gridRows(data: DatasetDomains): GridRow[] {
  return data.columns.map((c) => ({ column: c.column_name, type: c.type, assignment: c.assignment }));
}

type Staging = { kind: 'add_alias' | 'add_regex' | 'override'; column: GridRow };

function StageModal({ staging, domains, onCancel, onSubmit, busy }: {
  staging: Staging | null; domains: CatalogDomain[]; busy: boolean;
  onCancel: () => void; onSubmit: (domain: string, text: string, language: string) => void;
}) {
  const [domain, setDomain] = useState<string | undefined>(undefined);
  const [text, setText] = useState('');
  const [language, setLanguage] = useState('en');
  useEffect(() => {
    setDomain(staging?.column.assignment?.domain ?? undefined);
    setText(staging?.kind === 'add_alias' ? staging.column.column : '');
    setLanguage('en');
  }, [staging]);
  if (!staging) return null;
  const kind = staging.kind;
  const title = t(kind === 'add_alias' ? 'domains.addAlias' : kind === 'add_regex' ? 'domains.addRegex' : 'domains.override');
  const options = domains.filter((d) => !d.abstract).map((d) => ({ value: d.name, label: d.name }));
  const ready = !!domain && (kind === 'override' || text.trim().length > 0);
  return (
    <Modal open title={`${title}: ${staging.column.column}`} onCancel={onCancel} okText={title} confirmLoading={busy}
      okButtonProps={{ disabled: !ready }} onOk={() => domain && onSubmit(domain, text.trim(), language)} destroyOnHidden>
      <Form layout="vertical" onFinish={() => ready && domain && onSubmit(domain, text.trim(), language)}>
        <Form.Item label={t('domains.domain')} htmlFor="stage-domain">
          <Select id="stage-domain" showSearch value={domain} onChange={setDomain} options={options}
            placeholder={t('domains.chooseDomain')} aria-label={t('domains.domain')} />
        </Form.Item>
        {kind === 'add_alias' && (
          <>
            <Form.Item label={t('domains.alias')} htmlFor="stage-alias">
              <Input id="stage-alias" value={text} maxLength={200} onChange={(e) => setText(e.target.value)} />
            </Form.Item>
            <Form.Item label={t('domains.language')} htmlFor="stage-language">
              <Select id="stage-language" value={language} onChange={setLanguage} aria-label={t('domains.language')}
                options={[{ value: 'en', label: 'English' }, { value: 'ru', label: 'Русский' }]} />
            </Form.Item>
          </>
        )}
        {kind === 'add_regex' && (
          <Form.Item label={t('domains.regex')} htmlFor="stage-regex" extra={t('domains.regexHelp')}>
            <Input id="stage-regex" value={text} maxLength={500} onChange={(e) => setText(e.target.value)}
              style={{ fontFamily: 'monospace' }} />
          </Form.Item>
        )}
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
    </Modal>
  );
}

function ColumnsGrid({ rows, busyColumn, onDecide, onEvidence, onStage }: {
  rows: GridRow[]; busyColumn: string | null;
  onDecide: (column: GridRow, decision: Decision) => void;
  onEvidence: (column: ColumnAssignment) => void;
  onStage: (staging: Staging) => void;
}) {
  return (
    <Table<GridRow>
      size="small" rowKey="column" dataSource={rows} aria-label={t('domains.grid')}
      pagination={{ pageSize: GRID_PAGE, hideOnSinglePage: true }}
      locale={{ emptyText: t('domains.noColumns') }}
      columns={[
        { title: t('semantics.column'), dataIndex: 'column', render: (name: string, row) => (
          <span><Typography.Text strong>{name}</Typography.Text>{row.type ? <div><Typography.Text type="secondary" style={{ fontSize: 12 }}>{row.type}</Typography.Text></div> : null}</span>) },
        { title: t('domains.domain'), key: 'domain', render: (_, row) => row.assignment?.domain
          ? <code>{row.assignment.domain}</code>
          : <Typography.Text type="secondary">{row.assignment ? t('domains.unknown') : t('domains.notClassified')}</Typography.Text> },
        { title: t('domains.confidence'), key: 'confidence', width: 150, render: (_, row) => row.assignment
          ? <ConfidencePill band={row.assignment.band} confidence={row.assignment.confidence} /> : null },
        { title: t('domains.pii'), key: 'pii', width: 110, render: (_, row) => row.assignment ? <PiiTag pii={row.assignment.pii} /> : null },
        { title: t('session.state'), key: 'status', width: 110, render: (_, row) => row.assignment
          ? <Tag>{label('assignment', row.assignment.status)}</Tag> : null },
        { title: t('domains.actions'), key: 'actions', width: 330, render: (_, row) => {
          const a = row.assignment;
          return (
            <Space size={4} wrap>
              <Button size="small" disabled={!a} onClick={() => a && onEvidence(a)} aria-label={t('domains.evidenceOf', { column: row.column })}>
                {t('domains.evidence')}
              </Button>
              <Button size="small" disabled={!a?.domain || a.status === 'accepted'} loading={busyColumn === row.column}
                onClick={() => onDecide(row, { action: 'approve' })} aria-label={t('domains.approveColumn', { column: row.column })}>
                {t('domains.approve')}
              </Button>
              <Button size="small" disabled={a?.status === 'unknown'} onClick={() => onDecide(row, { action: 'unknown' })}
                aria-label={t('domains.unknownColumn', { column: row.column })}>
                {t('domains.markUnknown')}
              </Button>
              <Dropdown trigger={['click']} menu={{
                items: [
                  { key: 'override', label: t('domains.override') },
                  { key: 'add_alias', label: t('domains.addAlias') },
                  { key: 'add_regex', label: t('domains.addRegex') },
                ],
                onClick: ({ key }) => onStage({ kind: key as Staging['kind'], column: row }),
              }}>
                <Button size="small" aria-label={t('domains.moreOf', { column: row.column })}>{t('domains.more')} ▾</Button>
              </Dropdown>
            </Space>
          );
        } },
      ]}
    />
  );  // prettier-ignore
}

/** One failing check in words: which values of which domain read as what now. */
export function failureText(domain: string, failure: TestFailure): string {
  if (failure.message) return failure.message;
  if (failure.check === 'negative') return t('deltas.failNegative', { header: failure.header ?? '', domain });
  return t('deltas.failExamples', { domain, got: failure.got ?? t('domains.unknown') });
}

function DeltaTestResult({ delta }: { delta: StagedDelta }) {
  const test = delta.test;
  if (!test) return <Tag>{t('deltas.untested')}</Tag>;
  if (test.passed && test.catalog_passed !== false) return <Tag color="#1E6B3A" style={{ color: '#fff' }}>{t('deltas.passed')}</Tag>;
  const lines = [
    ...(test.problems ?? []).map((problem) => problem.message),
    ...(test.failures ?? []).map((failure) => failureText(delta.domain, failure)),
  ];
  return (
    <Space direction="vertical" size={0}>
      <Tag color="#A0182B" style={{ color: '#fff' }}>
        {test.passed ? t('deltas.catalogFailed') : t('deltas.failed', { count: Math.max(lines.length, 1) })}
      </Tag>
      {lines.slice(0, 3).map((line, index) => (
        <Typography.Text key={index} type="secondary" style={{ fontSize: 12 }}>{line}</Typography.Text>
      ))}
    </Space>
  );
}

/** The live catalog (version, hash, its domains searchable), the staged deltas with their auto-test, and Promote for
 * a curator. */
export function CatalogPanel({ catalog, deltas, canCurate, busy, onPromote, onTest, error = null }: {
  catalog: LiveCatalogInfo | null; deltas: StagedDelta[]; canCurate: boolean; busy: string | null; onPromote: () => void;
  onTest?: () => void; error?: string | null;
}) {
  const [query, setQuery] = useState('');
  const found = useMemo(() => searchDomains(catalog?.domains ?? [], query), [catalog, query]);
  const staged = deltas.filter((delta) => delta.state === 'staged');
  const blocker = promoteBlocker(deltas);
  return (
    <Card size="small" title={t('catalog.title')} role="region" aria-label={t('catalog.title')}>
      <Space direction="vertical" style={{ width: '100%' }}>
        {error && <Alert type="warning" showIcon message={t('catalog.unavailable', { reason: error })} />}
        {catalog && (
          <Space wrap>
            <Typography.Text data-testid="catalog-version">{t('catalog.version', { version: catalog.version })}</Typography.Text>
            <Typography.Text type="secondary">
              {t('catalog.hash')}: <code title={catalog.content_hash}>{catalog.content_hash.slice(0, 12)}</code>
            </Typography.Text>
            <Typography.Text type="secondary">{t('catalog.count', { count: catalog.domains.length })}</Typography.Text>
          </Space>
        )}
        {catalog && (<>
        <Input.Search allowClear value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('catalog.search')}
          aria-label={t('catalog.search')} />
        <Table<CatalogDomain> size="small" rowKey="name" dataSource={found} aria-label={t('catalog.domains')}
          pagination={{ pageSize: CATALOG_PAGE, hideOnSinglePage: true, showSizeChanger: false }}
          locale={{ emptyText: t('catalog.noMatch') }} columns={[
            { title: t('domains.domain'), dataIndex: 'name', render: (name: string) => <code>{name}</code> },
            { title: t('summary.description'), dataIndex: 'description' },
            { title: t('domains.pii'), dataIndex: 'pii', width: 90, render: (pii: string | null) => pii ?? '' },
          ]} />
        </>)}
        <Typography.Title level={5} style={{ margin: 0 }}>{t('deltas.title', { count: staged.length })}</Typography.Title>
        <Table<StagedDelta> size="small" rowKey="uuid" dataSource={staged} pagination={false} aria-label={t('deltas.title', { count: staged.length })}
          locale={{ emptyText: t('deltas.none') }} columns={[
            { title: t('deltas.kind'), dataIndex: 'kind', render: (kind: string) => label('deltaKind', kind) },
            { title: t('domains.domain'), dataIndex: 'domain', render: (d: string) => <code>{d}</code> },
            { title: t('deltas.change'), dataIndex: 'payload', render: (p: Record<string, unknown>) =>
              <code style={{ wordBreak: 'break-all' }}>{String(p.alias ?? p.regex ?? p.example ?? p.negative ?? JSON.stringify(p))}</code> },
            { title: t('deltas.test'), key: 'test', render: (_, delta) => <DeltaTestResult delta={delta} /> },
          ]} />
        {canCurate && (
          <Space wrap align="center">
            {onTest && (
              <Button onClick={onTest} loading={busy === 'test'} disabled={!staged.length}>{t('catalog.test')}</Button>
            )}
            <Button type="primary" onClick={onPromote} loading={busy === 'promote'} disabled={blocker !== null}
              aria-describedby={blocker ? 'promote-blocker' : undefined}>
              {t('catalog.promote')}
            </Button>
            {blocker && <Typography.Text id="promote-blocker" type="secondary">{t(`catalog.blocked.${blocker}`)}</Typography.Text>}
          </Space>
        )}
      </Space>
    </Card>
  );  // prettier-ignore
}

export function DomainStudio({ datasetId, canCurate, pageLink = true }: { datasetId: number; canCurate: boolean; pageLink?: boolean }) {
  const { message } = App.useApp();
  const { data, task, setTask, error, setError, reload } = useDatasetDomains(datasetId);
  const [catalog, setCatalog] = useState<LiveCatalogInfo | null>(null);
  const [deltas, setDeltas] = useState<StagedDelta[]>([]);
  const [catalogError, setCatalogError] = useState<string | null>(null);
  const [profile, setProfile] = useState<ThresholdProfileInfo | null>(null);
  const [evidenceOf, setEvidenceOf] = useState<ColumnAssignment | null>(null);
  const [staging, setStaging] = useState<Staging | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const loadCatalog = useCallback(async () => {
    try {
      const [live, staged] = await Promise.all([domainsApi.catalog(), domainsApi.deltas()]);
      setCatalog(live);
      setDeltas(staged.result);
      setCatalogError(null);
    } catch (failure) {
      setCatalogError(messageOf(failure)); // the grid and its decisions work without the catalog panel
    }
  }, []);
  useEffect(() => {
    void loadCatalog();
    domainsApi.profile().then(setProfile).catch(() => setProfile(null));
  }, [loadCatalog]);
  // A finished domaining task brings new verdicts, and perhaps staged deltas from the feedback loop.
  const wasRunning = useRef(false);
  useEffect(() => {
    if (running(task)) wasRunning.current = true;
    else if (wasRunning.current) {
      wasRunning.current = false;
      void loadCatalog();
    }
  }, [task, loadCatalog]);

  const act = async (name: string, action: () => Promise<unknown>, done?: string) => {
    setBusy(name);
    setError(null);
    try {
      await action();
      if (done) void message.success(done);
      return true;
    } catch (failure) {
      setError(messageOf(failure));
      return false;
    } finally {
      setBusy(null);
    }
  };

  const classify = () => act('classify', async () => setTask(await domainsApi.classify(datasetId)));
  const decide = (column: GridRow, decision: Decision) =>
    act(`decide:${column.column}`, async () => {
      await domainsApi.decide(datasetId, column.column, decision);
      await Promise.all([reload(), loadCatalog()]);
    });
  const stage = (domain: string, text: string, language: string) => {
    if (!staging) return;
    const { kind, column } = staging;
    const origin = { dataset_id: datasetId, column: column.column };
    void act('stage', async () => {
      if (kind === 'override') await domainsApi.decide(datasetId, column.column, { action: 'override', domain });
      else if (kind === 'add_alias') await domainsApi.stage(kind, domain, { alias: text, language }, origin);
      else await domainsApi.stage(kind, domain, { regex: text }, origin);
      setStaging(null);
      await Promise.all([reload(), loadCatalog()]);
    }, kind === 'override' ? undefined : t('deltas.staged'));
  };
  const promote = () => {
    if (!catalog) return;
    void act('promote', async () => {
      try {
        const live = await domainsApi.promote(catalog.version);
        void message.success(t('catalog.promoted', { version: live.version }));
      } finally {
        await loadCatalog(); // a refusal (a failing test, another curator first) shows in the panel as it now is
      }
    });
  };

  const busyColumn = busy?.startsWith('decide:') ? busy.slice('decide:'.length) : null;
  const rows = data ? gridRows(data) : [];
  const counts = rows.reduce<Record<string, number>>((acc, { assignment: a }) => (a ? { ...acc, [a.band]: (acc[a.band] ?? 0) + 1 } : acc), {});
  const classified = rows.some((row) => row.assignment);
  const tauHigh = typeof profile?.profile.tau_high === 'number' ? profile.profile.tau_high : undefined;
  const tauLow = typeof profile?.profile.tau_low === 'number' ? profile.profile.tau_low : undefined;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="domain-studio">
      <Space wrap style={{ justifyContent: 'space-between', width: '100%' }}>
        <Space wrap>
          <Button type="primary" onClick={() => void classify()} loading={busy === 'classify'} disabled={running(task)}>
            {t('domains.classify')}
          </Button>
          {classified && (
            <Typography.Text>
              {(['high', 'borderline', 'low', 'empty'] as const).filter((b) => counts[b]).map((b) => t(`domains.count.${b}`, { count: counts[b] ?? 0 })).join(' · ')}
            </Typography.Text>
          )}
        </Space>
        <Space wrap>
          <Button href={`/dataset_review/safe_views/new/${datasetId}`}>{t('views.fromStudio')}</Button>
          <Button href={onboardUrl(datasetId)}>{t('onb.fromDataset')}</Button>
          {pageLink && <Button href={`/dataset_review/domains/${datasetId}`}>{t('domains.openPage')}</Button>}
        </Space>
      </Space>
      {task && (running(task) || task.state === 'failed') && <TaskProgress task={task} />}
      {error && <Alert type="error" showIcon closable onClose={() => setError(null)} role="alert" message={error} />}
      {data && !classified && !running(task) && <Alert type="info" showIcon message={t('domains.notYet')} />}
      {data && (
        <ColumnsGrid rows={rows} busyColumn={busyColumn} onDecide={(c, d) => void decide(c, d)} onEvidence={setEvidenceOf}
          onStage={setStaging} />
      )}
      <div style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 3fr) minmax(0, 2fr)', gap: 16, alignItems: 'start' }}>
        <CatalogPanel catalog={catalog} deltas={deltas} canCurate={canCurate} busy={busy} onPromote={promote}
          onTest={() => void act('test', async () => { await domainsApi.test(); await loadCatalog(); })} error={catalogError} />
        <Card size="small" title={t('reliability.title')} role="region" aria-label={t('reliability.title')}>
          {profile ? (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Typography.Text type="secondary">
                {t('reliability.profile', { name: String(profile.profile.name ?? 'tp_default_v1'), high: tauHigh ?? '-', low: tauLow ?? '-' })}
              </Typography.Text>
              <ReliabilityChart bins={profile.reliability ?? []} tauHigh={tauHigh} tauLow={tauLow} />
            </Space>
          ) : <Typography.Text type="secondary">{t('reliability.none')}</Typography.Text>}
        </Card>
      </div>
      <EvidenceDrawer column={evidenceOf} onClose={() => setEvidenceOf(null)} />
      <StageModal staging={staging} domains={catalog?.domains ?? []} busy={busy === 'stage'} onCancel={() => setStaging(null)}
        onSubmit={stage} />
    </Space>
  );  // prettier-ignore
}
