// The quality report of a run (its analysis): coverage, duplicates, null rates and PSI / KS per column as a chart and a
// table, the transform feasibility matrix, and the anomalies, each with its recommended fix staged in one click as a
// mapping change. In metadata_only there are no rows to measure: the page says so instead of showing empty numbers.

import { Alert, App, Button, Card, Descriptions, Empty, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { t } from '../i18n';
import { onboardingApi } from './client';
import { AnomalyList, COLOURS, FeasibilityMatrix, QualityChart } from './parts';
import { reportView, type ColumnQuality, type Consistency, type ReportView } from './report';
import { failureText } from './StartRun';

const fixed = (value: number | null, digits = 3) => (value === null ? '' : value.toFixed(digits));
const percent = (value: number | null) => (value === null ? '-' : `${Math.round(value * 1000) / 10}%`);

export function QualityReportView({ report, mode, staged, busy, onStage }: {
  report: ReportView; mode: string; staged: Set<string>; busy: string | null; onStage: (fixId: string) => void;
}) {
  const metadataOnly = (report.mode ?? mode) === 'metadata_only';
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="quality-report">
      {metadataOnly && <Alert type="info" showIcon data-testid="metadata-only-report" message={t('onb.reportMetadataOnly')} />}
      <Descriptions size="small" bordered column={3}>
        <Descriptions.Item label={t('onb.coverage')}>
          <span data-testid="coverage">
            {report.coverage ? `${percent(report.coverage.rate)}${report.coverage.mapped !== null && report.coverage.total !== null
              ? ` (${report.coverage.mapped} / ${report.coverage.total})` : ''}` : '-'}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('onb.duplicates')}>
          {report.duplicates ? `${percent(report.duplicates.rate)}${report.duplicates.key ? ` · ${report.duplicates.key}` : ''}` : metadataOnly ? t('onb.notMeasured') : '-'}
        </Descriptions.Item>
        <Descriptions.Item label={t('onb.anomalies')}>{report.anomalies.length}</Descriptions.Item>
      </Descriptions>
      {!metadataOnly && (
        <Card size="small" title={t('onb.perColumn')} role="region" aria-label={t('onb.perColumn')}>
          <QualityChart columns={report.columns} />
          <Table<ColumnQuality> size="small" rowKey="name" pagination={{ pageSize: 25, hideOnSinglePage: true }} style={{ marginTop: 12 }}
            aria-label={t('onb.perColumnTable')} dataSource={report.columns} locale={{ emptyText: t('onb.noMeasures') }}
            columns={[
              { title: t('onb.column'), dataIndex: 'name', render: (name: string, c) => <span>{name}{c.flagged ? <Tag color={COLOURS.red} style={{ color: '#fff', marginLeft: 6 }}>{t('onb.overThreshold')}</Tag> : null}</span> },
              { title: t('onb.measure.nullRate'), dataIndex: 'nullRate', render: (v: number | null) => percent(v) },
              { title: t('onb.measure.psi'), dataIndex: 'psi', render: (v: number | null) => fixed(v) },
              { title: t('onb.measure.ks'), dataIndex: 'ks', render: (v: number | null) => fixed(v) },
            ]} />
        </Card>
      )}
      {report.consistency.length > 0 && (
        <Card size="small" title={t('onb.consistency')} role="region" aria-label={t('onb.consistency')}>
          <Table<Consistency> size="small" rowKey="target" pagination={{ pageSize: 25, hideOnSinglePage: true }}
            aria-label={t('onb.consistency')} dataSource={report.consistency} columns={[
              { title: t('onb.target'), dataIndex: 'target' },
              { title: t('onb.outputType'), dataIndex: 'outputType', render: (v: string | null) => <code>{v ?? '-'}</code> },
              { title: t('onb.targetType'), dataIndex: 'targetType', render: (v: string | null) => <code>{v ?? '-'}</code> },
              { title: '', dataIndex: 'consistent', render: (ok: boolean) => (
                <Tag color={ok ? COLOURS.green : COLOURS.red} style={{ color: '#fff' }}>{ok ? t('onb.consistent') : t('onb.inconsistent')}</Tag>) },
            ]} />
        </Card>
      )}
      <Card size="small" title={t('onb.feasibility')} role="region" aria-label={t('onb.feasibility')}>
        <FeasibilityMatrix feasibility={report.feasibility} />
      </Card>
      <Card size="small" title={t('onb.anomalies')} role="region" aria-label={t('onb.anomaliesRegion')}>
        <AnomalyList anomalies={report.anomalies} staged={staged} busy={busy} onStage={onStage} />
      </Card>
      {report.notes.length > 0 && <ul>{report.notes.map((note, i) => <li key={i}>{note}</li>)}</ul>}
    </Space>
  );  // prettier-ignore
}

export function QualityReport({ runId, mode, onStaged }: { runId: string; mode: string; onStaged?: () => void }) {
  const { message } = App.useApp();
  const [report, setReport] = useState<ReportView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [staged, setStaged] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const answer = await onboardingApi.analysis(runId);
      const view = reportView(answer.result);
      if (!view) throw new Error(t('onb.reportUnreadable'));
      setReport(view);
      setError(null);
    } catch (failure) {
      setError(failureText(failure));
    }
  }, [runId]);
  useEffect(() => void load(), [load]);
  const stage = async (fixId: string) => {
    setBusy(fixId);
    try {
      const answer = await onboardingApi.stageFix(runId, fixId);
      setStaged((current) => new Set([...current, fixId]));
      message.success(t('onb.fixStagedFor', { target: answer.body.result.target }));
      onStaged?.();
    } catch (failure) {
      message.error(failureText(failure));
    } finally {
      setBusy(null);
    }
  };
  if (error) return <Alert type="error" showIcon role="alert" message={error} action={<Button onClick={() => void load()}>{t('action.retry')}</Button>} />;
  if (!report) return <Typography.Text type="secondary">{t('onb.loadingReport')}</Typography.Text>;
  if (!report.columns.length && !report.anomalies.length && !report.feasibility.rows.length && !report.coverage) {
    return <Empty description={t('onb.reportEmpty')} />;
  }
  return <QualityReportView report={report} mode={mode} staged={staged} busy={busy} onStage={(id) => void stage(id)} />;
}
