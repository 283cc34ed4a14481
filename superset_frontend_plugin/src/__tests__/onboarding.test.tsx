import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from 'antd';
import { describe, expect, it, vi } from 'vitest';
import { setLanguage } from '../i18n';
import { pageInfo } from '../main';
import {
  contractOf, countOf, inFlight, opIndexOf, schemaOf, stageGate, uploadFile, type Mapping,
} from '../onboarding/client';
import { addOp, chipText, moveOp, newOp, removeOp, setParam } from '../onboarding/dsl';
import { MappingStudio } from '../onboarding/MappingStudio';
import { RunView, RunsTable } from '../onboarding/OnboardingPages';
import { CatalogView, DslChips, QualityChart, SampleGrid, StageStepper } from '../onboarding/parts';
import { QualityReport } from '../onboarding/QualityReport';
import { reportView } from '../onboarding/report';
import { BeforeSending, StartRun } from '../onboarding/StartRun';
import { OP_NAMES } from '../onboarding/client';
import {
  CONTRACT_HASH, RUN_ID, catalog, compiledFullName, dataReport, events, mappingsOf, metadataReport, runOf, sample, target,
} from './onboardingFixtures';

const BASE = '/api/v1/dataset_review/onboarding';

function answer(body: unknown, status = 200, etag?: string): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (etag) headers.ETag = etag;
  return new Response(JSON.stringify(body), { status, headers });
}

type Handler = (body: unknown, url: string, headers: Record<string, string>) => Response | Promise<Response>;
interface Recorded { method: string; url: string; body: unknown; headers: Record<string, string> }

/** A fetch answering the onboarding API from fixtures; every request is recorded with its headers. */
function server(overrides: Record<string, Handler> = {}) {
  const requests: Recorded[] = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    if (url.includes('csrf_token')) return answer({ result: 'tok' });
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : null;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    requests.push({ method, url, body, headers });
    const path = url.replace(BASE, '').split('?')[0];
    const key = `${method} ${path}`;
    const override = overrides[key];
    if (override) return override(body, url, headers);
    const hashes = { contract: CONTRACT_HASH, policy: 'pol', artifacts: {} };
    if (key === `GET /runs/${RUN_ID}`) return answer({ result: runOf(), hashes }, 200, '"run-5"');
    if (key === `GET /runs/${RUN_ID}/artifacts/catalog`) return answer({ result: { kind: 'catalog', version: 2, content_hash: 'c', contract_hash: CONTRACT_HASH, body: catalog }, hashes });
    if (key === `GET /runs/${RUN_ID}/artifacts/target_schema`) return answer({ result: { kind: 'target_schema', version: 1, content_hash: 't', contract_hash: CONTRACT_HASH, body: target }, hashes });
    if (key === `GET /runs/${RUN_ID}/artifacts/sample_pack`) return answer({ result: { kind: 'sample_pack', version: 1, content_hash: 's', contract_hash: CONTRACT_HASH, body: sample }, hashes });
    if (key === `GET /runs/${RUN_ID}/mappings/`) return answer({ result: mappingsOf(), hashes }, 200, '"maps"');
    if (key === `GET /runs/${RUN_ID}/analysis`) return answer({ result: dataReport, hashes });
    if (key === `GET /runs/${RUN_ID}/events/`) return answer({ result: events, hashes });
    if (key === `POST /runs/${RUN_ID}/stages/analysis`) return answer({ result: { task: { task_id: 't9', kind: 'onboarding_analysis', state: 'queued', done: null, total: null, eta_seconds: null, message: null, error_code: null, created_on: '' } }, hashes }, 202);
    if (key === 'POST /compile') return answer({ result: { ...compiledFullName, sql: { postgres: 'SELECT upper("first_name") AS "full_name"', duckdb: 'SELECT upper("first_name") AS "full_name"' } }, hashes });
    return answer({ message: `unexpected ${key}` }, 404);
  });  // prettier-ignore
  vi.stubGlobal('fetch', fetchImpl);
  return { requests };
}

const withApp = (node: React.ReactNode) => render(<App>{node}</App>);

describe('onboarding client', () => {
  it('opens a stage only when the one before passed (or is held), the run is open and nothing runs', () => {
    const run = runOf();
    expect(stageGate(run, 'ingest')).toMatchObject({ state: 'passed', canStart: false });
    expect(stageGate(run, 'analysis')).toEqual({ state: 'pending', canStart: true, blockedBy: null });
    const fresh = runOf({ stages: { ingest: { state: 'pending', artifact_hash: null, task_id: null, error: null } } });
    expect(stageGate(fresh, 'ingest').canStart).toBe(true);
    expect(stageGate(fresh, 'domains')).toEqual({ state: 'pending', canStart: false, blockedBy: 'ingest' });
    expect(stageGate(runOf({ status: 'stopped' }), 'analysis').canStart).toBe(false);
    expect(stageGate(runOf({ status: 'failed' }), 'analysis').canStart).toBe(false);
    const busy = runOf({ task: { task_id: 'x', kind: 'k', state: 'running', done: 1, total: 4, eta_seconds: 3, message: null, error_code: null, created_on: '' } });
    expect(stageGate(busy, 'analysis').canStart).toBe(false);
    expect(inFlight(busy)).toBe(true);
    expect(inFlight(run)).toBe(false);
    expect(inFlight(null)).toBe(false);
  });

  it('writes the contract of the Start form: a file or a table on the left, the dataset on the right', () => {
    const common = { name: 'n', targetDatasetId: 7, mode: 'data_mode' as const, piiPolicy: 'drop' as const, humanConfirm: false };
    expect(contractOf({ ...common, source: { kind: 'file', uploadId: 'u-1' } })).toEqual({
      mode: 'data_mode', pii_policy: 'drop', human_confirm_required: false,
      lhs: { source: { type: 'file' }, location: 'u-1' }, rhs: { source: { type: 'sql' }, location: 'dataset:7' },
    });  // prettier-ignore
    expect(contractOf({ ...common, source: { kind: 'table', databaseId: 2, schema: 'public', table: 'partners' } }).lhs)
      .toEqual({ source: { type: 'sql' }, location: '2:public.partners' });
  });

  it('counts rates over the sample, reads the operation a refusal names, types the schema from the catalog', () => {
    expect(countOf(0.9, 100)).toBe(90);
    expect(countOf(0.333, 3)).toBe(1);
    expect(countOf(null, 100)).toBeNull();
    expect(countOf(0.5, null)).toBeNull();
    expect(opIndexOf('pipelines[0].ops[2].pattern')).toBe(2);
    expect(opIndexOf('ops[11]')).toBe(11);
    expect(opIndexOf('pipelines[0].target')).toBeNull();
    expect(opIndexOf(undefined)).toBeNull();
    expect(schemaOf(catalog)).toEqual({ first_name: 'string', last_name: 'string', weight_lb: 'float' });
    expect(schemaOf(null)).toEqual({});
  });

  it('uploads with progress through an XMLHttpRequest, and rejects with the server message and code', async () => {
    server();
    const sent: Array<{ method: string; url: string; headers: Record<string, string> }> = [];
    const fake = (status: number, body: unknown) => () => {
      const xhr = {
        upload: { onprogress: null as ((e: ProgressEvent) => void) | null },
        onload: null as (() => void) | null, onerror: null as (() => void) | null,
        status, responseText: JSON.stringify(body), withCredentials: false, headers: {} as Record<string, string>,
        open(method: string, url: string) { sent.push({ method, url, headers: this.headers }); },
        setRequestHeader(name: string, value: string) { this.headers[name] = value; },
        send() {
          this.upload.onprogress?.({ loaded: 50, total: 100, lengthComputable: true } as ProgressEvent);
          this.upload.onprogress?.({ loaded: 100, total: 100, lengthComputable: true } as ProgressEvent);
          this.onload?.();
        },
      };
      return xhr as unknown as XMLHttpRequest;
    };  // prettier-ignore
    const progress: number[] = [];
    const file = new File(['a,b\n1,2\n'], 'p.csv', { type: 'text/csv' });
    const done = await uploadFile(file, (p) => progress.push(p.loaded / p.total), fake(201, { result: { upload_id: 'u-1', filename: 'p.csv', bytes: 8, sha256: 'ab' } }));
    expect(done.upload_id).toBe('u-1');
    expect(progress).toEqual([0.5, 1]);
    expect(sent[0]).toMatchObject({ method: 'POST', url: `${BASE}/uploads/` });
    expect(sent[0]?.headers['X-CSRFToken']).toBe('tok');
    await expect(uploadFile(file, () => undefined, fake(422, { message: 'line 3 has 4 fields, the header 3', error_code: 'FILE_UNREADABLE' })))
      .rejects.toMatchObject({ status: 422, code: 'FILE_UNREADABLE', message: 'line 3 has 4 fields, the header 3' });
  });
});

describe('the DSL chips model', () => {
  it('has a valid new operation for each of the twelve, and a chip text that names it', () => {
    expect(OP_NAMES).toHaveLength(12);
    for (const name of OP_NAMES) {
      const op = newOp(name);
      expect(op.op).toBe(name);
      expect(chipText(op)).toContain(name === 'unit_convert' ? '→' : name === 'safe_math' ? 'mul' : name);
    }
  });

  it('adds, removes, moves and edits operations without touching the source pipeline', () => {
    const start = mappingsOf()[0]!.dsl;
    const added = addOp(start, 'case');
    expect(added.ops.map((o) => o.op)).toEqual(['trim', 'concat', 'case']);
    expect(start.ops).toHaveLength(2);
    expect(moveOp(added, 2, -1).ops.map((o) => o.op)).toEqual(['trim', 'case', 'concat']);
    expect(moveOp(added, 0, -1)).toBe(added);
    expect(moveOp(added, 2, 1)).toBe(added);
    expect(removeOp(added, 0).ops.map((o) => o.op)).toEqual(['concat', 'case']);
    expect(setParam(added, 2, 'to', 'upper').ops[2]).toEqual({ op: 'case', to: 'upper' });
    expect(setParam(added, 1, 'separator', undefined).ops[1]).toEqual({ op: 'concat', parts: [{ column: 'last_name' }] });
  });
});

describe('the quality report reader', () => {
  it('reads a data mode report: coverage, the worst duplicate key, nulls and PSI/KS per column flagged, fixes', () => {
    const view = reportView(dataReport)!;
    expect(view.coverage).toEqual({ mapped: 2, total: 2, rate: 1 });
    expect(view.duplicates).toEqual({ key: 'customer_id', rate: 0.002, count: null });
    expect(view.columns).toEqual([
      { name: 'full_name', nullRate: 0.06, psi: 0.05, ks: null, flagged: true },
      { name: 'weight_kg', nullRate: 0, psi: 0.31, ks: 0.42, flagged: true },
    ]);
    expect(view.consistency).toEqual([
      { target: 'full_name', outputType: 'string', targetType: 'string', consistent: true },
      { target: 'weight_kg', outputType: 'integer', targetType: 'float', consistent: false },
    ]);
    expect(view.feasibility.strategies).toEqual(['atomic', 'compose', 'decompose', 'unit', 'type_alignment']);
    expect(view.feasibility.rows[1]).toEqual({ target: 'weight_kg', cells: { atomic: 'feasible', compose: '', decompose: '', unit: 'needs_fix', type_alignment: '' } });
    expect(view.anomalies[0]).toMatchObject({ id: 'an_1', column: 'full_name', severity: 'medium', fix: { id: 'fx_trim_full_name', label: 'add trim before type_cast' } });
    expect(view.anomalies).toHaveLength(2);
  });

  it('reads a metadata_only report and its notes; refuses what is not a report; reads other spellings', () => {
    const view = reportView(metadataReport)!;
    expect(view.mode).toBe('metadata_only');
    expect(view.coverage).toEqual({ mapped: 1, total: 2, rate: 0.5 });
    expect(view.columns).toEqual([]);
    expect(view.duplicates).toBeNull();
    expect(view.feasibility.rows[0]?.cells).toEqual({ atomic: 'chosen', compose: 'feasible' });
    expect(view.notes[0]).toContain('metadata only');
    expect(reportView('nope')).toBeNull();
    expect(reportView([1, 2])).toBeNull();
    // Columns keyed by name, measures inside a drift object, a coverage without its share, a list-shaped matrix.
    expect(reportView({ columns: { x: { null_rate: 0.1, drift: { psi: 0.4, ks: 0.2 } } } })?.columns).toEqual([
      { name: 'x', nullRate: 0.1, psi: 0.4, ks: 0.2, flagged: false }]);  // prettier-ignore
    expect(reportView({ coverage: { mapped: 3, total: 4 } })?.coverage?.rate).toBe(0.75);
    expect(reportView({ feasibility: [{ target: 't', strategy: 'unit', feasible: true }] })?.feasibility.rows).toEqual([
      { target: 't', cells: { unit: 'feasible' } }]);  // prettier-ignore
  });
});

describe('onboarding pages', () => {
  it('reads the onboarding pages from the root element', () => {
    const root = document.createElement('main');
    root.dataset.page = 'onboarding_run';
    root.dataset.runId = RUN_ID;
    root.dataset.runName = 'partner customers';
    expect(pageInfo(root)).toMatchObject({ page: 'onboarding_run', runId: RUN_ID, runName: 'partner customers' });
    root.dataset.runId = 'not-a-ulid';
    expect(pageInfo(root).page).toBe('workspace');
    const list = document.createElement('main');
    list.dataset.page = 'onboarding';
    list.dataset.datasetId = '7';
    expect(pageInfo(list)).toMatchObject({ page: 'onboarding', datasetId: 7 });
  });
});

// The first tests render antd's steps, tables, selects and tabs for the first time: slow on a shared machine.
describe('onboarding components', { timeout: 60_000 }, () => {
  it('shows each stage with its state and offers Run only on the next open one', () => {
    const onStart = vi.fn();
    render(<StageStepper run={runOf()} busy={null} onStart={onStart} />);
    const steps = screen.getByRole('navigation', { name: 'Stages of the run' });
    expect([...steps.querySelectorAll('[data-stage]')].map((e) => `${e.getAttribute('data-stage')}:${e.getAttribute('data-stage-state')}`))
      .toEqual(['ingest:passed', 'domains:passed', 'mapping:held', 'analysis:pending']);
    const buttons = within(steps).getAllByRole('button');
    expect(buttons.map((b) => b.textContent)).toEqual(['Run Analysis']);
    fireEvent.click(buttons[0]!);
    expect(onStart).toHaveBeenCalledWith('analysis');
  });

  it('says which stage a stage waits for, and shows the stage error', () => {
    render(<StageStepper busy={null} onStart={() => undefined} run={runOf({ stages: {
      ingest: { state: 'failed', artifact_hash: null, task_id: 1, error: { code: 'FILE_UNREADABLE', message: 'line 7: 3 fields, the header has 4' } },
    } })} />);  // prettier-ignore
    expect(screen.getByText('line 7: 3 fields, the header has 4')).toBeTruthy();
    expect(screen.getByText('Waits for Ingest')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Run Ingest' })).toBeTruthy();
  });

  it('shows the catalog: standardized and original names, types, nulls, domain with band, PII, masked examples, hashes', () => {
    render(<CatalogView catalog={catalog} />);
    const table = screen.getByRole('table', { name: 'Columns of customers' });
    const row = table.querySelector('tr[data-column="first_name"]') as HTMLElement;
    expect(row.textContent).toContain('was “First Name”');
    expect(row.textContent).toContain('6 (5%)');
    expect(row.textContent).toContain('≈ 98');
    expect(row.textContent).toContain('person.first_name');
    expect(row.querySelector('[data-band="high"]')?.textContent).toBe('High · 93%');
    expect(row.textContent).toContain('PERSON');
    expect(row.textContent).toContain('A*** · B***');
    const plain = table.querySelector('tr[data-column="last_name"]') as HTMLElement;
    expect(plain.textContent).not.toContain('was “');
    expect(screen.getByText('customers: 120 rows')).toBeTruthy();
    expect(document.querySelector(`[data-hash="${catalog.shim_hash}"]`)?.textContent).toBe(catalog.shim_hash.slice(0, 12));
  });

  it('shows the Sample Pack grid, masked, with NULLs as NULL and how it was drawn', () => {
    render(<SampleGrid sample={sample} />);
    const grid = screen.getByRole('table', { name: 'Sample Pack (masked)' });
    expect(within(grid).getByText('S****')).toBeTruthy();
    expect(within(grid).getAllByText('NULL')).toHaveLength(1);
    expect(screen.getByText(/100 rows drawn with seed 42 \(at most 1000\)\. Stratified by signup_date\./)).toBeTruthy();
  });

  it('edits the pipeline with the chips: select, parameter form, reorder, remove, add, all reachable by buttons', () => {
    const onChange = vi.fn();
    const onSelect = vi.fn();
    const pipeline = mappingsOf()[0]!.dsl;
    const { rerender } = render(<DslChips pipeline={pipeline} onChange={onChange} selected={null} onSelect={onSelect} errorIndex={1} />);
    const chips = screen.getByRole('list', { name: 'Operations of full_name, in order' });
    expect(chips.querySelector('[data-index="1"]')?.getAttribute('data-error')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Operation 1 of 2: trim both' }));
    expect(onSelect).toHaveBeenCalledWith(0);
    expect((screen.getByRole('button', { name: 'Move operation 1 (trim) earlier' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Move operation 1 (trim) later' }));
    expect(onChange.mock.lastCall?.[0].ops.map((o: { op: string }) => o.op)).toEqual(['concat', 'trim']);
    fireEvent.click(screen.getByRole('button', { name: 'Remove operation 2 (concat)' }));
    expect(onChange.mock.lastCall?.[0].ops.map((o: { op: string }) => o.op)).toEqual(['trim']);
    rerender(<DslChips pipeline={pipeline} onChange={onChange} selected={1} onSelect={onSelect} />);
    const form = screen.getByTestId('op-form');
    expect(form.textContent).toContain('Operation 2: concat');
    fireEvent.change(within(form).getByLabelText('separator of operation 2 (concat)'), { target: { value: '-' } });
    expect(onChange.mock.lastCall?.[0].ops[1]).toEqual({ op: 'concat', parts: [{ column: 'last_name' }], separator: '-' });
    fireEvent.change(within(form).getByLabelText('parts of operation 2 (concat)'), { target: { value: '[{"literal": "!"}]' } });
    expect(onChange.mock.lastCall?.[0].ops[1].parts).toEqual([{ literal: '!' }]);
  });

  it('draws null rate, PSI and KS per column as bars, the numbers written beside them', () => {
    render(<QualityChart columns={reportView(dataReport)!.columns} />);
    const chart = screen.getByRole('img', { name: /Null rate, PSI and KS per column/ });
    const bars = [...chart.querySelectorAll('rect[data-measure]')].map((r) => `${r.closest('[data-column]')?.getAttribute('data-column')}:${r.getAttribute('data-measure')}=${r.getAttribute('data-value')}`);
    expect(bars).toEqual(['full_name:nullRate=0.06', 'full_name:psi=0.05', 'full_name:ks=', 'weight_kg:nullRate=0', 'weight_kg:psi=0.31', 'weight_kg:ks=0.42']);
    const widths = [...chart.querySelectorAll('rect')].map((r) => Number(r.getAttribute('width')));
    expect(widths[5]! > widths[4]!).toBe(true); // KS 0.42 is longer than PSI 0.31
    expect(chart.textContent).toContain('PSI 0.310');
  });

  it('shows the cost estimate and the policy check, and a blocked policy in words', () => {
    const { rerender } = render(<BeforeSending estimate={{ stages: { mapping: { tokens: 1200, usd: 0.0024 }, domains: { tokens: 300, usd: null } }, total_tokens: 1500, total_usd: 0.0024 }}
      policy={{ allowed: true, reasons: ['mode metadata_only: no row is sent'], policy_hash: 'pol'.padEnd(64, '0') }} />);  // prettier-ignore
    const cost = screen.getByRole('table', { name: 'Cost estimate (nothing has been sent)' });
    expect(cost.textContent).toContain('Mapping');
    expect(cost.textContent).toContain('1,200');
    expect(cost.textContent).toContain('$0.0024');
    expect(screen.getByTestId('cost-total').textContent).toBe('Total: 1,500 tokens, $0.0024');
    expect(screen.getByTestId('policy-check').getAttribute('data-allowed')).toBe('true');
    rerender(<BeforeSending estimate={{ stages: {}, total_tokens: 0, total_usd: null, llm_configured: false }}
      policy={{ allowed: false, reasons: [{ code: 'PROVIDER_DENIED', message: 'openai is denied' }] }} />);  // prettier-ignore
    expect(screen.getByText('No stage calls a model.')).toBeTruthy();
    expect(screen.getByText(/No LLM is configured/)).toBeTruthy();
    expect(screen.getByTestId('policy-check').textContent).toContain('openai is denied');
    expect(screen.getByTestId('policy-check').textContent).toContain('The policy blocks this run');
  });

  it('lists the runs with their status, stage and mode, each linking to its page', () => {
    render(<RunsTable runs={[runOf(), runOf({ run_id: '01JF8ZQ2X3VYH5K6M7N8P9R0SV', name: 'stopped one', status: 'stopped', mode: 'metadata_only' })]} />);
    const table = screen.getByRole('table', { name: 'Runs' });
    expect(within(table).getByRole('link', { name: 'partner customers' }).getAttribute('href')).toBe(`/dataset_review/onboarding/runs/${RUN_ID}`);
    expect(table.textContent).toContain('stopped');
    expect(table.textContent).toContain('Metadata only');
    expect(table.textContent).toContain('Mapping');
  });

  it('speaks Russian when the page is in Russian', () => {
    setLanguage('ru');
    render(<StageStepper run={runOf()} busy={null} onStart={() => undefined} />);
    expect(screen.getByRole('navigation', { name: 'Этапы загрузки' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Запустить: Анализ' })).toBeTruthy();
    expect(screen.getAllByText('пройден')).toHaveLength(2);
  });
});

describe('Mapping Studio', { timeout: 60_000 }, () => {
  const studio = (mode = 'data_mode') => withApp(<MappingStudio runId={RUN_ID} mode={mode} catalog={catalog} target={target} sampleRows={100} />);

  it('shows sources left, targets right, the selected pipeline, its compiled SQL and Polars, counters and examples', async () => {
    server();
    studio();
    await screen.findByTestId('mapping-studio');
    const sources = screen.getByTestId('source-columns');
    expect([...sources.querySelectorAll('[data-used="true"]')].map((e) => e.getAttribute('data-column'))).toEqual(['first_name', 'last_name']);
    const targets = screen.getByTestId('target-columns');
    expect(within(targets).getByRole('button', { name: /full_name/ }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('compiled').textContent).toContain('CONCAT_WS');
    const counters = screen.getByTestId('counters');
    expect(counters.querySelector('[data-outcome="success"]')?.textContent).toBe('Success: 90 (90%)');
    expect(counters.querySelector('[data-outcome="near"]')?.getAttribute('data-count')).toBe('6');
    expect(counters.querySelector('[data-outcome="fail"]')?.getAttribute('data-count')).toBe('4');
    const examples = screen.getByRole('table', { name: 'Examples of full_name' });
    expect(examples.textContent).toContain('A*** S****');
    expect(screen.getByText(/first \+ last → full name/)).toBeTruthy();
    expect(screen.getByTestId('confidence').textContent).toBe('confidence 82%');
  });

  it('compiles an edited pipeline on the server and accepts it with the mapping version as If-Match', async () => {
    const { requests } = server({
      [`PUT /runs/${RUN_ID}/mappings/full_name`]: (body) => answer({ result: { ...mappingsOf()[0], ...(body as object), decision: 'accept', origin: 'user', version: 4 } }),
    });
    studio();
    await screen.findByTestId('mapping-studio');
    fireEvent.mouseDown(screen.getByRole('combobox', { name: 'Add an operation' }));
    fireEvent.click(await screen.findByTitle('case'));
    await waitFor(() => expect(screen.getByTestId('compiled').textContent).toContain('upper("first_name")'), { timeout: 5000 });
    const compile = requests.find((r) => r.method === 'POST' && r.url.endsWith('/compile'))!;
    expect(compile.body).toEqual({
      plan: { dsl_version: '1.0.0', pipelines: [{ ...mappingsOf()[0]!.dsl, ops: [...mappingsOf()[0]!.dsl.ops, { op: 'case', to: 'lower' }] }] },
      schema: { first_name: 'string', last_name: 'string', weight_lb: 'float' },
    });  // prettier-ignore
    fireEvent.click(screen.getByRole('button', { name: 'Accept' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PUT')).toBe(true));
    const put = requests.find((r) => r.method === 'PUT')!;
    expect(put.headers['If-Match']).toBe('"3"');
    expect((put.body as { decision: string; dsl: { ops: unknown[] } }).decision).toBe('accept');
    expect((put.body as { dsl: { ops: unknown[] } }).dsl.ops).toHaveLength(3);
    await waitFor(() => expect(within(screen.getByTestId('target-columns')).getByRole('button', { name: /full_name/ }).textContent).toContain('accepted'));
  });

  it('marks the chip a DSL_REJECT names and shows its message; Accept waits until it compiles', async () => {
    server({
      'POST /compile': () => answer({ message: 'ops[2].pattern: a lookahead is not allowed (at 3)', error_code: 'DSL_REJECT', path: 'pipelines[0].ops[2].pattern' }, 422),
    });
    studio();
    await screen.findByTestId('mapping-studio');
    fireEvent.mouseDown(screen.getByRole('combobox', { name: 'Add an operation' }));
    fireEvent.click(await screen.findByTitle('regex_extract'));
    const error = await screen.findByTestId('compile-error', {}, { timeout: 5000 });
    expect(error.textContent).toContain('a lookahead is not allowed (at 3) (DSL_REJECT)');
    expect(screen.getByTestId('dsl-chips').querySelector('[data-index="2"]')?.getAttribute('data-error')).toBe('true');
    expect((screen.getByRole('button', { name: 'Accept' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('on a 412 says someone changed the mapping and reloads it', async () => {
    let reads = 0;
    const { requests } = server({
      [`GET /runs/${RUN_ID}/mappings/`]: () => {
        reads += 1;
        const rows = mappingsOf();
        if (reads > 1) rows[0] = { ...rows[0]!, decision: 'fix', version: 9 } as Mapping;
        return answer({ result: rows });
      },
      [`PUT /runs/${RUN_ID}/mappings/full_name`]: () => answer({ message: 'the mapping changed', error_code: 'RUN_CHANGED' }, 412),
    });
    studio();
    await screen.findByTestId('mapping-studio');
    fireEvent.click(screen.getByRole('button', { name: 'Hold' }));
    expect((await screen.findByTestId('decision-error')).textContent).toContain('Someone changed this mapping meanwhile');
    await waitFor(() => expect(reads).toBe(2));
    expect(requests.find((r) => r.method === 'PUT')?.body).toEqual({ decision: 'hold' });
    await waitFor(() => expect(within(screen.getByTestId('target-columns')).getByRole('button', { name: /full_name/ }).textContent).toContain('to fix'));
  });

  it('in metadata_only says why there are no rates', async () => {
    server({
      [`GET /runs/${RUN_ID}/mappings/`]: () => answer({ result: mappingsOf().map((m) => ({ ...m, success_rate: null, near_rate: null, fail_rate: null, examples: null })) }),
    });
    withApp(<MappingStudio runId={RUN_ID} mode="metadata_only" catalog={catalog} target={target} sampleRows={null} />);
    expect((await screen.findByTestId('no-rates')).textContent).toContain('No rates in metadata only');
    expect(screen.queryByTestId('counters')).toBeNull();
  });
});

describe('Quality report', { timeout: 60_000 }, () => {
  it('shows coverage, the chart, the matrix and the anomalies; stages a recommended fix in one click', async () => {
    const { requests } = server({
      [`POST /runs/${RUN_ID}/analysis/fixes/fx_trim_full_name`]: () => answer({ result: { ...mappingsOf()[0], version: 4 } }),
    });
    withApp(<QualityReport runId={RUN_ID} mode="data_mode" />);
    await screen.findByTestId('quality-report');
    expect(screen.getByTestId('coverage').textContent).toBe('100% (2 / 2)');
    expect(screen.getByRole('img', { name: /Null rate, PSI and KS/ })).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Transform feasibility' }).textContent).toContain('needs a fix');
    const anomalies = screen.getByRole('list', { name: 'Anomalies' });
    expect(anomalies.textContent).toContain('full_name is NULL in 6.0% of the sample');
    expect(anomalies.textContent).toContain('Recommended: add trim before type_cast');
    expect(screen.getByRole('table', { name: /^Types/ }).textContent).toContain('mismatch');
    fireEvent.click(within(anomalies).getByRole('button', { name: 'Stage this fix: add trim before type_cast' }));
    await waitFor(() => expect(within(anomalies).getByText('staged')).toBeTruthy());
    expect(requests.some((r) => r.method === 'POST' && r.url.endsWith('/analysis/fixes/fx_trim_full_name'))).toBe(true);
    expect(within(anomalies).getAllByRole('button', { name: /^Stage this fix/ })).toHaveLength(1); // the other one
  });

  it('in metadata_only says why there are no measures, and shows the feasibility matrix', async () => {
    server({ [`GET /runs/${RUN_ID}/analysis`]: () => answer({ result: metadataReport }) });
    withApp(<QualityReport runId={RUN_ID} mode="metadata_only" />);
    expect((await screen.findByTestId('metadata-only-report')).textContent).toContain('no rows were read');
    expect(screen.queryByRole('img', { name: /Null rate/ })).toBeNull();
    expect(screen.getByRole('table', { name: 'Transform feasibility' }).textContent).toContain('chosen');
    expect(screen.getByText(/nulls, duplicates, distributions and cross-field rules need data_mode/)).toBeTruthy();
    expect(screen.getByText('No anomalies.')).toBeTruthy();
  });

  it('shows the API error with a retry', async () => {
    server({ [`GET /runs/${RUN_ID}/analysis`]: () => answer({ message: 'the analysis has not run', error_code: 'STAGE_GATED' }, 409) });
    withApp(<QualityReport runId={RUN_ID} mode="data_mode" />);
    expect((await screen.findByRole('alert')).textContent).toContain('the analysis has not run (STAGE_GATED)');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});

describe('Start a run', { timeout: 60_000 }, () => {
  function superset(overrides: Record<string, Handler> = {}) {
    return server({
      'GET /api/v1/dataset/': () => answer({ result: [{ id: 7, table_name: 'crm_customers', schema: 'public' }] }),
      ...overrides,
    });
  }

  it('with the target filled in, shows what each mode means and waits for a source', async () => {
    superset();
    withApp(<StartRun targetDatasetId={7} targetName="crm_customers" />);
    expect(screen.getByText(/no row leaves the source/)).toBeTruthy();
    expect(screen.getByText(/seeded, masked Sample Pack/)).toBeTruthy();
    expect(screen.getByText('crm_customers')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Create the run' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('Choose a source, a target dataset and a name first.')).toBeTruthy();
  });

  it('creates a run from a table source, then shows the cost estimate and policy check before starting ingest', async () => {
    const { requests } = superset({
      'GET /api/v1/database/': () => answer({ result: [{ id: 2, database_name: 'partners' }] }),
      'GET /api/v1/database/2/schemas/': () => answer({ result: ['public'] }),
      'GET /api/v1/database/2/tables/': () => answer({ result: [{ value: 'people', type: 'table' }] }),
      'POST /runs/': (body) => answer({ result: runOf({ status: 'created', stages: {}, mode: (body as { contract: { mode: 'data_mode' } }).contract.mode }) }, 201, '"run-1"'),
      [`GET /runs/${RUN_ID}/cost_estimate`]: () => answer({ result: { stages: { mapping: { tokens: 900, usd: null } }, total_tokens: 900, total_usd: null } }),
      [`GET /runs/${RUN_ID}/policy_check`]: () => answer({ result: { allowed: true, reasons: ['masked by domain'], policy_hash: 'ph' } }),
      [`POST /runs/${RUN_ID}/stages/ingest`]: () => answer({ result: { task: { task_id: 't1', kind: 'onboarding_ingest', state: 'queued' } } }, 202),
    });  // prettier-ignore
    const started = vi.fn();
    const created = vi.fn();
    withApp(<StartRun targetDatasetId={7} targetName="crm_customers" onStarted={started} onCreated={created} />);
    fireEvent.click(screen.getByRole('radio', { name: 'A database table' }));
    const pick = async (label: string, option: string) => {
      fireEvent.mouseDown(screen.getByRole('combobox', { name: label }));
      fireEvent.click(await screen.findByTitle(option));
    };
    await waitFor(() => expect(requests.some((r) => r.url.startsWith('/api/v1/database/?'))).toBe(true));
    await pick('Database', 'partners');
    await waitFor(() => expect(requests.some((r) => r.url === '/api/v1/database/2/schemas/')).toBe(true));
    await pick('Schema', 'public');
    await waitFor(() => expect(requests.some((r) => r.url.startsWith('/api/v1/database/2/tables/'))).toBe(true));
    await pick('Table', 'people');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'people into crm' } });
    fireEvent.click(screen.getByRole('radio', { name: /Data mode/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Create the run' }));
    await screen.findByTestId('before-sending');
    expect(created).toHaveBeenCalledTimes(1); // told at once (a list of runs shows it), before anything runs
    expect(started).not.toHaveBeenCalled();
    const create = requests.find((r) => r.method === 'POST' && r.url === `${BASE}/runs/`)!;
    expect(create.body).toEqual({ name: 'people into crm', contract: {
      mode: 'data_mode', pii_policy: 'mask', human_confirm_required: true,
      lhs: { source: { type: 'sql' }, location: '2:public.people' }, rhs: { source: { type: 'sql' }, location: 'dataset:7' } } });  // prettier-ignore
    expect(requests.find((r) => r.url.includes('/tables/'))?.url).toContain(encodeURIComponent("(schema_name:'public')"));
    await waitFor(() => expect(screen.getByTestId('cost-total').textContent).toBe('Total: 900 tokens, -'));
    await waitFor(() => expect(screen.getByTestId('policy-check').textContent).toContain('masked by domain'));
    expect(requests.some((r) => r.url.includes('/stages/'))).toBe(false); // nothing ran before the user says so
    fireEvent.click(screen.getByRole('button', { name: 'Start ingest' }));
    await waitFor(() => expect(started).toHaveBeenCalled());
    expect(requests.find((r) => r.url.endsWith('/stages/ingest'))?.body).toEqual({ confirm: true });
  });

  it('shows the API refusal of a run (TARGET_FORBIDDEN) and keeps the form', async () => {
    superset({ 'POST /runs/': () => answer({ message: 'you may not change dataset 7', error_code: 'TARGET_FORBIDDEN' }, 403) });
    vi.stubGlobal('XMLHttpRequest', class {
      upload = { onprogress: null as ((e: ProgressEvent) => void) | null };
      onload: (() => void) | null = null;
      onerror: (() => void) | null = null;
      status = 201;
      responseText = JSON.stringify({ result: { upload_id: 'u-9', filename: 'p.csv', bytes: 2048, sha256: 'abcdef0123456789' } });
      withCredentials = false;
      open() { /* recorded by the server fake for fetch only */ }
      setRequestHeader() { /* no headers to check here */ }
      send() { this.upload.onprogress?.({ loaded: 2048, total: 2048, lengthComputable: true } as ProgressEvent); this.onload?.(); }
    });  // prettier-ignore
    withApp(<StartRun targetDatasetId={7} targetName="crm_customers" />);
    const input = document.querySelector('input[type="file"]') as HTMLInputElement;
    await act(async () => {
      fireEvent.change(input, { target: { files: [new File(['a,b\n'], 'p.csv', { type: 'text/csv' })] } });
    });
    expect((await screen.findByTestId('upload-done')).textContent).toContain('p.csv uploaded (2.0 KB)');
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('p');
    fireEvent.click(screen.getByRole('button', { name: 'Create the run' }));
    expect((await screen.findByTestId('start-error')).textContent).toContain('you may not change dataset 7 (TARGET_FORBIDDEN)');
    expect((screen.getByRole('button', { name: 'Create the run' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('names the line a FILE_UNREADABLE upload points at', async () => {
    superset();
    vi.stubGlobal('XMLHttpRequest', class {
      upload = { onprogress: null };
      onload: (() => void) | null = null;
      onerror: (() => void) | null = null;
      status = 422;
      responseText = JSON.stringify({ message: 'line 4: 5 fields where the header has 3', error_code: 'FILE_UNREADABLE' });
      withCredentials = false;
      open() { /* not needed */ }
      setRequestHeader() { /* not needed */ }
      send() { this.onload?.(); }
    });  // prettier-ignore
    withApp(<StartRun />);
    const input = document.querySelector('input[type="file"]') as HTMLInputElement;
    await act(async () => {
      fireEvent.change(input, { target: { files: [new File(['x'], 'ragged.csv', { type: 'text/csv' })] } });
    });
    const error = await screen.findByTestId('upload-error');
    expect(error.textContent).toContain('ragged.csv was not accepted');
    expect(error.textContent).toContain('line 4: 5 fields where the header has 3 (FILE_UNREADABLE)');
  });
});

describe('the run page', { timeout: 60_000 }, () => {
  it('shows the run, the stepper, the catalog tab with the Sample Pack; confirms a stage before running it', async () => {
    const { requests } = server();
    withApp(<RunView runId={RUN_ID} />);
    await screen.findByRole('navigation', { name: 'Stages of the run' });
    expect(await screen.findByTestId('catalog')).toBeTruthy();
    expect(await screen.findByTestId('sample-pack')).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Mapping Studio' }).getAttribute('aria-disabled')).not.toBe('true');
    expect(screen.getByRole('tab', { name: 'Quality report' }).getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Run Analysis' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Run Analysis?');
    expect(dialog.textContent).toContain(CONTRACT_HASH.slice(0, 12));
    expect(requests.some((r) => r.url.endsWith('/stages/analysis'))).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Confirm and run' }));
    await waitFor(() => expect(requests.find((r) => r.url.endsWith('/stages/analysis'))?.body).toEqual({ confirm: true }));
  });

  it('starts a stage without a dialog when the contract asks no confirmation', async () => {
    const { requests } = server({ [`GET /runs/${RUN_ID}`]: () => answer({ result: runOf({ contract: { ...runOf().contract, human_confirm_required: false } }) }) });
    withApp(<RunView runId={RUN_ID} />);
    const dialogs = () => document.querySelectorAll('[role="dialog"]').length; // antd keeps closed modals in the body
    const before = dialogs();
    fireEvent.click(await screen.findByRole('button', { name: 'Run Analysis' }));
    await waitFor(() => expect(requests.find((r) => r.url.endsWith('/stages/analysis'))?.body).toEqual({ confirm: false }));
    expect(dialogs()).toBe(before);
  });

  it('shows a stopped run and a failed one with the error, without stage buttons', async () => {
    server({ [`GET /runs/${RUN_ID}`]: () => answer({ result: runOf({ status: 'stopped' }) }) });
    const { unmount } = withApp(<RunView runId={RUN_ID} />);
    expect((await screen.findByTestId('run-stopped')).textContent).toContain('takes no more stages');
    expect(screen.queryByRole('button', { name: /^Run / })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Stop the run' })).toBeNull();
    unmount();
    server({ [`GET /runs/${RUN_ID}`]: () => answer({ result: runOf({ status: 'failed', error: { code: 'FILE_UNREADABLE', message: 'line 9 repeats the header', stage: 'ingest' } }) }) });
    withApp(<RunView runId={RUN_ID} />);
    const failed = await screen.findByTestId('run-failed');
    expect(failed.textContent).toContain('Ingest failed');
    expect(failed.textContent).toContain('line 9 repeats the header (FILE_UNREADABLE)');
  });

  it('changes the mode of a run not yet started with the run ETag as If-Match, and says so on a 412', async () => {
    let calls = 0;
    const { requests } = server({
      [`GET /runs/${RUN_ID}`]: () => answer({ result: runOf({ status: 'created', mode: 'metadata_only', stages: {}, artifacts: [] }) }, 200, '"run-1"'),
      [`PUT /runs/${RUN_ID}/contract`]: () => {
        calls += 1;
        return calls === 1 ? answer({ result: runOf({ status: 'created', mode: 'data_mode', contract_version: 2, stages: {}, artifacts: [] }) }, 200, '"run-2"')
          : answer({ message: 'stale', error_code: 'RUN_CHANGED' }, 412);
      },
    });  // prettier-ignore
    withApp(<RunView runId={RUN_ID} />);
    const toggle = await screen.findByRole('switch', { name: 'Data mode' });
    expect(screen.getByText(/Metadata only: no row is read/)).toBeTruthy();
    fireEvent.click(toggle);
    await waitFor(() => expect(screen.getByTestId('run-mode').textContent).toBe('Data mode'));
    expect(requests.find((r) => r.method === 'PUT')?.headers['If-Match']).toBe('"run-1"');
    expect(requests.find((r) => r.method === 'PUT')?.body).toEqual({ mode: 'data_mode' });
    fireEvent.click(screen.getByRole('switch', { name: 'Data mode' }));
    expect((await screen.findByTestId('run-error')).textContent).toContain('This run changed meanwhile');
    expect(requests.filter((r) => r.method === 'PUT')[1]?.headers['If-Match']).toBe('"run-2"');
  });

  it('opens the ledger: each event with its stage, action and hashes', async () => {
    const { requests } = server();
    withApp(<RunView runId={RUN_ID} />);
    await screen.findByRole('navigation', { name: 'Stages of the run' });
    expect(requests.some((r) => r.url.endsWith('/events/'))).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: /Ledger/ }));
    const ledger = await screen.findByRole('table', { name: 'Ledger' });
    await waitFor(() => expect(ledger.textContent).toContain('passed'));
    expect(ledger.textContent).toContain('catalog');
    expect(ledger.querySelector(`[data-hash="${'out'.padEnd(64, '2')}"]`)).toBeTruthy();
    expect(ledger.textContent).toContain('#1');
  });

  it('says when the run does not exist or is not the user’s', async () => {
    server({ [`GET /runs/${RUN_ID}`]: () => answer({ message: 'Not found' }, 404) });
    withApp(<RunView runId={RUN_ID} />);
    expect((await screen.findByRole('alert')).textContent).toContain('This run does not exist, or it is not yours.');
  });

  it('shows the running stage task with its progress and polls until it ends', async () => {
    let reads = 0;
    const task = { task_id: 't3', kind: 'onboarding_mapping', state: 'running', done: 2, total: 4, eta_seconds: 12, message: null, error_code: null, created_on: '' };
    server({ [`GET /runs/${RUN_ID}`]: () => {
      reads += 1;
      return answer({ result: reads < 2 ? runOf({ task, stages: { ...runOf().stages, mapping: { state: 'running', artifact_hash: null, task_id: 't3', error: null } } }) : runOf() });
    } });  // prettier-ignore
    withApp(<RunView runId={RUN_ID} />);
    expect((await screen.findByText('2 of 4 steps'))).toBeTruthy();
    expect(screen.getByText('about 12 s left')).toBeTruthy();
    await waitFor(() => expect(reads).toBeGreaterThanOrEqual(2), { timeout: 5000 });
    await waitFor(() => expect(screen.queryByText('2 of 4 steps')).toBeNull());
  });
});
