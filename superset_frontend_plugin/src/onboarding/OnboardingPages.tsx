// The onboarding pages (superset_review/extension/views.py), inside Superset's navbar like the workspace:
// /dataset_review/onboarding/ (the user's runs and Start a run; /new/<dataset_id> opens it with the target filled in)
// and /dataset_review/onboarding/runs/<run_id> (the run: its stages, catalog, Mapping Studio, quality report, Migration
// Console, ledger).

import { Alert, App, Button, Collapse, Modal, Skeleton, Space, Switch, Table, Tabs, Tag, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { t, type MessageKey } from '../i18n';
import { PageFrame } from '../safe_views/SafeViewPages';
import { ApiError } from '../workspace/client';
import { TaskProgress } from '../workspace/parts';
import {
  ONBOARDING_PAGE, inFlight, onboardingApi, runPageUrl, type Catalog, type Run, type RunEvent, type RunSummary,
  type SamplePack, type Stage, type TargetSchema,
} from './client';
import { MappingStudio } from './MappingStudio';
import { MigrationConsole } from './MigrationConsole';
import { CatalogView, COLOURS, Hash, HashList, LedgerTable, SampleGrid, StageStepper, StateTag, when } from './parts';
import { QualityReport } from './QualityReport';
import { StartRun, failureText } from './StartRun';

export const POLL_MS = 1500;

/** The user's runs (all runs for an admin), newest first. */
export function RunsTable({ runs }: { runs: RunSummary[] }) {
  return (
    <Table<RunSummary> size="small" rowKey="run_id" dataSource={runs} pagination={{ pageSize: 20, hideOnSinglePage: true }}
      aria-label={t('onb.runs')} locale={{ emptyText: t('onb.noRuns') }} columns={[
        { title: t('onb.runName'), dataIndex: 'name', render: (name: string, run) => <a href={runPageUrl(run.run_id)}>{name}</a> },
        { title: t('onb.status'), dataIndex: 'status', width: 130, render: (status: string) => <StateTag state={status} /> },
        { title: t('onb.stageColumn'), dataIndex: 'stage', width: 130, render: (stage: string) => t(`onb.stage.${stage}` as MessageKey) ?? stage },
        { title: t('onb.mode'), dataIndex: 'mode', width: 170, render: (mode: string) => t(`onb.mode.${mode}` as MessageKey) ?? mode },
        { title: t('list.changed'), dataIndex: 'changed_on', width: 200, render: when },
      ]} />
  );  // prettier-ignore
}

export function RunsPage({ targetDatasetId = null, targetName = null }: { targetDatasetId?: number | null; targetName?: string | null }) {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(targetDatasetId !== null);
  const load = useCallback(() => {
    onboardingApi.runs().then((answer) => { setRuns(answer.result); setError(null); }, (failure: unknown) => setError(failureText(failure)));
  }, []);
  useEffect(load, [load]);
  return (
    <PageFrame title={t('onb.title')}>
      <Typography.Paragraph style={{ margin: 0, maxWidth: 900 }}>{t('onb.intro')}</Typography.Paragraph>
      {starting ? <StartRun targetDatasetId={targetDatasetId} targetName={targetName} onCreated={() => load()} />
        : <Button type="primary" onClick={() => setStarting(true)} style={{ alignSelf: 'flex-start' }}>{t('onb.startButton')}</Button>}
      <section aria-label={t('onb.runs')}>
        <Typography.Title level={2} style={{ fontSize: 18 }}>{t('onb.runs')}</Typography.Title>
        {error ? <Alert type="error" showIcon role="alert" message={error} action={<Button onClick={load}>{t('action.retry')}</Button>} />
          : runs === null ? <Skeleton active paragraph={{ rows: 3 }} aria-label={t('onb.loadingRuns')} /> : <RunsTable runs={runs} />}
      </section>
    </PageFrame>
  );  // prettier-ignore
}

interface Loaded {
  catalog: Catalog | null;
  target: TargetSchema | null;
  sample: SamplePack | null;
}

/** The run, polled while a stage is in flight, with its ETag (sent back as If-Match to change its contract). */
function useRun(runId: string) {
  const [run, setRun] = useState<Run | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const alive = useRef(true);
  const reload = useCallback(async () => {
    try {
      const answer = await onboardingApi.get(runId);
      if (!alive.current) return;
      setRun(answer.body.result);
      setEtag(answer.etag);
      setError(null);
    } catch (failure) {
      if (alive.current) setError(failure as Error);
    }
  }, [runId]);
  useEffect(() => {
    alive.current = true;
    void reload();
    return () => { alive.current = false; };
  }, [reload]);
  const polling = inFlight(run);
  useEffect(() => {
    if (!polling) return undefined;
    const timer = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [polling, reload]);
  return { run, etag, error, reload, setRun, setEtag };
}

/** The artifacts the tabs show, fetched again whenever the run lists a new version of one. */
function useArtifacts(run: Run | null): Loaded {
  const [loaded, setLoaded] = useState<Loaded>({ catalog: null, target: null, sample: null });
  const key = (run?.artifacts ?? []).map((a) => `${a.kind}:${a.version}`).join(',');
  useEffect(() => {
    if (!run) return;
    const kinds = new Set(run.artifacts.map((a) => a.kind));
    const get = <Body,>(kind: string) => (kinds.has(kind) ? onboardingApi.artifact<Body>(run.run_id, kind).then((a) => a.result.body, () => null) : Promise.resolve(null));
    void Promise.all([get<Catalog>('catalog'), get<TargetSchema>('target_schema'), get<SamplePack>('sample_pack')]).then(
      ([catalog, target, sample]) => setLoaded({ catalog, target, sample }));  // prettier-ignore
  }, [run?.run_id, key]); // eslint-disable-line react-hooks/exhaustive-deps -- the artifact list, not every poll
  return loaded;
}

function Ledger({ runId, version }: { runId: string; version: number }) {
  const [events, setEvents] = useState<RunEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return;
    onboardingApi.events(runId).then((answer) => { setEvents(answer.result); setError(null); }, (failure: unknown) => setError(failureText(failure)));
  }, [open, runId, version]);
  return (
    <Collapse onChange={(keys) => setOpen((Array.isArray(keys) ? keys : [keys]).includes('ledger'))} items={[{
      key: 'ledger', label: t('onb.ledger'),
      children: error ? <Alert type="error" showIcon message={error} /> : events === null ? <Skeleton active paragraph={{ rows: 2 }} title={false} /> : <LedgerTable events={events} />,
    }]} />
  );  // prettier-ignore
}

export function RunView({ runId, canMigrate = false }: { runId: string; canMigrate?: boolean }) {
  const { message } = App.useApp();
  const { run, etag, error, reload, setRun, setEtag } = useRun(runId);
  const { catalog, target, sample } = useArtifacts(run);
  const [busy, setBusy] = useState<Stage | 'stop' | 'mode' | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [tab, setTab] = useState('catalog');

  if (!run) {
    if (error) {
      const missing = error instanceof ApiError && error.status === 404;
      return <Alert type="error" showIcon role="alert" message={missing ? t('onb.runMissing') : failureText(error)}
        action={<Button href={ONBOARDING_PAGE}>{t('onb.allRuns')}</Button>} />;  // prettier-ignore
    }
    return <Skeleton active paragraph={{ rows: 6 }} aria-label={t('onb.loadingRun')} />;
  }

  const startStage = (stage: Stage) => {
    // confirm: true only when a person was asked (the ledger records who confirmed); otherwise the gate alone decides.
    const go = async (confirmed: boolean) => {
      setBusy(stage);
      setActionError(null);
      try {
        await onboardingApi.startStage(run.run_id, stage, confirmed);
        await reload();
      } catch (failure) {
        setActionError(failureText(failure));
      } finally {
        setBusy(null);
      }
    };
    if (run.contract.human_confirm_required) {
      Modal.confirm({
        title: t('onb.confirmTitle', { stage: t(`onb.stage.${stage}` as MessageKey) }),
        content: t('onb.confirmBody', { hash: run.contract_hash.slice(0, 12) }),
        okText: t('onb.confirmOk'), cancelText: t('views.cancel'),
        onOk: () => go(true),
      });
    } else {
      void go(false);
    }
  };
  const stop = async () => {
    setBusy('stop');
    try {
      const answer = await onboardingApi.stop(run.run_id);
      setRun(answer.body.result);
      setEtag(answer.etag);
    } catch (failure) {
      setActionError(failureText(failure));
    } finally {
      setBusy(null);
    }
  };
  const changeMode = async (dataMode: boolean) => {
    setBusy('mode');
    setActionError(null);
    try {
      const answer = await onboardingApi.changeMode(run.run_id, dataMode ? 'data_mode' : 'metadata_only', etag);
      setRun(answer.body.result);
      setEtag(answer.etag);
      message.success(t('onb.modeChanged', { version: answer.body.result.contract_version }));
    } catch (failure) {
      setActionError(failure instanceof ApiError && failure.status === 412 ? t('onb.runChanged') : failureText(failure));
      if (failure instanceof ApiError && failure.status === 412) await reload();
    } finally {
      setBusy(null);
    }
  };

  const closed = run.status === 'stopped' || run.status === 'failed' || run.status === 'completed';
  const mappingReady = ['passed', 'held'].includes(run.stages.mapping?.state ?? '');
  const analysisReady = ['passed', 'held'].includes(run.stages.analysis?.state ?? '');
  const task = run.task;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap align="center" style={{ justifyContent: 'space-between', width: '100%' }}>
        <Space wrap align="center">
          <StateTag state={run.status} />
          <Tag color={COLOURS.teal} style={{ color: '#fff' }} data-testid="run-mode">{t(`onb.mode.${run.mode}` as MessageKey)}</Tag>
          {run.status === 'created' && (
            <Space size={6}>
              <Switch checked={run.mode === 'data_mode'} loading={busy === 'mode'} onChange={(on) => void changeMode(on)}
                aria-label={t('onb.modeSwitch')} />
              <Typography.Text>{t('onb.modeSwitch')}</Typography.Text>
            </Space>
          )}
          <Typography.Text type="secondary">{t('onb.contractVersion', { version: run.contract_version })} · <Hash value={run.contract_hash} /></Typography.Text>
        </Space>
        {!closed && (
          <Button danger loading={busy === 'stop'} onClick={() => Modal.confirm({
            title: t('onb.stopConfirm'), okText: t('onb.stop'), cancelText: t('views.cancel'), okButtonProps: { danger: true }, onOk: () => stop() })}>
            {t('onb.stop')}
          </Button>
        )}
      </Space>
      {run.status === 'stopped' && <Alert type="warning" showIcon data-testid="run-stopped" message={t('onb.stopped')} />}
      {run.status === 'failed' && (
        <Alert type="error" showIcon role="alert" data-testid="run-failed" message={t('onb.failed', { stage: t(`onb.stage.${run.error?.stage ?? run.stage}` as MessageKey) ?? run.stage })}
          description={run.error?.message ? `${run.error.message}${run.error.code ? ` (${run.error.code})` : ''}` : null} />
      )}
      {run.mode === 'metadata_only' && <Alert type="info" showIcon message={t('onb.metadataOnlyNote')} />}
      <StageStepper run={run} busy={busy && busy !== 'stop' && busy !== 'mode' ? busy : null} onStart={startStage} />
      {/* The task line keeps its place while a stage runs and after, so the tabs below do not jump. */}
      <div style={{ minHeight: task ? undefined : 0 }}>{task && <TaskProgress task={task} />}</div>
      {actionError && <Alert type="error" showIcon role="alert" closable onClose={() => setActionError(null)} message={actionError} data-testid="run-error" />}
      <Tabs activeKey={tab} onChange={setTab} items={[
        { key: 'catalog', label: t('onb.tab.catalog'), children: catalog ? (
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <CatalogView catalog={catalog} />
            {sample ? <section aria-label={t('onb.sampleGrid')}><Typography.Title level={5}>{t('onb.sampleGrid')}</Typography.Title><SampleGrid sample={sample} /></section>
              : run.mode === 'metadata_only' ? <Typography.Text type="secondary">{t('onb.noSampleMetadata')}</Typography.Text> : null}
            {target && <HashList items={[[t('onb.targetSchemaHash', { name: target.name }), target.schema_hash]]} />}
          </Space>) : <Typography.Text type="secondary">{t('onb.catalogPending')}</Typography.Text> },
        { key: 'mapping', label: t('onb.tab.mapping'), disabled: !mappingReady, children: mappingReady
          ? <MappingStudio runId={run.run_id} mode={run.mode} catalog={catalog} target={target} sampleRows={sample?.row_count ?? null} onDecided={() => void reload()} />
          : null },
        { key: 'quality', label: t('onb.tab.quality'), disabled: !analysisReady, children: analysisReady
          ? <QualityReport runId={run.run_id} mode={run.mode} onStaged={() => void reload()} /> : null },
        { key: 'migration', label: t('onb.tab.migration'), disabled: !mappingReady, children: mappingReady
          ? <MigrationConsole runId={run.run_id} mode={run.mode} canMigrate={canMigrate} /> : null },
      ]} />
      <Ledger runId={run.run_id} version={run.version} />
    </Space>
  );  // prettier-ignore
}

export function RunPage({ runId, runName, canMigrate = false }: { runId: string; runName: string | null; canMigrate?: boolean }) {
  return (
    <PageFrame title={t('onb.runTitle', { name: runName ?? runId })}>
      <Button href={ONBOARDING_PAGE} style={{ alignSelf: 'flex-start' }}>← {t('onb.allRuns')}</Button>
      <RunView runId={runId} canMigrate={canMigrate} />
    </PageFrame>
  );
}
