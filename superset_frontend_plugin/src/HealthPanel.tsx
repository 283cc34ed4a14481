import { useCallback, useEffect, useRef, useState, type CSSProperties } from 'react';
import { fetchHealth, HealthError, type CheckResult, type HealthReport, type Status } from './api';
import { getLanguage, t, type MessageKey } from './i18n';

// Superset's look: its font stack and its primary colour. #2893B3 itself is only used for
// non-text accents (3.55:1 on white); text and button fills use the darker #156378 (6.8:1).
const FONT = 'Inter, Helvetica, Arial, sans-serif';
const PRIMARY = '#2893B3';
const PRIMARY_DARK = '#156378';
const TEXT = '#262626';
const TEXT_SECONDARY = '#595959';
const BORDER = '#E0E0E0';

// Every pair is at least 5.7:1 (WCAG AA needs 4.5:1); the status is always written out
// and has its own glyph, so colour never carries it alone.
const STATUS_STYLE: Record<Status, { color: string; background: string; glyph: string }> = {
  ok: { color: '#1E6B3A', background: '#E6F4EA', glyph: '✓' },
  degraded: { color: '#7A4A00', background: '#FFF4CC', glyph: '!' },
  down: { color: '#A0182B', background: '#FDECEE', glyph: '✕' },
};

/** Known components, in the order they are shown; any other check follows under its own key. */
const COMPONENTS: Record<string, MessageKey> = {
  metadata_db: 'component.metadata_db',
  pgvector: 'component.pgvector',
  redis: 'component.redis',
  worker: 'component.worker',
  llm: 'component.llm',
};

const STATUS_LABEL: Record<Status, MessageKey> = {
  ok: 'status.ok',
  degraded: 'status.degraded',
  down: 'status.down',
};

export const LOGIN_URL = '/login/';

const styles = {
  root: {
    fontFamily: FONT,
    color: TEXT,
    margin: '0 auto',
    padding: '24px 0',
    lineHeight: 1.5,
    fontSize: 14,
  },
  header: {
    display: 'flex',
    alignItems: 'flex-start',
    justifyContent: 'space-between',
    gap: 16,
    flexWrap: 'wrap',
    borderBottom: `2px solid ${PRIMARY}`,
    paddingBottom: 12,
    marginBottom: 16,
  },
  title: { fontSize: 20, fontWeight: 600, margin: 0, lineHeight: 1.3 },
  subtitle: { margin: '4px 0 0', color: TEXT_SECONDARY },
  button: {
    fontFamily: FONT,
    fontSize: 14,
    fontWeight: 500,
    padding: '6px 16px',
    borderRadius: 4,
    border: `1px solid ${PRIMARY_DARK}`,
    background: PRIMARY_DARK,
    color: '#FFFFFF',
    cursor: 'pointer',
  },
  secondaryButton: {
    background: '#FFFFFF',
    color: PRIMARY_DARK,
    border: `1px solid ${PRIMARY}`,
  },
  disabled: { opacity: 0.6, cursor: 'default' },
  overall: { display: 'flex', alignItems: 'center', gap: 8, margin: '0 0 16px' },
  badge: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: 6,
    padding: '2px 10px',
    borderRadius: 12,
    fontWeight: 600,
    whiteSpace: 'nowrap',
  },
  table: { width: '100%', borderCollapse: 'collapse' },
  caption: { textAlign: 'left', fontWeight: 600, padding: '0 0 8px', captionSide: 'top' },
  th: {
    textAlign: 'left',
    padding: '8px 12px',
    background: '#F7F7F7',
    borderBottom: `1px solid ${BORDER}`,
    fontWeight: 600,
  },
  td: { padding: '8px 12px', borderBottom: `1px solid ${BORDER}`, verticalAlign: 'top' },
  numeric: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
  message: { margin: '16px 0' },
  alert: {
    display: 'flex',
    alignItems: 'center',
    gap: 12,
    flexWrap: 'wrap',
    padding: '12px 16px',
    margin: '16px 0',
    borderRadius: 4,
    border: '1px solid #F3B8BF',
    background: '#FDECEE',
    color: '#7A1020',
  },
  link: { color: PRIMARY_DARK, fontWeight: 600 },
} satisfies Record<string, CSSProperties>;

export function StatusBadge({ status }: { status: Status }) {
  const { color, background, glyph } = STATUS_STYLE[status];
  return (
    <span style={{ ...styles.badge, color, background }} data-status={status}>
      <span aria-hidden="true">{glyph}</span>
      {t(STATUS_LABEL[status])}
    </span>
  );
}

function componentLabel(key: string): string {
  const messageKey = COMPONENTS[key];
  return messageKey ? t(messageKey) : key;
}

function orderedChecks(checks: Record<string, CheckResult>): Array<[string, CheckResult]> {
  const known = Object.keys(COMPONENTS).filter((key) => key in checks);
  const others = Object.keys(checks)
    .filter((key) => !(key in COMPONENTS))
    .sort();
  return [...known, ...others].map((key) => [key, checks[key] as CheckResult]);
}

function formatLatency(ms: number): string {
  return new Intl.NumberFormat(getLanguage(), { maximumFractionDigits: 1 }).format(ms);
}

function ChecksTable({ report }: { report: HealthReport }) {
  const rows = orderedChecks(report.checks);
  if (rows.length === 0) return <p style={styles.message}>{t('health.empty')}</p>;
  return (
    <table style={styles.table}>
      <caption style={styles.caption}>{t('health.caption')}</caption>
      <thead>
        <tr>
          <th scope="col" style={styles.th}>
            {t('health.column.component')}
          </th>
          <th scope="col" style={styles.th}>
            {t('health.column.status')}
          </th>
          <th scope="col" style={styles.th}>
            {t('health.column.reason')}
          </th>
          <th scope="col" style={{ ...styles.th, ...styles.numeric }}>
            {t('health.column.latency')}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([key, check]) => (
          <tr key={key} data-check={key}>
            <th scope="row" style={{ ...styles.td, fontWeight: 500, textAlign: 'left' }}>
              {componentLabel(key)}
            </th>
            <td style={styles.td}>
              <StatusBadge status={check.status} />
            </td>
            <td style={{ ...styles.td, overflowWrap: 'anywhere' }}>{check.reason}</td>
            <td style={{ ...styles.td, ...styles.numeric }}>{formatLatency(check.latency_ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ErrorMessage({ error, onRetry }: { error: HealthError; onRetry: () => void }) {
  const retry = (
    <button type="button" style={{ ...styles.button, ...styles.secondaryButton }} onClick={onRetry}>
      {t('action.retry')}
    </button>
  );
  switch (error.kind) {
    case 'unauthorized':
      return (
        <div role="alert" style={styles.alert}>
          <span>{t('error.unauthorized')}</span>
          <a href={LOGIN_URL} style={styles.link}>
            {t('error.signIn')}
          </a>
        </div>
      );
    case 'forbidden':
      return (
        <div role="alert" style={styles.alert}>
          <span>{t('error.forbidden')}</span>
        </div>
      );
    case 'network':
      return (
        <div role="alert" style={styles.alert}>
          <span>{t('error.network')}</span>
          {retry}
        </div>
      );
    case 'invalid':
      return (
        <div role="alert" style={styles.alert}>
          <span>{t('error.invalid')}</span>
          {retry}
        </div>
      );
    case 'server':
      return (
        <div role="alert" style={styles.alert}>
          <span>{t('error.server', { status: error.status ?? '?' })}</span>
          {retry}
        </div>
      );
  }
}

type State =
  | { phase: 'loading'; report?: HealthReport }
  | { phase: 'ready'; report: HealthReport }
  | { phase: 'error'; error: HealthError };

export interface HealthPanelProps {
  /** Defaults to the global fetch; tests may pass their own. */
  fetchImpl?: typeof fetch;
}

export function HealthPanel({ fetchImpl }: HealthPanelProps = {}) {
  const [state, setState] = useState<State>({ phase: 'loading' });
  const controller = useRef<AbortController | null>(null);

  const load = useCallback(() => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setState((previous) =>
      previous.phase === 'ready' ? { phase: 'loading', report: previous.report } : { phase: 'loading' },
    );
    fetchHealth({ signal: current.signal, ...(fetchImpl ? { fetchImpl } : {}) }).then(
      (report) => {
        if (!current.signal.aborted) setState({ phase: 'ready', report });
      },
      (error: unknown) => {
        if (current.signal.aborted) return;
        setState({
          phase: 'error',
          error:
            error instanceof HealthError
              ? error
              : new HealthError('network', String(error), undefined, { cause: error }),
        });
      },
    );
  }, [fetchImpl]);

  useEffect(() => {
    load();
    return () => controller.current?.abort();
  }, [load]);

  const loading = state.phase === 'loading';
  const report = state.phase === 'error' ? undefined : state.report;

  return (
    <div style={styles.root}>
      <header style={styles.header}>
        <div>
          <h2 style={styles.title}>{t('nav.health')}</h2>
          <p style={styles.subtitle}>
            {t('app.subtitle')}
            {report ? ` · ${t('app.version', { version: report.version })}` : ''}
          </p>
        </div>
        <button
          type="button"
          style={{ ...styles.button, ...(loading ? styles.disabled : {}) }}
          onClick={load}
          disabled={loading}
          aria-busy={loading}
        >
          {t('action.refresh')}
        </button>
      </header>

      {loading && (
        <p role="status" style={styles.message}>
          {t('health.loading')}
        </p>
      )}
      {state.phase === 'error' && <ErrorMessage error={state.error} onRetry={load} />}
      {report && (
        <section aria-busy={loading}>
          <p style={styles.overall}>
            <span>{t('health.overall')}:</span>
            <StatusBadge status={report.status} />
          </p>
          <ChecksTable report={report} />
        </section>
      )}
    </div>
  );
}
