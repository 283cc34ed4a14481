// The pieces of Domain Studio that only show data: the confidence pill, the evidence drawer, the reliability chart.

import { Descriptions, Drawer, Empty, Progress, Space, Table, Tag, Typography } from 'antd';
import { t, type MessageKey } from '../i18n';
import type { Band, ColumnAssignment, ReliabilityBin, ScoreParts } from './client';

// Dark enough for white text at WCAG AA (4.5:1), and told apart by their words as well as their colour.
const BAND_COLOURS: Record<Band, string> = {
  high: '#1E6B3A',
  borderline: '#7A4A00',
  low: '#A0182B',
  empty: '#5B5B5B',
};

export function bandLabel(band: string): string {
  const key = `band.${band}` as MessageKey;
  return band in BAND_COLOURS ? t(key) : band;
}

/** The band in words and colour, and the confidence as a percentage (none for an empty column: nothing to judge). */
export function ConfidencePill({ band, confidence }: { band: Band; confidence: number }) {
  const percent = Math.round(Math.max(0, Math.min(1, confidence)) * 100);
  const text = band === 'empty' ? bandLabel(band) : `${bandLabel(band)} · ${percent}%`;
  return (
    <Tag
      data-band={band}
      color={BAND_COLOURS[band] ?? BAND_COLOURS.empty}
      style={{ color: '#fff', borderRadius: 10 }}
      aria-label={band === 'empty' ? t('domains.pillEmpty') : t('domains.pillLabel', { band: bandLabel(band), percent })}
    >
      {text}
    </Tag>
  );
}

/** The PII class a column's domain carries, or a dash. */
export function PiiTag({ pii }: { pii: string | null }) {
  if (!pii) return <Typography.Text type="secondary">{t('domains.notPersonal')}</Typography.Text>;
  return (
    <Tag color="#A0182B" style={{ color: '#fff' }}>
      {pii}
    </Tag>
  );
}

const SCORE_PARTS: Array<[keyof ScoreParts, MessageKey]> = [
  ['name_sim', 'evidence.nameSim'],
  ['regex_strength', 'evidence.regexStrength'],
  ['value_sim', 'evidence.valueSim'],
  ['unit_compat', 'evidence.unitCompat'],
  ['context', 'evidence.context'],
];

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section aria-label={title} style={{ marginBottom: 16 }}>
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {title}
      </Typography.Title>
      {children}
    </section>
  );
}

/** Everything the verdict on one column rests on: header tokens, regex hits, unit cues, masked samples, the score's
 * parts, the runner-up domains. Values from the server are shown as text, never as markup. */
export function EvidenceDrawer({ column, onClose }: { column: ColumnAssignment | null; onClose: () => void }) {
  const evidence = column?.evidence ?? {};
  const sampled = evidence.sampled ?? 0;
  return (
    <Drawer
      open={column !== null}
      onClose={onClose}
      width={520}
      title={column ? t('evidence.title', { column: column.column }) : ''}
      closeIcon={<span aria-label={t('evidence.close')}>×</span>}
      destroyOnHidden
    >
      {column && (
        <div data-testid="evidence-drawer">
          <Descriptions size="small" column={1} bordered style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('domains.domain')}>{column.domain ?? t('domains.unknown')}</Descriptions.Item>
            <Descriptions.Item label={t('domains.confidence')}>
              <ConfidencePill band={column.band} confidence={column.confidence} />
            </Descriptions.Item>
            <Descriptions.Item label={t('domains.pii')}>
              <PiiTag pii={column.pii} />
            </Descriptions.Item>
            <Descriptions.Item label={t('evidence.values')}>
              {t('evidence.valueCounts', { rows: evidence.rows ?? 0, nonEmpty: evidence.non_empty ?? 0, sampled })}
            </Descriptions.Item>
            {evidence.name?.alias ? (
              <Descriptions.Item label={t('evidence.alias')}>{evidence.name.alias}</Descriptions.Item>
            ) : null}
            {evidence.ambiguous_with ? (
              <Descriptions.Item label={t('evidence.ambiguous')}>{evidence.ambiguous_with}</Descriptions.Item>
            ) : null}
            {evidence.name_hint ? (
              <Descriptions.Item label={t('evidence.nameHint')}>
                {evidence.name_hint.domain} ({evidence.name_hint.alias})
              </Descriptions.Item>
            ) : null}
          </Descriptions>

          <Section title={t('evidence.tokens')}>
            {evidence.header_tokens?.length ? (
              <Space wrap size={4}>
                {evidence.header_tokens.map((token, index) => (
                  <Tag key={`${token}-${index}`}>{token}</Tag>
                ))}
              </Space>
            ) : (
              <Typography.Text type="secondary">{t('evidence.none')}</Typography.Text>
            )}
          </Section>

          <Section title={t('evidence.regexes')}>
            {evidence.regexes?.length ? (
              <Table
                size="small"
                pagination={false}
                rowKey="pattern"
                dataSource={evidence.regexes}
                columns={[
                  { title: t('evidence.pattern'), dataIndex: 'pattern', render: (p: string) => <code style={{ wordBreak: 'break-all' }}>{p}</code> },
                  {
                    title: t('evidence.hits'),
                    dataIndex: 'matched',
                    width: 120,
                    render: (matched: number) => (sampled ? `${matched} / ${sampled}` : String(matched)),
                  },
                ]}
              />
            ) : (
              <Typography.Text type="secondary">{t('evidence.none')}</Typography.Text>
            )}
          </Section>

          <Section title={t('evidence.units')}>
            {evidence.unit_cues && Object.keys(evidence.unit_cues).length ? (
              <Space wrap size={4}>
                {Object.entries(evidence.unit_cues).map(([cue, dimension]) => (
                  <Tag key={cue}>
                    {cue} → {dimension}
                  </Tag>
                ))}
              </Space>
            ) : (
              <Typography.Text type="secondary">{t('evidence.none')}</Typography.Text>
            )}
          </Section>

          <Section title={t('evidence.samples')}>
            {evidence.samples?.length ? (
              <ul style={{ margin: 0, paddingLeft: 18 }}>
                {evidence.samples.map((sample, index) => (
                  <li key={index}>
                    <code>{String(sample)}</code>
                  </li>
                ))}
              </ul>
            ) : (
              <Typography.Text type="secondary">{t('evidence.noSamples')}</Typography.Text>
            )}
          </Section>

          <Section title={t('evidence.score')}>
            {evidence.score ? (
              <Space direction="vertical" style={{ width: '100%' }} size={2}>
                {SCORE_PARTS.map(([part, key]) => {
                  const value = Number(evidence.score?.[part] ?? 0);
                  return (
                    <div key={part} style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
                      <span style={{ width: 170 }}>{t(key)}</span>
                      <Progress
                        percent={Math.round(Math.abs(value) * 100)}
                        size="small"
                        showInfo={false}
                        style={{ flex: 1, margin: 0 }}
                        aria-label={t(key)}
                        strokeColor={value < 0 ? '#A0182B' : '#156378'}
                      />
                      <span style={{ width: 48, textAlign: 'right' }}>{value.toFixed(2)}</span>
                    </div>
                  );
                })}
              </Space>
            ) : (
              <Typography.Text type="secondary">{t('evidence.none')}</Typography.Text>
            )}
          </Section>

          {evidence.candidates?.length ? (
            <Section title={t('evidence.candidates')}>
              <ol style={{ margin: 0, paddingLeft: 18 }}>
                {evidence.candidates.map((candidate) => (
                  <li key={candidate.domain}>
                    {candidate.domain} ({Math.round(candidate.score * 100)}%)
                  </li>
                ))}
              </ol>
            </Section>
          ) : null}

          {evidence.ruled_out_by_negatives?.length ? (
            <Section title={t('evidence.ruledOut')}>
              <Space wrap size={4}>
                {evidence.ruled_out_by_negatives.map((name) => (
                  <Tag key={name}>{name}</Tag>
                ))}
              </Space>
            </Section>
          ) : null}
        </div>
      )}
    </Drawer>
  );
}

const CHART = { width: 360, height: 300, left: 48, right: 16, top: 16, bottom: 44 };

/** Where a (confidence, precision) pair is drawn. */
export function chartPoint(x: number, y: number): [number, number] {
  const w = CHART.width - CHART.left - CHART.right;
  const h = CHART.height - CHART.top - CHART.bottom;
  const clamp = (v: number) => Math.max(0, Math.min(1, v));
  return [CHART.left + clamp(x) * w, CHART.top + (1 - clamp(y)) * h];
}

/** The reliability curve of the threshold profile: for each confidence bin, how often the assigned domain was right
 * (precision) against the confidence the classifier claimed; the diagonal is a perfectly calibrated classifier.
 * Drawn as SVG with its numbers in a table below it for those who do not see the chart. */
export function ReliabilityChart({ bins, tauHigh, tauLow }: { bins: ReliabilityBin[]; tauHigh?: number | undefined; tauLow?: number | undefined }) {
  const shown = bins.filter((bin) => bin.count > 0).sort((a, b) => a.mean_confidence - b.mean_confidence);
  if (!shown.length) return <Empty description={t('reliability.none')} />;
  const biggest = Math.max(...shown.map((bin) => bin.count));
  const path = shown.map((bin, index) => `${index ? 'L' : 'M'}${chartPoint(bin.mean_confidence, bin.precision).join(',')}`).join(' ');
  const [x0, y0] = chartPoint(0, 0);
  const [x1, y1] = chartPoint(1, 1);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <figure style={{ margin: 0 }}>
      <svg
        role="img"
        aria-labelledby="reliability-title reliability-desc"
        viewBox={`0 0 ${CHART.width} ${CHART.height}`}
        width={CHART.width}
        height={CHART.height}
        style={{ maxWidth: '100%', height: 'auto', fontFamily: 'inherit' }}
      >
        <title id="reliability-title">{t('reliability.title')}</title>
        <desc id="reliability-desc">{t('reliability.desc', { bins: shown.length })}</desc>
        <rect x={x0} y={y1} width={x1 - x0} height={y0 - y1} fill="#FAFAFA" stroke="#BFBFBF" />
        {ticks.map((tick) => {
          const [x] = chartPoint(tick, 0);
          const [, y] = chartPoint(0, tick);
          return (
            <g key={tick} fontSize={11} fill="#595959">
              <line x1={x} y1={y0} x2={x} y2={y0 + 4} stroke="#595959" />
              <text x={x} y={y0 + 16} textAnchor="middle">{tick}</text>
              <line x1={x0 - 4} y1={y} x2={x0} y2={y} stroke="#595959" />
              <text x={x0 - 8} y={y + 4} textAnchor="end">{tick}</text>
            </g>
          );
        })}
        {[tauLow, tauHigh].map((tau, index) =>
          tau == null ? null : (
            <line key={index} data-testid={index ? 'tau-high' : 'tau-low'} x1={chartPoint(tau, 0)[0]} y1={y0} x2={chartPoint(tau, 0)[0]} y2={y1}
              stroke={index ? '#1E6B3A' : '#7A4A00'} strokeDasharray="2 3" />
          ),
        )}
        <line data-testid="diagonal" x1={x0} y1={y0} x2={x1} y2={y1} stroke="#8C8C8C" strokeDasharray="6 4" />
        <path data-testid="curve" d={path} fill="none" stroke="#156378" strokeWidth={2} />
        {shown.map((bin) => {
          const [x, y] = chartPoint(bin.mean_confidence, bin.precision);
          return (
            <circle key={`${bin.lo}-${bin.hi}`} data-testid="bin" cx={x} cy={y} r={3 + 5 * Math.sqrt(bin.count / biggest)}
              fill="#156378" fillOpacity={0.75}>
              <title>{t('reliability.point', { lo: bin.lo, hi: bin.hi, confidence: bin.mean_confidence.toFixed(2), precision: bin.precision.toFixed(2), count: bin.count })}</title>
            </circle>
          );
        })}
        <text x={(x0 + x1) / 2} y={CHART.height - 6} textAnchor="middle" fontSize={12} fill="#262626">
          {t('reliability.x')}
        </text>
        <text x={12} y={(y0 + y1) / 2} textAnchor="middle" fontSize={12} fill="#262626" transform={`rotate(-90 12 ${(y0 + y1) / 2})`}>
          {t('reliability.y')}
        </text>
      </svg>
      <figcaption>
        <Table
          size="small"
          pagination={false}
          rowKey={(bin) => `${bin.lo}-${bin.hi}`}
          dataSource={shown}
          aria-label={t('reliability.table')}
          columns={[
            { title: t('reliability.bin'), key: 'bin', render: (_, bin) => `${bin.lo.toFixed(2)}–${bin.hi.toFixed(2)}` },
            { title: t('reliability.x'), dataIndex: 'mean_confidence', render: (v: number) => v.toFixed(2) },
            { title: t('reliability.y'), dataIndex: 'precision', render: (v: number) => v.toFixed(2) },
            { title: t('reliability.count'), dataIndex: 'count' },
          ]}
        />
      </figcaption>
    </figure>
  );
}
