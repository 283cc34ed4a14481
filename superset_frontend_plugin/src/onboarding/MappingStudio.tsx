// The Mapping Studio: the source columns on the left, the target columns on the right (each with its decision), and
// for the selected target its DSL pipeline as ordered chips in the middle, compiled to SQL and Polars by the server
// as it is edited, with the success / near / fail counters of the Sample Pack, the examples, the rationale and the
// confidence, and Accept / Hold / Fix. A decision carries the mapping's version (If-Match): a 412 means someone
// changed it meanwhile, and the mappings are reloaded.

import { Alert, App, Button, Empty, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { t, type MessageKey } from '../i18n';
import { ApiError } from '../workspace/client';
import { PiiTag } from '../domains/parts';
import {
  DECISIONS, DSL_VERSION, mappingTag, onboardingApi, opIndexOf, schemaOf, type Catalog, type Compiled, type Decision, type Mapping,
  type Pipeline, type TargetSchema,
} from './client';
import { samePipeline } from './dsl';
import { COLOURS, CompiledTabs, DslChips, ExamplesGrid, OutcomeCounters, known } from './parts';
import { failureText } from './StartRun';

export const COMPILE_DEBOUNCE_MS = 300;

const DECISION_COLOURS: Record<string, string> = { accept: COLOURS.green, hold: COLOURS.amber, fix: COLOURS.red };

export function DecisionTag({ decision }: { decision: string }) {
  return (
    <Tag color={DECISION_COLOURS[decision] ?? COLOURS.grey} style={{ color: '#fff' }} data-decision={decision}>
      {known('onb.decision', decision)}
    </Tag>
  );
}

/** The compiled plan of the pipeline being edited: the mapping's own while unchanged (no request, no flicker), the
 * server's answer (newest wins) a moment after each edit; a DSL_REJECT keeps its message and the chip it names. */
function useCompiled(mapping: Mapping | null, draft: Pipeline | null, schema: Record<string, string>) {
  const [state, setState] = useState<{ compiled: Compiled | null; error: string | null; errorIndex: number | null; loading: boolean }>(
    { compiled: null, error: null, errorIndex: null, loading: false });  // prettier-ignore
  const asked = useRef(0);
  const schemaKey = JSON.stringify(schema);
  const unchanged = mapping !== null && draft !== null && samePipeline(mapping.dsl, draft) && mapping.compiled !== null;
  useEffect(() => {
    asked.current += 1; // an answer to an older draft is dropped
    if (!mapping || !draft || unchanged) return undefined;
    setState((current) => ({ ...current, loading: true }));
    const timer = setTimeout(() => {
      const ask = (asked.current += 1);
      onboardingApi.compile({ dsl_version: DSL_VERSION, pipelines: [draft] }, schema).then(
        (answer) => ask === asked.current && setState({ compiled: answer.result, error: null, errorIndex: null, loading: false }),
        (failure: unknown) => {
          if (ask !== asked.current) return;
          const path = failure instanceof ApiError ? failure.details.path : undefined;
          setState({ compiled: null, error: failureText(failure), errorIndex: opIndexOf(path), loading: false });
        },
      );
    }, COMPILE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [mapping, draft, schemaKey, unchanged]); // eslint-disable-line react-hooks/exhaustive-deps -- the schema by value
  if (unchanged) return { compiled: mapping.compiled, error: null, errorIndex: null, loading: false };
  return state;
}

export interface MappingStudioProps {
  runId: string;
  mode: string;
  catalog: Catalog | null;
  target: TargetSchema | null;
  sampleRows: number | null;
  /** Called after a decision is stored (the run's stage state may have changed). */
  onDecided?: () => void;
}

export function MappingStudio({ runId, mode, catalog, target, sampleRows, onDecided }: MappingStudioProps) {
  const { message } = App.useApp();
  const [mappings, setMappings] = useState<Mapping[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [draft, setDraft] = useState<Pipeline | null>(null);
  const [chip, setChip] = useState<number | null>(null);
  const [busy, setBusy] = useState<Decision | null>(null);
  const [refusal, setRefusal] = useState<{ message: string; stale: boolean } | null>(null);

  const load = useCallback(async (keep: string | null = null) => {
    try {
      const answer = await onboardingApi.mappings(runId);
      const rows = answer.body.result;
      setMappings(rows);
      setLoadError(null);
      const chosen = rows.find((m) => m.target === keep) ?? rows[0] ?? null;
      setSelected(chosen?.target ?? null);
      setDraft(chosen ? chosen.dsl : null);
      setChip(null);
    } catch (failure) {
      setLoadError(failureText(failure));
    }
  }, [runId]);
  useEffect(() => void load(), [load]);

  const mapping = useMemo(() => mappings?.find((m) => m.target === selected) ?? null, [mappings, selected]);
  const schema = useMemo(() => schemaOf(catalog), [catalog]);
  const compiled = useCompiled(mapping, draft, schema);
  const sources = catalog?.tables[0]?.columns ?? [];
  const targetColumns = new Map((target?.columns ?? []).map((column) => [column.name, column]));
  const used = new Set(mapping?.sources ?? []);
  const changed = mapping !== null && draft !== null && !samePipeline(mapping.dsl, draft);

  const choose = (name: string) => {
    const next = mappings?.find((m) => m.target === name) ?? null;
    setSelected(name);
    setDraft(next?.dsl ?? null);
    setChip(null);
    setRefusal(null);
  };

  const decide = async (decision: Decision) => {
    if (!mapping || !draft) return;
    setBusy(decision);
    setRefusal(null);
    try {
      const change = changed ? { decision, dsl: draft } : { decision };
      const answer = await onboardingApi.decide(runId, mapping.target, change, mappingTag(mapping));
      const stored = answer.body.result;
      setMappings((rows) => (rows ?? []).map((row) => (row.target === stored.target ? stored : row)));
      setDraft(stored.dsl);
      message.success(t('onb.decided', { target: stored.target, decision: known('onb.decision', stored.decision) }));
      onDecided?.();
    } catch (failure) {
      const stale = failure instanceof ApiError && failure.status === 412;
      setRefusal({ message: stale ? t('onb.mappingChanged') : failureText(failure), stale });
      if (stale) await load(mapping.target);
    } finally {
      setBusy(null);
    }
  };

  if (loadError) return <Alert type="error" showIcon role="alert" message={loadError} action={<Button onClick={() => void load(selected)}>{t('action.retry')}</Button>} />;
  if (mappings === null) return <Typography.Text type="secondary">{t('onb.loadingMappings')}</Typography.Text>;
  if (!mappings.length) return <Empty description={t('onb.noMappings')} />;

  return (
    <div data-testid="mapping-studio" style={{ display: 'grid', gridTemplateColumns: 'minmax(160px, 220px) minmax(0, 1fr) minmax(180px, 260px)', gap: 16, alignItems: 'start' }}>
      <section aria-label={t('onb.sourceColumns')} style={{ minWidth: 0 }}>
        <Typography.Title level={5} style={{ marginTop: 0 }}>{t('onb.sourceColumns')}</Typography.Title>
        <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="source-columns">
          {sources.map((column) => (
            <li key={column.name} data-column={column.name} data-used={used.has(column.name) ? 'true' : undefined}
              style={{ padding: '4px 6px', borderLeft: `3px solid ${used.has(column.name) ? COLOURS.teal : 'transparent'}`,
                background: used.has(column.name) ? '#E6F1F4' : undefined, overflowWrap: 'anywhere' }}>
              <Typography.Text strong={used.has(column.name)}>{column.name}</Typography.Text>
              <div><Typography.Text type="secondary" style={{ fontSize: 12 }}><code>{column.dtype}</code>{column.domain ? ` · ${column.domain}` : ''}</Typography.Text></div>
            </li>
          ))}
        </ul>
      </section>

      <section aria-label={t('onb.pipeline')} style={{ minWidth: 0 }}>
        {mapping && draft ? (
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Space wrap align="center">
              <Typography.Title level={5} style={{ margin: 0 }}>{t('onb.mappingOf', { target: mapping.target })}</Typography.Title>
              <DecisionTag decision={mapping.decision} />
              <Tag>{known('onb.strategy', mapping.strategy)}</Tag>
              <Tag>{known('onb.origin', mapping.origin)}</Tag>
              <Typography.Text data-testid="confidence">{t('onb.confidence', { percent: Math.round(mapping.confidence * 100) })}</Typography.Text>
              {changed && <Tag color={COLOURS.teal} style={{ color: '#fff' }}>{t('onb.edited')}</Tag>}
            </Space>
            <DslChips pipeline={draft} onChange={(next) => { setDraft(next); setRefusal(null); }} selected={chip} onSelect={setChip}
              errorIndex={compiled.errorIndex} />
            <CompiledTabs compiled={compiled.compiled} error={compiled.error} loading={compiled.loading} />
            <OutcomeCounters mapping={mapping} rows={sampleRows} mode={mode} />
            {changed && mapping.success_rate != null && <Typography.Text type="secondary">{t('onb.ratesAfterSave')}</Typography.Text>}
            <ExamplesGrid mapping={mapping} />
            {mapping.rationale.length > 0 && (
              <section aria-label={t('onb.rationale')}>
                <Typography.Text strong>{t('onb.rationale')}</Typography.Text>
                <ul style={{ margin: '4px 0 0', paddingLeft: 20 }}>{mapping.rationale.map((reason, i) => <li key={i}>{reason}</li>)}</ul>
              </section>
            )}
            {refusal && <Alert type={refusal.stale ? 'warning' : 'error'} showIcon role="alert" message={refusal.message} data-testid="decision-error" />}
            <Space wrap>
              {DECISIONS.map((decision) => (
                <Button key={decision} type={decision === 'accept' ? 'primary' : 'default'} danger={decision === 'fix'}
                  loading={busy === decision} disabled={busy !== null || (decision === 'accept' && compiled.error !== null)}
                  onClick={() => void decide(decision)}>
                  {t(`onb.decide.${decision}` as MessageKey)}
                </Button>
              ))}
              {changed && <Button onClick={() => { setDraft(mapping.dsl); setChip(null); }}>{t('onb.discardEdit')}</Button>}
            </Space>
          </Space>
        ) : <Empty description={t('onb.pickTarget')} />}
      </section>

      <section aria-label={t('onb.targetColumns')} style={{ minWidth: 0 }}>
        <Typography.Title level={5} style={{ marginTop: 0 }}>{t('onb.targetColumns')}</Typography.Title>
        <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="target-columns">
          {mappings.map((row) => {
            const column = targetColumns.get(row.target);
            const active = row.target === selected;
            return (
              <li key={row.target} data-target={row.target} style={{ marginBottom: 4 }}>
                <Button block type={active ? 'primary' : 'default'} aria-pressed={active} onClick={() => choose(row.target)}
                  style={{ height: 'auto', textAlign: 'left', whiteSpace: 'normal', display: 'flex', justifyContent: 'space-between', gap: 6 }}>
                  <span style={{ overflowWrap: 'anywhere' }}>{row.target}{column ? <span style={{ fontSize: 12, opacity: active ? undefined : 0.85 }}> · {column.dtype}</span> : null}</span>
                  <span>{known('onb.decision', row.decision)}</span>
                </Button>
                {column?.pii && active && <div style={{ marginTop: 2 }}><PiiTag pii={column.pii} /></div>}
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );  // prettier-ignore
}
