import { Tag } from 'antd';
import { Fragment, type ReactNode } from 'react';
import { label } from '../i18n';

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
