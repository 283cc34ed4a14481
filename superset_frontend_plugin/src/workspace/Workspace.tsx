import { Alert, App, Button, ConfigProvider, Form, Input, Progress, Space, Table, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { HealthPanel } from '../HealthPanel';
import { t } from '../i18n';
import { ApiError, api, looksLikeSource, type SessionSummary } from './client';
import { SessionView } from './SessionView';
import { StateTag } from './parts';

// Superset 6.1's own theme (its font, its teal), darkened where Superset's shades fall short of WCAG AA contrast
// (4.5:1): Superset's primary #2893B3 gives 3.55:1 under white text, Ant Design's secondary grey 3.36:1 on white.
// The browser tests hold every state of the workspace to axe-core's WCAG 2.1 AA audit.
export const THEME = {
  token: {
    colorPrimary: '#187590',
    colorPrimaryHover: '#1B7A96',
    colorPrimaryActive: '#156378',
    colorInfo: '#187590',
    colorLink: '#156378',
    colorTextDescription: '#666666',
    colorTextSecondary: '#595959',
    // Disabled controls are exempt from the contrast rule, but their labels stay readable (4.9:1 on #F5F5F5).
    colorTextDisabled: '#6B6B6B',
    // Darker than Ant Design's defaults, so warning and error text keeps WCAG AA contrast (4.5:1) on white.
    colorWarning: '#A35200',
    colorError: '#A0182B',
    colorSuccess: '#1E6B3A',
    fontFamily: 'Inter, Helvetica, Arial, sans-serif',
    borderRadius: 4,
    fontSize: 14,
  },
};

// A focus ring that every control shows when reached by keyboard (WCAG 2.4.7), and on the target a finding jumps to.
// Links keep the theme's contrast: Superset's app, which draws the navbar above the page, styles every `a` in its
// own teal (3.55:1 on white), and Ant Design's link rules are :where() selectors that lose to it.
export const FOCUS_CSS = `
.dataset-review :focus-visible { outline: 2px solid #156378; outline-offset: 2px; }
.dataset-review .review-target:focus { outline: 2px solid #156378; outline-offset: 2px; background: #E6F4F8; }
.dataset-review a:not(.ant-btn) { color: #156378; }
.dataset-review a:not(.ant-btn):hover { color: #1B7A96; }
`;

function sessionFromUrl(): number | null {
  const value = new URLSearchParams(window.location.search).get('session');
  return value && /^\d+$/.test(value) ? Number(value) : null;
}

function go(session: number | null, source?: string): void {
  const params = new URLSearchParams();
  if (session !== null) params.set('session', String(session));
  if (source) params.set('source', source);
  const query = params.toString();
  window.history.pushState({}, '', `${window.location.pathname}${query ? `?${query}` : ''}`);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function StartForm({ onStarted }: { onStarted: (id: number) => void }) {
  const params = new URLSearchParams(window.location.search);
  const initial = params.get('source') ?? '';
  // A dashboard has several datasets: an entry point may say which one to review.
  const datasetParam = params.get('dataset');
  const datasetId = datasetParam && /^\d+$/.test(datasetParam) ? Number(datasetParam) : null;
  const [source, setSource] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const valid = looksLikeSource(source);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const session = await api.start(source.trim(), datasetId);
      onStarted(session.id);
    } catch (failure) {
      // The pasted link stays in the box: the user fixes it instead of pasting again.
      setError(failure instanceof ApiError && failure.status ? failure.message : t('error.networkAction'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form layout="vertical" onFinish={() => void submit()} aria-label={t('start.title')}>
      <Form.Item
        label={t('start.label')}
        htmlFor="review-source"
        validateStatus={source && !valid ? 'warning' : ''}
        help={source && !valid ? t('start.invalid') : null}
      >
        <Space.Compact style={{ width: '100%' }}>
          <Input
            id="review-source"
            value={source}
            placeholder={t('start.placeholder')}
            onChange={(event) => setSource(event.target.value)}
            autoFocus
          />
          <Button type="primary" htmlType="submit" loading={busy} disabled={!valid}>
            {t('start.submit')}
          </Button>
        </Space.Compact>
      </Form.Item>
      {error && <Alert type="error" showIcon message={error} role="alert" />}
    </Form>
  );
}

export function SessionList({ onOpen }: { onOpen: (id: number) => void }) {
  const [rows, setRows] = useState<SessionSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setRows((await api.list()).result);
      setError(null);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, []);
  useEffect(() => void load(), [load]);

  if (error) {
    return (
      <Alert type="error" showIcon message={error} action={<Button onClick={() => void load()}>{t('action.retry')}</Button>} />
    );
  }
  return (
    <Table<SessionSummary>
      rowKey="id"
      loading={rows === null}
      dataSource={rows ?? []}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{ emptyText: t('list.empty') }}
      columns={[
        { title: t('list.title'), dataIndex: 'title', render: (title: string, row) => <a href={`?session=${row.id}`} onClick={(e) => { e.preventDefault(); onOpen(row.id); }}>{title}</a> },
        { title: t('list.state'), dataIndex: 'state', render: (state: string) => <StateTag state={state} /> },
        { title: t('list.readiness'), dataIndex: 'readiness', width: 160, render: (value: number) => <Progress percent={Math.round(value * 100)} size="small" aria-label={t('list.readiness')} /> },
        { title: t('list.changed'), dataIndex: 'changed_on', width: 200, render: (value: string) => new Date(`${value}Z`).toLocaleString() },
        { title: '', key: 'resume', width: 120, render: (_: unknown, row) => <Button onClick={() => onOpen(row.id)}>{t('list.resume')}</Button> },
      ]}
    />
  );
}

export function Workspace({ canCurate = false, canAdmin = false }: { canCurate?: boolean; canAdmin?: boolean } = {}) {
  const [sessionId, setSessionId] = useState<number | null>(sessionFromUrl);
  useEffect(() => {
    const onPop = () => setSessionId(sessionFromUrl());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  return (
    <ConfigProvider theme={THEME}>
      <App>
        <style>{FOCUS_CSS}</style>
        <div style={{ maxWidth: 1240, margin: '0 auto', padding: '16px 20px', minWidth: 0 }}>
          {sessionId === null ? (
            <Space direction="vertical" size="large" style={{ width: '100%' }}>
              <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
                <Typography.Title level={1} style={{ margin: 0, fontSize: 26 }}>
                  {t('app.title')}
                </Typography.Title>
                {canAdmin && (
                  <nav aria-label={t('admin.nav')}>
                    <Space>
                      <Button href="/dataset_review/admin/tools">{t('audit.title')}</Button>
                      <Button href="/dataset_review/admin/journal">{t('journal.title')}</Button>
                    </Space>
                  </nav>
                )}
              </Space>
              <StartForm onStarted={(id) => go(id)} />
              <Typography.Title level={4} style={{ margin: 0 }}>
                {t('nav.sessions')}
              </Typography.Title>
              <SessionList onOpen={(id) => go(id)} />
              <HealthPanel />
            </Space>
          ) : (
            <SessionView id={sessionId} onBack={() => go(null)} canCurate={canCurate} />
          )}
        </div>
      </App>
    </ConfigProvider>
  );
}

