// Start a run: the source (a file uploaded with its progress, or a table of a database registered in Superset), the
// target dataset, the mode with what each means, the PII policy and whether a person confirms each stage. Creating
// the run sends nothing to any model: the page then shows the cost estimate and the policy check, and only "Start
// ingest" runs anything.

import {
  Alert, Button, Card, Checkbox, Descriptions, Form, Input, Progress, Radio, Select, Skeleton, Space, Table, Tag, Typography, Upload,
} from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { t, type MessageKey } from '../i18n';
import { ApiError } from '../workspace/client';
import {
  MODES, PII_POLICIES, contractOf, onboardingApi, runPageUrl, uploadFile, type CostEstimate, type Mode, type PiiPolicy,
  type PolicyCheck, type Run, type StartChoices, type Upload as UploadResult,
} from './client';
import { COLOURS, Hash } from './parts';
import { supersetApi, type Named } from './superset';

export const ACCEPTED_FILES = '.csv,.tsv,.txt,.parquet,.jsonl,.ndjson';

/** The API's refusal as a sentence: its message (a FILE_UNREADABLE names the line), or what the connection did. */
export function failureText(failure: unknown): string {
  if (failure instanceof ApiError) {
    if (failure.code === 'NETWORK') return t('error.networkAction');
    return failure.code ? `${failure.message} (${failure.code})` : failure.message;
  }
  return String(failure);
}

function bytes(value: number): string {
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KB`;
  if (value < 1024 ** 3) return `${(value / 1024 / 1024).toFixed(1)} MB`;
  return `${(value / 1024 ** 3).toFixed(2)} GB`;
}

type UploadState =
  | { kind: 'none' }
  | { kind: 'sending'; name: string; loaded: number; total: number }
  | { kind: 'done'; upload: UploadResult }
  | { kind: 'failed'; name: string; message: string };

/** The file source: choose a file, watch it go up, see its size and hash, or the server's refusal. */
function FileSource({ state, onFile }: { state: UploadState; onFile: (file: File) => void }) {
  return (
    <Space direction="vertical" size={6} style={{ width: '100%' }}>
      <Upload accept={ACCEPTED_FILES} showUploadList={false} maxCount={1}
        beforeUpload={(file) => { onFile(file as unknown as File); return false; }}>
        <Button disabled={state.kind === 'sending'}>{t('onb.chooseFile')}</Button>
      </Upload>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('onb.fileFormats')}</Typography.Text>
      {state.kind === 'sending' && (
        <div data-testid="upload-progress">
          <Typography.Text>{t('onb.uploading', { name: state.name })}</Typography.Text>
          <Progress percent={state.total ? Math.round((state.loaded / state.total) * 100) : 0} size="small"
            aria-label={t('onb.uploadProgress', { name: state.name })} />
        </div>
      )}
      {state.kind === 'done' && (
        <Alert type="success" showIcon data-testid="upload-done"
          message={t('onb.uploaded', { name: state.upload.filename, size: bytes(state.upload.bytes) })}
          description={<span>sha256 <Hash value={state.upload.sha256} /></span>} />
      )}
      {state.kind === 'failed' && (
        <Alert type="error" showIcon role="alert" data-testid="upload-error"
          message={t('onb.uploadFailed', { name: state.name })} description={state.message} />
      )}
    </Space>
  );  // prettier-ignore
}

/** The table source: a database the user may see in Superset, its schema, its table. */
function TableSource({ value, onChange }: {
  value: { databaseId: number | null; schema: string | null; table: string | null };
  onChange: (value: { databaseId: number | null; schema: string | null; table: string | null }) => void;
}) {
  const [databases, setDatabases] = useState<Named[] | null>(null);
  const [schemas, setSchemas] = useState<string[]>([]);
  const [tables, setTables] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { supersetApi.databases().then(setDatabases, (f: unknown) => setError(failureText(f))); }, []);
  useEffect(() => {
    setSchemas([]);
    if (value.databaseId !== null) supersetApi.schemas(value.databaseId).then(setSchemas, (f: unknown) => setError(failureText(f)));
  }, [value.databaseId]);
  useEffect(() => {
    setTables([]);
    if (value.databaseId !== null && value.schema !== null) {
      supersetApi.tables(value.databaseId, value.schema).then(setTables, (f: unknown) => setError(failureText(f)));
    }
  }, [value.databaseId, value.schema]);
  return (
    <Space wrap>
      <Select style={{ width: 220 }} aria-label={t('onb.database')} placeholder={t('onb.database')} loading={databases === null && !error}
        value={value.databaseId} options={(databases ?? []).map((db) => ({ value: db.id, label: db.name }))}
        onChange={(databaseId: number) => onChange({ databaseId, schema: null, table: null })} />
      <Select style={{ width: 180 }} aria-label={t('onb.schema')} placeholder={t('onb.schema')} disabled={value.databaseId === null}
        value={value.schema} options={schemas.map((s) => ({ value: s, label: s }))} showSearch
        onChange={(schema: string) => onChange({ ...value, schema, table: null })} />
      <Select style={{ width: 240 }} aria-label={t('onb.table')} placeholder={t('onb.table')} disabled={value.schema === null}
        value={value.table} options={tables.map((name) => ({ value: name, label: name }))} showSearch
        onChange={(table: string) => onChange({ ...value, table })} />
      {error && <Typography.Text type="danger" role="alert">{error}</Typography.Text>}
    </Space>
  );  // prettier-ignore
}

/** The target dataset: searched by name among the datasets the user may see (the server checks they may write it). */
function TargetPicker({ value, initialName, onChange }: { value: number | null; initialName: string | null; onChange: (id: number | null) => void }) {
  const [options, setOptions] = useState<Named[]>(value !== null ? [{ id: value, name: initialName ?? `#${value}` }] : []);
  const [loading, setLoading] = useState(false);
  const asked = useRef(0);
  const search = (text: string) => {
    const ask = (asked.current += 1);
    setLoading(true);
    supersetApi.datasets(text).then(
      (found) => {
        if (ask !== asked.current) return;
        const chosen = options.find((o) => o.id === value);
        setOptions(chosen && !found.some((f) => f.id === chosen.id) ? [chosen, ...found] : found);
        setLoading(false);
      },
      () => ask === asked.current && setLoading(false),
    );
  };
  useEffect(() => search(''), []); // eslint-disable-line react-hooks/exhaustive-deps -- the first page once
  return (
    <Select id="onboarding-target" style={{ width: 360 }} showSearch filterOption={false} onSearch={search} loading={loading}
      aria-label={t('onb.target')} placeholder={t('onb.targetPlaceholder')} value={value ?? undefined} allowClear
      options={options.map((o) => ({ value: o.id, label: o.name }))} onChange={(id: number | undefined) => onChange(id ?? null)} />
  );  // prettier-ignore
}

/** The cost estimate (tokens and money per stage) and the policy check, shown before anything is sent. */
export function BeforeSending({ estimate, policy }: { estimate: CostEstimate | null; policy: PolicyCheck | null }) {
  const stages = Object.entries(estimate?.stages ?? {});
  return (
    <Space direction="vertical" size="small" style={{ width: '100%' }} data-testid="before-sending">
      <Typography.Title level={5} style={{ margin: 0 }}>{t('onb.costTitle')}</Typography.Title>
      {estimate === null ? <Skeleton active paragraph={{ rows: 2 }} title={false} /> : (
        <>
          <Table size="small" pagination={false} rowKey={([stage]) => stage} aria-label={t('onb.costTitle')}
            dataSource={stages} locale={{ emptyText: t('onb.costNone') }} columns={[
              { title: t('onb.stageColumn'), key: 'stage', render: (_, [stage]) => t(`onb.stage.${stage}` as MessageKey) ?? stage },
              { title: t('onb.tokens'), key: 'tokens', render: (_, [, cost]) => cost.tokens == null ? '-' : cost.tokens.toLocaleString() },
              { title: t('onb.usd'), key: 'usd', render: (_, [, cost]) => cost.usd == null ? '-' : `$${cost.usd.toFixed(4)}` },
            ]} />
          <Typography.Text data-testid="cost-total">
            {t('onb.costTotal', { tokens: (estimate.total_tokens ?? 0).toLocaleString(),
              usd: estimate.total_usd == null ? '-' : `$${estimate.total_usd.toFixed(4)}` })}
          </Typography.Text>
          {estimate.llm_configured === false && <Typography.Text type="secondary">{t('onb.noLlm')}</Typography.Text>}
          {estimate.note && <Typography.Text type="secondary">{estimate.note}</Typography.Text>}
        </>
      )}
      <Typography.Title level={5} style={{ margin: '8px 0 0' }}>{t('onb.policyTitle')}</Typography.Title>
      {policy === null ? <Skeleton active paragraph={{ rows: 1 }} title={false} /> : (
        <Alert type={policy.allowed ? 'success' : 'error'} showIcon data-testid="policy-check" data-allowed={String(policy.allowed)}
          message={policy.allowed ? t('onb.policyAllowed') : t('onb.policyBlocked')}
          description={
            <Space direction="vertical" size={2}>
              {(policy.reasons ?? []).map((reason, index) => (
                <span key={index}>{typeof reason === 'string' ? reason : reason.message ?? reason.code ?? JSON.stringify(reason)}</span>
              ))}
              {policy.policy_hash && <span>{t('onb.policyHash')} <Hash value={policy.policy_hash} /></span>}
            </Space>
          } />
      )}
    </Space>
  );  // prettier-ignore
}

export interface StartRunProps {
  targetDatasetId?: number | null;
  targetName?: string | null;
  /** Tests: where the page goes once the first stage is started (the run's page otherwise). */
  onStarted?: (run: Run) => void;
  /** Told once the run exists (before anything runs), e.g. so a list of runs shows it. */
  onCreated?: (run: Run) => void;
}

export function StartRun({ targetDatasetId = null, targetName = null, onStarted, onCreated }: StartRunProps) {
  const [name, setName] = useState('');
  const [sourceKind, setSourceKind] = useState<'file' | 'table'>('file');
  const [upload, setUpload] = useState<UploadState>({ kind: 'none' });
  const [table, setTable] = useState<{ databaseId: number | null; schema: string | null; table: string | null }>({ databaseId: null, schema: null, table: null });
  const [target, setTarget] = useState<number | null>(targetDatasetId);
  const [mode, setMode] = useState<Mode>('metadata_only');
  const [pii, setPii] = useState<PiiPolicy>('mask');
  const [confirm, setConfirm] = useState(true);
  const [busy, setBusy] = useState<'create' | 'start' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Run | null>(null);
  const [estimate, setEstimate] = useState<CostEstimate | null>(null);
  const [policy, setPolicy] = useState<PolicyCheck | null>(null);

  const send = async (file: File) => {
    setUpload({ kind: 'sending', name: file.name, loaded: 0, total: file.size });
    try {
      const done = await uploadFile(file, ({ loaded, total }) => setUpload({ kind: 'sending', name: file.name, loaded, total }));
      setUpload({ kind: 'done', upload: done });
      setName((current) => current || file.name.replace(/\.[^.]+$/, ''));
    } catch (failure) {
      setUpload({ kind: 'failed', name: file.name, message: failureText(failure) });
    }
  };

  const choices = useMemo<StartChoices | null>(() => {
    if (target === null || !name.trim()) return null;
    const common = { name: name.trim(), targetDatasetId: target, mode, piiPolicy: pii, humanConfirm: confirm };
    if (sourceKind === 'file') return upload.kind === 'done' ? { ...common, source: { kind: 'file', uploadId: upload.upload.upload_id } } : null;
    if (table.databaseId === null || table.schema === null || table.table === null) return null;
    return { ...common, source: { kind: 'table', databaseId: table.databaseId, schema: table.schema, table: table.table } };
  }, [target, name, mode, pii, confirm, sourceKind, upload, table]);

  const create = async () => {
    if (!choices) return;
    setBusy('create');
    setError(null);
    try {
      const answer = await onboardingApi.create(choices.name, contractOf(choices));
      const run = answer.body.result;
      setCreated(run);
      if (onCreated) onCreated(run);
      // Asked only now: both read the run's contract and catalog, and neither sends anything anywhere.
      onboardingApi.costEstimate(run.run_id).then((e) => setEstimate(e.result), (f: unknown) => setError(failureText(f)));
      onboardingApi.policyCheck(run.run_id).then((p) => setPolicy(p.result), (f: unknown) => setError(failureText(f)));
    } catch (failure) {
      setError(failureText(failure));
    } finally {
      setBusy(null);
    }
  };

  const start = async () => {
    if (!created) return;
    setBusy('start');
    setError(null);
    try {
      await onboardingApi.startStage(created.run_id, 'ingest', true);
      if (onStarted) onStarted(created);
      else window.location.assign(runPageUrl(created.run_id));
    } catch (failure) {
      setError(failureText(failure));
      setBusy(null);
    }
  };

  const locked = created !== null;
  return (
    <Card title={t('onb.startTitle')} role="region" aria-label={t('onb.startTitle')} data-testid="start-run">
      <Form layout="vertical" onFinish={() => void create()} disabled={locked}>
        <Form.Item label={t('onb.sourceKind')}>
          <Radio.Group value={sourceKind} onChange={(e) => setSourceKind(e.target.value as 'file' | 'table')}
            aria-label={t('onb.sourceKind')} optionType="button"
            options={[{ value: 'file', label: t('onb.sourceFile') }, { value: 'table', label: t('onb.sourceTable') }]} />
        </Form.Item>
        <Form.Item>
          {sourceKind === 'file' ? <FileSource state={upload} onFile={(file) => void send(file)} /> : <TableSource value={table} onChange={setTable} />}
        </Form.Item>
        <Form.Item label={t('onb.target')} htmlFor="onboarding-target" extra={t('onb.targetHelp')}>
          <TargetPicker value={target} initialName={targetName} onChange={setTarget} />
        </Form.Item>
        <Form.Item label={t('onb.runName')} htmlFor="onboarding-name">
          <Input id="onboarding-name" value={name} maxLength={250} onChange={(e) => setName(e.target.value)} style={{ maxWidth: 420 }} />
        </Form.Item>
        <Form.Item label={t('onb.mode')}>
          <Radio.Group value={mode} onChange={(e) => setMode(e.target.value as Mode)} aria-label={t('onb.mode')}>
            <Space direction="vertical">
              {MODES.map((m) => (
                <Radio key={m} value={m} data-mode={m}>
                  <Typography.Text strong>{t(`onb.mode.${m}` as MessageKey)}</Typography.Text>
                  <div><Typography.Text type="secondary" style={{ fontSize: 13 }}>{t(`onb.modeHelp.${m}` as MessageKey)}</Typography.Text></div>
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        <Form.Item label={t('onb.piiPolicy')} htmlFor="onboarding-pii" extra={t(`onb.piiHelp.${pii}` as MessageKey)}>
          <Select id="onboarding-pii" style={{ width: 240 }} value={pii} onChange={(value: PiiPolicy) => setPii(value)}
            options={PII_POLICIES.map((p) => ({ value: p, label: t(`onb.pii.${p}` as MessageKey) }))} />
        </Form.Item>
        <Form.Item>
          <Checkbox checked={confirm} onChange={(e) => setConfirm(e.target.checked)}>{t('onb.humanConfirm')}</Checkbox>
        </Form.Item>
        {!locked && (
          <Space wrap>
            <Button type="primary" htmlType="submit" loading={busy === 'create'} disabled={!choices}>{t('onb.create')}</Button>
            {!choices && <Typography.Text type="secondary">{t('onb.createNeeds')}</Typography.Text>}
          </Space>
        )}
      </Form>
      {error && <Alert style={{ marginTop: 12 }} type="error" showIcon role="alert" message={error} data-testid="start-error" closable onClose={() => setError(null)} />}
      {created && (
        <Space direction="vertical" size="middle" style={{ width: '100%', marginTop: 12 }}>
          <Descriptions size="small" bordered column={2}>
            <Descriptions.Item label={t('onb.runId')}><code>{created.run_id}</code></Descriptions.Item>
            <Descriptions.Item label={t('onb.contractHash')}><Hash value={created.contract_hash} /></Descriptions.Item>
            <Descriptions.Item label={t('onb.mode')}><Tag color={COLOURS.teal} style={{ color: '#fff' }}>{t(`onb.mode.${created.mode}` as MessageKey)}</Tag></Descriptions.Item>
          </Descriptions>
          <BeforeSending estimate={estimate} policy={policy} />
          <Space wrap>
            <Button type="primary" loading={busy === 'start'} disabled={policy?.allowed === false} onClick={() => void start()}>
              {t('onb.startIngest')}
            </Button>
            <Button href={runPageUrl(created.run_id)}>{t('onb.openRun')}</Button>
          </Space>
        </Space>
      )}
    </Card>
  );  // prettier-ignore
}
