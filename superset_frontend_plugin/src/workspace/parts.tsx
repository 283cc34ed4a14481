import { Alert, Progress, Space, Tag, Typography } from 'antd';
import { Fragment, type ReactNode } from 'react';
import { label, t } from '../i18n';
import type { Task } from './client';

// Dark enough for white text at WCAG AA (4.5:1) on every state colour.
const STATE_COLOURS: Record<string, string> = {
  importing: '#5B5B5B',
  review_ready: '#156378',
  semantic_source_review_needed: '#7A4A00',
  clarification_active: '#6B3FA0',
  mapping_review_needed: '#7A4A00',
  compiled_preview_ready: '#156378',
  run_ready: '#1E6B3A',
  run_in_progress: '#156378',
  completed: '#1E6B3A',
  recovery_required: '#A0182B',
};

export function StateTag({ state }: { state: string }) {
  return (
    <Tag color={STATE_COLOURS[state] ?? '#5B5B5B'} style={{ color: '#fff' }}>
      {label('state', state)}
    </Tag>
  );
}

const KEYWORDS =
  /\b(SELECT|FROM|WHERE|AND|OR|NOT|IN|AS|ON|JOIN|LEFT|RIGHT|INNER|OUTER|GROUP|BY|ORDER|HAVING|LIMIT|WITH|CASE|WHEN|THEN|ELSE|END|IS|NULL|DISTINCT|UNION|ALL|LIKE|BETWEEN)\b/gi;

/** SQL with keywords, strings and numbers highlighted, and the diagnostic's line marked. */
export function SqlBlock({ sql, markLine }: { sql: string; markLine?: number | null }) {
  return (
    <pre
      aria-label="SQL"
      tabIndex={0}
      style={{ background: '#F7F7F7', border: '1px solid #E0E0E0', borderRadius: 4, padding: 12, overflowX: 'auto',
        fontSize: 13, lineHeight: 1.6, margin: 0 }}
    >
      {sql.split('\n').map((line, index) => (
        <div
          key={index}
          data-line={index + 1}
          style={index + 1 === markLine ? { background: '#FDECEE', outline: '1px solid #A0182B' } : undefined}
        >
          <span aria-hidden style={{ color: '#595959', userSelect: 'none', display: 'inline-block', width: 32 }}>
            {index + 1}
          </span>
          {highlight(line)}
        </div>
      ))}
    </pre>
  );
}

function highlight(line: string): ReactNode[] {
  const parts: ReactNode[] = [];
  const token = /('(?:[^']|'')*')|(\b\d+(?:\.\d+)?\b)|(\{\{.*?\}\}|\{%.*?%\})/g;
  let last = 0;
  for (const match of line.matchAll(token)) {
    parts.push(keywords(line.slice(last, match.index), parts.length));
    const colour = match[1] ? '#1E6B3A' : match[2] ? '#7A4A00' : '#6B3FA0';
    parts.push(<span key={`t${parts.length}`} style={{ color: colour }}>{match[0]}</span>);
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(keywords(line.slice(last), parts.length));
  return parts;
}

function keywords(text: string, key: number): ReactNode {
  const pieces = text.split(KEYWORDS);
  return (
    <Fragment key={`k${key}`}>
      {pieces.map((piece, index) =>
        index % 2 === 1 ? <b key={index} style={{ color: '#156378' }}>{piece}</b> : piece,
      )}
    </Fragment>
  );
}

/** The tasks worth a line on the page (newest first, as the server lists them): every queued or running one, and
 * the newest of a kind when it failed (what the user must act on); done ones show through their results. */
export function tasksToShow(tasks: Task[]): Task[] {
  const seen = new Set<string>();
  return tasks.filter((task) => {
    const newest = !seen.has(task.kind);
    seen.add(task.kind);
    return task.state === 'queued' || task.state === 'running' || (newest && task.state === 'failed');
  });
}

/** "about 40 s left", "about 3 min left" in the page language. */
export function etaText(seconds: number): string {
  const time = seconds < 90 ? t('task.seconds', { count: Math.max(1, Math.round(seconds)) })
    : t('task.minutes', { count: Math.round(seconds / 60) });  // prettier-ignore
  return t('task.eta', { time });
}

/** One task: its kind and state, done/total as a bar when the task counts its steps, an ETA when known, and the
 * server's reason (in the reader's language) when it failed. */
export function TaskProgress({ task }: { task: Task }) {
  const kind = label('taskKind', task.kind);
  const counted = task.total != null && task.total > 0 && task.done != null;
  return (
    <Alert type={task.state === 'failed' ? 'error' : 'info'} showIcon data-task={task.task_id}
      message={t('task.title', { kind, state: label('taskState', task.state) })}
      description={
        <Space direction="vertical" size={2} style={{ width: '100%' }}>
          {counted && task.state !== 'failed' && (
            <Space wrap>
              <Progress percent={Math.round(((task.done ?? 0) / (task.total ?? 1)) * 100)} size="small"
                style={{ width: 200 }} aria-label={t('task.progress', { kind })} />
              <Typography.Text>{t('task.steps', { done: task.done ?? 0, total: task.total ?? 0 })}</Typography.Text>
              {task.eta_seconds != null && <Typography.Text>{etaText(task.eta_seconds)}</Typography.Text>}
            </Space>
          )}
          {task.message && <Typography.Text>{task.message}</Typography.Text>}
        </Space>
      } />
  );  // prettier-ignore
}
