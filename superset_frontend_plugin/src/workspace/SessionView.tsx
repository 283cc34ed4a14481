import {
  Alert, Button, Card, Collapse, Descriptions, Empty, Input, List, Modal, Progress, Radio, Skeleton, Space, Table,
  Tabs, Tag, Typography, Upload,
} from 'antd';
import { useEffect, useState } from 'react';
import { label, t } from '../i18n';
import { ApiError, api, type FieldState, type Finding, type Mapping, type Run, type Session, type Topic } from './client';
import { SqlBlock, StateTag, TaskProgress, tasksToShow } from './parts';
import { useSession } from './useSession';
import { DomainStudio } from '../domains/DomainStudio';
import { onboardUrl } from '../onboarding/client';

type Act = (name: string, action: (session: Session) => Promise<Session>) => Promise<boolean>;

/** Where a finding's target is shown: its tab, by the target's kind. A column is acted on in the semantics tab
 * when it has a row there (candidates), and is shown in the summary's column table otherwise. */
export function tabOfTarget(finding: Pick<Finding, 'target_kind' | 'target'>, semanticColumns: Set<string>): string {
  if (finding.target_kind === 'column') return finding.target && semanticColumns.has(finding.target) ? 'semantics' : 'summary';
  return ({ variable: 'mappings', filter: 'summary', sql: 'preview' } as Record<string, string>)[finding.target_kind] ?? 'summary';
}

/** The id of the element that shows a target (a column, a variable, a filter) in a tab, for the jump to it. */
export function targetId(tab: string, kind: string, name: string): string {
  return `review-target-${tab}-${kind}-${encodeURIComponent(name)}`;
}

/** A target's name, focusable so that the jump from a finding lands on it (and shows the focus ring there). */
function Target({ tab, kind, name }: { tab: string; kind: string; name: string }) {
  return <span id={targetId(tab, kind, name)} tabIndex={-1} className="review-target">{name}</span>;
}

/** A paginated table's page, turned to the row a jump is looking for (and left alone while the session polls). */
function usePageOf<Row>(rows: Row[], matches: (row: Row) => boolean, pageSize: number, focus: string | null) {
  const [page, setPage] = useState(1);
  useEffect(() => {
    const index = focus === null ? -1 : rows.findIndex(matches);
    if (index >= 0) setPage(Math.floor(index / pageSize) + 1);
  }, [focus]); // eslint-disable-line react-hooks/exhaustive-deps -- follow the jump, not every poll
  return { pageSize, current: page, onChange: setPage, hideOnSinglePage: true };
}

function ErrorBar({ error, onReload, onDismiss }: { error: ApiError; onReload: () => void; onDismiss: () => void }) {
  const message = error.status === 409 && error.code === 'SESSION_CHANGED' ? t('error.conflict')
    : error.code === 'NETWORK' ? t('error.networkAction') : error.message;  // prettier-ignore
  return (
    <Alert
      type="error" showIcon closable onClose={onDismiss} role="alert" message={message}
      action={error.status === 409 ? <Button onClick={onReload}>{t('error.reload')}</Button> : undefined}
    />
  );
}

const COLUMNS_PAGE = 25;

function Summary({ session, focus }: { session: Session; focus: string | null }) {
  const filters = session.context.filters ?? [];
  const profile = session.profile;
  const statistics = profile.data?.statistics;
  const counts = (['blocking', 'warning', 'info'] as const).map(
    (severity) => `${session.findings.filter((f) => f.severity === severity).length} ${t(`severity.${severity}`).toLowerCase()}`,
  );
  const columns = (profile.columns ?? []).map((column) => ({ ...column, stats: statistics?.columns[column.column_name] }));
  const pagination = usePageOf(columns, (c) => c.column_name === focus, COLUMNS_PAGE, focus);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Descriptions bordered size="small" column={2}>
        <Descriptions.Item label={t('summary.dataset')}>{profile.table_name} ({profile.kind})</Descriptions.Item>
        <Descriptions.Item label={t('summary.database')}>{profile.database}{profile.schema ? `.${profile.schema}` : ''}</Descriptions.Item>
        <Descriptions.Item label={t('summary.columns')}>{profile.columns?.length ?? 0} / {t('summary.metrics')}: {profile.metrics?.length ?? 0}</Descriptions.Item>
        <Descriptions.Item label={t('summary.rows')}>{statistics ? statistics.rows.toLocaleString() : t('summary.noData')}</Descriptions.Item>
        <Descriptions.Item label={t('summary.owners')}>{profile.owners?.join(', ') || '-'}</Descriptions.Item>
        <Descriptions.Item label={t('summary.certified')}>{profile.certification?.certified_by ?? '-'}</Descriptions.Item>
        <Descriptions.Item label={t('tab.findings', { count: session.findings.length })} span={2}>{counts.join(', ')}</Descriptions.Item>
        <Descriptions.Item label={t('session.source')} span={2}>{session.source}</Descriptions.Item>
        {profile.description ? <Descriptions.Item label={t('summary.description')} span={2}>{profile.description}</Descriptions.Item> : null}
      </Descriptions>
      <Typography.Title level={5}>{t('filters.title')}</Typography.Title>
      {filters.length === 0 ? <Typography.Text>{t('filters.none')}</Typography.Text> : (
        <Table size="small" rowKey="filter_id" pagination={false} dataSource={filters} columns={[
          { title: t('mappings.variable'), dataIndex: 'name', render: (name: string) => <Target tab="summary" kind="filter" name={name} /> },
          { title: t('semantics.column'), dataIndex: 'column' },
          { title: t('mappings.value'), dataIndex: 'value', render: (v: unknown) => JSON.stringify(v) },
          { title: t('mappings.provenance'), dataIndex: 'provenance' },
          { title: t('session.state'), dataIndex: 'status', render: (s: string) => <Tag>{s}</Tag> },
        ]} />
      )}
      <Typography.Title level={5}>{t('summary.columns')}</Typography.Title>
      <Table size="small" rowKey="column_name" dataSource={columns} pagination={pagination} columns={[
        { title: t('semantics.column'), dataIndex: 'column_name', render: (name: string, c) => <span><Target tab="summary" kind="column" name={name} />{profile.data?.pii_columns[name] ? <Tag color="#A0182B" style={{ color: '#fff', marginLeft: 6 }}>PII: {profile.data.pii_columns[name]}</Tag> : null}{c.verbose_name ? <div><Typography.Text type="secondary">{c.verbose_name}</Typography.Text></div> : null}</span> },
        { title: t('summary.type'), dataIndex: 'type' },
        { title: t('summary.nulls'), key: 'nulls', render: (_, c) => c.stats?.null_rate == null ? '' : `${Math.round(c.stats.null_rate * 100)}%` },
        { title: t('summary.distinct'), key: 'distinct', render: (_, c) => c.stats?.distinct ?? '' },
        { title: t('summary.top'), key: 'top', render: (_, c) => c.stats?.withheld ? t('summary.withheld') : (c.stats?.top_values ?? []).slice(0, 3).map((v) => `${String(v.value)} (${v.count})`).join(', ') },
        { title: t('summary.description'), dataIndex: 'description' },
      ]} />
    </Space>
  );
}

function Findings({ findings, onJump }: { findings: Finding[]; onJump: (finding: Finding) => void }) {
  if (findings.length === 0) return <Empty description={t('findings.none')} />;
  const groups = (['blocking', 'warning', 'info'] as const).map((severity) => ({
    severity, items: findings.filter((f) => f.severity === severity),
  }));
  return (
    <Collapse
      // Blocking and warning findings open; information opens too when there is nothing more pressing.
      defaultActiveKey={groups.some((g) => g.severity !== 'info' && g.items.length) ? ['blocking', 'warning'] : ['info']}
      items={groups.filter((g) => g.items.length).map((group) => ({
        key: group.severity,
        label: `${t(`severity.${group.severity}`)} (${group.items.length})`,
        children: (
          <List size="small" dataSource={group.items} renderItem={(finding) => (
            <List.Item actions={finding.target ? [<Button key="go" type="link" onClick={() => onJump(finding)}>{finding.target}</Button>] : []}>
              <List.Item.Meta title={<code>{finding.code}</code>} description={
                <>{finding.message}{finding.suggested_fix ? <div>{t('findings.fix', { fix: finding.suggested_fix })}</div> : null}</>} />
            </List.Item>
          )} />
        ),
      }))}
    />
  );
}

const SEMANTICS_PAGE = 50;

function Semantics({ session, act, busy, focus }: { session: Session; act: Act; busy: string | null; focus: string | null }) {
  const states = session.semantics ?? [];
  const proposed = states.filter((s) => s.status === 'proposed');
  const pagination = usePageOf(states, (s) => s.column === focus, SEMANTICS_PAGE, focus);
  const firstRowOf = new Map<string, string>();
  states.forEach((s) => { if (!firstRowOf.has(s.column)) firstRowOf.set(s.column, s.field); });
  const decide = (state: FieldState, action: string, candidate_index?: number) =>
    act(`semantics.${action}`, (s) => api.decide(s, [{ column: state.column, field: state.field, action, candidate_index }]));
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Upload accept=".csv,.xlsx,.json" showUploadList={false} customRequest={({ file }) => {
          void act('semantics.upload', (s) => api.uploadDictionary(s, file as File));
        }}>
          <Button loading={busy === 'semantics.upload'}>{t('semantics.upload')}</Button>
        </Upload>
        <Button disabled={!proposed.length} onClick={() => void act('semantics.acceptAll', (s) =>
          api.decide(s, proposed.map((p) => ({ column: p.column, field: p.field, action: 'accept' }))))}>
          {t('semantics.acceptAll')}
        </Button>
        <Button type="primary" onClick={() => void act('semantics.apply', api.apply)}>{t('semantics.apply')}</Button>
      </Space>
      <Table<FieldState> size="small" rowKey={(s) => `${s.column}:${s.field}`} dataSource={states}
        pagination={pagination} columns={[
          { title: t('semantics.column'), dataIndex: 'column', render: (c: string, s) => firstRowOf.get(c) === s.field ? <Target tab="semantics" kind="column" name={c} /> : c },
          { title: t('semantics.field'), dataIndex: 'field' },
          { title: t('semantics.value'), key: 'value', render: (_, s) => s.chosen?.value ?? (s.candidates.length
            ? <Space direction="vertical">{s.candidates.map((c, i) => (
              <Button key={i} size="small" onClick={() => void decide(s, 'accept', i)}>{c.value} ({c.source_name}, {Math.round(c.confidence * 100)}%)</Button>
            ))}</Space> : <Typography.Text type="secondary">{t('semantics.none')}</Typography.Text>) },
          { title: t('semantics.source'), key: 'source', render: (_, s) => s.chosen ? `${s.chosen.source_name} (${s.chosen.match_kind})` : '' },
          { title: t('session.state'), dataIndex: 'status', render: (status: string, s) => <Space><Tag>{status}</Tag>{s.locked ? <Tag color="#156378">{t('semantics.locked')}</Tag> : null}</Space> },
          { title: '', key: 'actions', render: (_, s) => s.status === 'proposed' ? (
            <Space><Button size="small" onClick={() => void decide(s, 'accept')}>{t('semantics.accept')}</Button>
              <Button size="small" onClick={() => void decide(s, 'lock')}>{t('semantics.lock')}</Button></Space>) : null },
        ]} />
    </Space>
  );
}

function Clarification({ session, act, busy }: { session: Session; act: Act; busy: string | null }) {
  const clarification = session.clarification;
  const topic: Topic | undefined = clarification?.topics.find((item) => item.key === clarification.current);
  const [option, setOption] = useState<number | null>(null);
  const [free, setFree] = useState('');
  useEffect(() => { setOption(null); setFree(''); }, [topic?.key]);
  if (!clarification || clarification.status !== 'active') {
    return (
      <Space direction="vertical">
        {clarification?.changes.length ? <List size="small" dataSource={clarification.changes} renderItem={(c) => <List.Item>{c}</List.Item>} /> : null}
        <Button type="primary" loading={busy === 'clarify.start'} onClick={() => void act('clarify.start', (s) => api.clarify(s, 'start'))}>
          {clarification ? t('clarify.resume') : t('clarify.start')}
        </Button>
      </Space>
    );
  }
  if (!topic) return <Alert type="success" showIcon message={t('clarify.done')} action={<Button onClick={() => void act('clarify.finish', (s) => api.clarify(s, 'finish'))}>{t('clarify.finish')}</Button>} />;
  const open = clarification.topics.filter((item) => item.state === 'open').length;
  return (
    <Card title={topic.question} extra={t('clarify.progress', { open, total: clarification.topics.length })} role="region" aria-label={t('tab.clarification')}>
      <Typography.Paragraph><b>{t('clarify.why')}:</b> {topic.why}</Typography.Paragraph>
      <Typography.Paragraph><b>{t('clarify.effect')}:</b> {topic.effect}</Typography.Paragraph>
      {topic.options.length > 0 && (
        <Radio.Group value={option} onChange={(e) => { setOption(e.target.value as number); setFree(''); }} aria-label={topic.question}>
          <Space direction="vertical">{topic.options.map((o, i) => <Radio key={i} value={i}>{o.label}</Radio>)}</Space>
        </Radio.Group>
      )}
      <Input style={{ marginTop: 12 }} aria-label={t('clarify.free')} placeholder={t('clarify.free')} value={free}
        onChange={(e) => { setFree(e.target.value); setOption(null); }} />
      <Space style={{ marginTop: 12 }} wrap>
        <Button type="primary" disabled={option === null && !free.trim()} loading={busy === 'clarify.answer'}
          onClick={() => void act('clarify.answer', (s) => api.answer(s, topic.key, option !== null ? { option } : { value: free.trim() }))}>
          {t('clarify.answer')}
        </Button>
        <Button onClick={() => void act('clarify.skip', (s) => api.skip(s, topic.key, false))}>{t('clarify.skip')}</Button>
        <Button onClick={() => void act('clarify.expert', (s) => api.skip(s, topic.key, true))}>{t('clarify.expert')}</Button>
        <Button onClick={() => void act('clarify.pause', (s) => api.clarify(s, 'pause'))}>{t('clarify.pause')}</Button>
        <Button onClick={() => void act('clarify.finish', (s) => api.clarify(s, 'finish'))}>{t('clarify.finish')}</Button>
      </Space>
    </Card>
  );
}

function Mappings({ session, act }: { session: Session; act: Act }) {
  const mappings = session.execution?.mappings ?? [];
  if (!mappings.length) return <Empty description={t('mappings.none')} />;
  const pending = mappings.filter((m) => m.approval === 'pending');
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Button disabled={!pending.length} onClick={() => void act('mappings.approveAll', (s) => api.approve(s, null))}>{t('mappings.approveAll')}</Button>
      <Table<Mapping> size="small" rowKey="variable" pagination={false} dataSource={mappings} columns={[
        { title: t('mappings.variable'), dataIndex: 'variable', render: (v: string, m) => <span><Target tab="mappings" kind="variable" name={v} /> <Tag>{m.kind}</Tag></span> },
        { title: t('mappings.value'), dataIndex: 'value', render: (v: unknown) => <code>{JSON.stringify(v)}</code> },
        { title: t('mappings.provenance'), dataIndex: 'provenance' },
        { title: t('mappings.confidence'), dataIndex: 'confidence', render: (c: number) => `${Math.round(c * 100)}%` },
        { title: t('mappings.approval'), key: 'approval', render: (_, m) => (
          <Space direction="vertical">
            {m.approval === 'pending' ? <Tag color="#7A4A00" style={{ color: '#fff' }}>{label('approval', m.approval)}</Tag> : <Tag>{label('approval', m.approval)}</Tag>}
            {m.warnings.map((w) => <Typography.Text key={w} type="warning">{w}</Typography.Text>)}
            {m.approval === 'pending' ? <Button size="small" onClick={() => void act('mappings.approve', (s) => api.approve(s, [m.variable]))}>{t('mappings.approve')}</Button> : null}
          </Space>) },
      ]} />
    </Space>
  );
}

function PreviewLaunch({ session, act, busy }: { session: Session; act: Act; busy: string | null }) {
  const preview = session.execution?.preview;
  const [launched, setLaunched] = useState<string | null>(null);
  const firstError = preview?.diagnostics.find((d) => d.severity === 'error');
  const launch = () => Modal.confirm({
    title: t('launch.button'), content: t('launch.confirm'), okText: t('launch.button'),
    onOk: () => act('launch', async (s) => { const r = await api.launch(s); setLaunched(r.sqllab_url); return r; }),
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Button loading={busy === 'preview'} onClick={() => void act('preview', api.preview)}>{t('preview.run')}</Button>
        <Button type="primary" disabled={preview?.status !== 'ready' || preview.stale} loading={busy === 'launch'} onClick={launch}>{t('launch.button')}</Button>
      </Space>
      {launched && <Alert type="success" showIcon message={t('launch.done')} action={<Button href={launched}>{t('launch.open')}</Button>} />}
      {!preview && <Typography.Text type="secondary">{t('preview.none')}</Typography.Text>}
      {preview?.stale && <Alert type="warning" showIcon message={t('preview.stale')} />}
      {preview?.status === 'failed' && (
        <Alert type="error" showIcon message={t('preview.failed')} description={<ul style={{ margin: 0 }}>{preview.diagnostics.map((d, i) => (
          <li key={i}><code>{d.code}</code> {d.message}{d.line ? ` (${t('preview.line', { line: d.line })})` : ''}</li>))}</ul>} />
      )}
      {(preview?.sql ?? preview?.attempted_sql) && <SqlBlock sql={(preview.sql ?? preview.attempted_sql) as string} markLine={firstError?.line ?? null} />}
    </Space>
  );
}

function Runs({ session }: { session: Session }) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  useEffect(() => { void api.runs(session).then((r) => setRuns(r.result)).catch(() => setRuns([])); }, [session]);
  return (
    <Table<Run> size="small" rowKey="id" loading={runs === null} dataSource={runs ?? []} pagination={false}
      locale={{ emptyText: t('runs.none') }} columns={[
        { title: t('runs.when'), dataIndex: 'created_on', render: (v: string) => new Date(`${v}Z`).toLocaleString() },
        { title: t('runs.by'), dataIndex: 'username' },
        { title: t('runs.outcome'), dataIndex: 'outcome', render: (o: string) => <Tag>{label('outcome', o)}</Tag> },
        { title: 'SQL Lab', dataIndex: 'sqllab_url', render: (url: string | null, r) => url ? <a href={url}>{t('launch.open')}</a> : r.error },
      ]} />
  );
}

export function SessionView({ id, onBack, canCurate = false }: { id: number; onBack: () => void; canCurate?: boolean }) {
  const { session, busy, error, reload, act, dismiss } = useSession(id);
  const [tab, setTab] = useState('summary');
  const [jumpTo, setJumpTo] = useState<{ tab: string; kind: string; name: string; at: number } | null>(null);
  useEffect(() => {
    if (!jumpTo) return undefined;
    // The tab renders first (and the semantics table turns to the target's page): try for a few frames.
    let tries = 0;
    let frame = 0;
    const land = () => {
      const element = document.getElementById(targetId(jumpTo.tab, jumpTo.kind, jumpTo.name));
      if (element) {
        element.scrollIntoView({ block: 'center' });
        element.focus({ preventScroll: true });
      } else if ((tries += 1) < 20) {
        frame = requestAnimationFrame(land);
      }
    };
    frame = requestAnimationFrame(land);
    return () => cancelAnimationFrame(frame);
  }, [jumpTo]);
  if (!session) {
    return error ? <ErrorBar error={error} onReload={() => void reload()} onDismiss={dismiss} />
      : <Skeleton active title={{ width: '40%' }} paragraph={{ rows: 6 }} aria-label={t('session.loading')} />;  // prettier-ignore
  }
  const tasks = tasksToShow(session.tasks ?? []);
  const jump = (finding: Finding) => {
    const where = tabOfTarget(finding, new Set((session.semantics ?? []).map((s) => s.column)));
    setTab(where);
    if (finding.target) setJumpTo({ tab: where, kind: finding.target_kind, name: finding.target, at: Date.now() });
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
        <Button onClick={onBack}>← {t('session.back')}</Button>
        <Space wrap>
          {session.dataset_id !== null && (
            <Button href={`/dataset_review/safe_views/new/${session.dataset_id}`}>{t('views.fromReview')}</Button>
          )}
          {session.dataset_id !== null && <Button href={onboardUrl(session.dataset_id)}>{t('onb.fromDataset')}</Button>}
          <Button href={api.exportUrl(session, 'md')}>{t('export.md')}</Button>
          <Button href={api.exportUrl(session, 'json')}>{t('export.json')}</Button>
        </Space>
      </Space>
      <Typography.Title level={3} style={{ margin: 0 }}>{session.title}</Typography.Title>
      <Space wrap align="center">
        <StateTag state={session.state} />
        <Progress percent={Math.round(session.readiness * 100)} size="small" style={{ width: 200 }} aria-label={t('session.readiness')} />
        <Typography.Text strong>{t('session.next')}:</Typography.Text> <Typography.Text>{session.next_action}</Typography.Text>
      </Space>
      {tasks.map((task) => <TaskProgress key={task.task_id} task={task} />)}
      {error && <ErrorBar error={error} onReload={() => void reload()} onDismiss={dismiss} />}
      <Tabs activeKey={tab} onChange={setTab} items={[
        { key: 'summary', label: t('tab.summary'), children: <Summary session={session} focus={jumpTo?.tab === 'summary' && jumpTo.kind === 'column' ? jumpTo.name : null} /> },
        { key: 'findings', label: t('tab.findings', { count: session.findings.length }), children: <Findings findings={session.findings} onJump={jump} /> },
        { key: 'semantics', label: t('tab.semantics'), children: <Semantics session={session} act={act} busy={busy} focus={jumpTo?.tab === 'semantics' ? jumpTo.name : null} /> },
        { key: 'clarification', label: t('tab.clarification'), children: <Clarification session={session} act={act} busy={busy} /> },
        { key: 'mappings', label: t('tab.mappings'), children: <Mappings session={session} act={act} /> },
        { key: 'preview', label: t('tab.preview'), children: <PreviewLaunch session={session} act={act} busy={busy} /> },
        { key: 'runs', label: t('tab.runs'), children: <Runs session={session} /> },
        ...(session.dataset_id !== null ? [{ key: 'domains', label: t('tab.domains'),
          children: <DomainStudio datasetId={session.dataset_id} canCurate={canCurate} /> }] : []),
      ]} />
    </Space>
  );
}
