// The Mapping Studio's model of a DSL pipeline: the twelve operations with their parameters (as the DSL 1.0.0
// defines them), a new operation's defaults, and the edits the chips make (add, remove, move, set a parameter).
// Nothing here checks a plan: the server does (POST /compile answers DSL_REJECT naming the path).

import { OP_NAMES, type Op, type OpName, type Pipeline } from './client';

export type ParamKind = 'select' | 'text' | 'integer' | 'number' | 'operand' | 'json';

export interface ParamSpec {
  name: string;
  kind: ParamKind;
  options?: readonly string[];
  optional?: boolean;
}

export const DTYPES = ['string', 'integer', 'float', 'boolean', 'date', 'timestamp'] as const;

/** The parameters of each operation, in the order of the spec. */
export const OP_PARAMS: Record<OpName, readonly ParamSpec[]> = {
  trim: [{ name: 'side', kind: 'select', options: ['both', 'left', 'right'] }],
  case: [{ name: 'to', kind: 'select', options: ['upper', 'lower'] }],
  collapse_whitespace: [],
  regex_extract: [{ name: 'pattern', kind: 'text' }, { name: 'group', kind: 'integer' }],
  regex_split: [{ name: 'pattern', kind: 'text' }, { name: 'index', kind: 'integer' }],
  concat: [{ name: 'parts', kind: 'json' }, { name: 'separator', kind: 'text', optional: true }],
  map_dict: [{ name: 'mapping', kind: 'json' }, { name: 'default', kind: 'select', options: ['keep', 'null'] }],
  unit_convert: [{ name: 'from', kind: 'text' }, { name: 'to', kind: 'text' }],
  date_parse: [{ name: 'format', kind: 'text' }],
  date_format: [{ name: 'format', kind: 'text' }],
  type_cast: [{ name: 'to', kind: 'select', options: DTYPES }],
  safe_math: [
    { name: 'fn', kind: 'select', options: ['add', 'sub', 'mul', 'div', 'round', 'abs', 'neg'] },
    { name: 'operand', kind: 'operand', optional: true },
    { name: 'digits', kind: 'integer', optional: true },
  ],
};

/** A new operation as the chips add it: its parameters at their defaults (or a value that reads as an example). */
export function newOp(name: OpName): Op {
  switch (name) {
    case 'trim': return { op: name, side: 'both' };
    case 'case': return { op: name, to: 'lower' };
    case 'collapse_whitespace': return { op: name };
    case 'regex_extract': return { op: name, pattern: '[0-9]+', group: 0 };
    case 'regex_split': return { op: name, pattern: ' ', index: 0 };
    case 'concat': return { op: name, parts: [], separator: ' ' };
    case 'map_dict': return { op: name, mapping: {}, default: 'keep' };
    case 'unit_convert': return { op: name, from: 'lb', to: 'kg' };
    case 'date_parse': return { op: name, format: '%Y-%m-%d' };
    case 'date_format': return { op: name, format: '%Y-%m-%d' };
    case 'type_cast': return { op: name, to: 'string' };
    case 'safe_math': return { op: name, fn: 'mul', operand: 1 };
  }
}  // prettier-ignore

export const isOpName = (value: unknown): value is OpName => typeof value === 'string' && (OP_NAMES as readonly string[]).includes(value);

export function withOps(pipeline: Pipeline, ops: Op[]): Pipeline {
  return { ...pipeline, ops };
}

export function addOp(pipeline: Pipeline, name: OpName, at = pipeline.ops.length): Pipeline {
  const ops = [...pipeline.ops];
  ops.splice(Math.max(0, Math.min(at, ops.length)), 0, newOp(name));
  return withOps(pipeline, ops);
}

export function removeOp(pipeline: Pipeline, index: number): Pipeline {
  return withOps(pipeline, pipeline.ops.filter((_, i) => i !== index));
}

/** Move the operation at `index` by `by` places (-1: earlier, +1: later); out of range leaves it where it is. */
export function moveOp(pipeline: Pipeline, index: number, by: number): Pipeline {
  const to = index + by;
  if (index < 0 || index >= pipeline.ops.length || to < 0 || to >= pipeline.ops.length) return pipeline;
  const ops = [...pipeline.ops];
  const [moved] = ops.splice(index, 1);
  if (moved) ops.splice(to, 0, moved);
  return withOps(pipeline, ops);
}

/** Set (or, with undefined, drop) one parameter of the operation at `index`. */
export function setParam(pipeline: Pipeline, index: number, name: string, value: unknown): Pipeline {
  return withOps(pipeline, pipeline.ops.map((op, i) => {
    if (i !== index) return op;
    const next: Op = { ...op };
    if (value === undefined) delete next[name];
    else next[name] = value;
    return next;
  }));  // prettier-ignore
}

function short(value: unknown, max = 18): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** What a chip says: the operation and its main parameter ("type_cast → integer", "regex_extract [0-9]+"). */
export function chipText(op: Op): string {
  switch (op.op) {
    case 'trim': return `trim ${String(op.side ?? 'both')}`;
    case 'case': return `case ${String(op.to ?? '')}`;
    case 'regex_extract':
    case 'regex_split': return `${op.op} ${short(op.pattern ?? '')}`;
    case 'concat': return `concat (${Array.isArray(op.parts) ? op.parts.length : 0})`;
    case 'map_dict': return `map_dict (${op.mapping && typeof op.mapping === 'object' ? Object.keys(op.mapping).length : 0})`;
    case 'unit_convert': return `${String(op.from ?? '?')} → ${String(op.to ?? '?')}`;
    case 'date_parse':
    case 'date_format': return `${op.op} ${short(op.format ?? '')}`;
    case 'type_cast': return `type_cast → ${String(op.to ?? '?')}`;
    case 'safe_math': return `${String(op.fn ?? '?')}${op.operand !== undefined ? ` ${short(op.operand, 12)}` : ''}`;
    default: return String(op.op);
  }
}  // prettier-ignore

/** Two pipelines are the same edit when their JSON is (the chips changed nothing to send). */
export const samePipeline = (a: Pipeline, b: Pipeline) => JSON.stringify(a) === JSON.stringify(b);
