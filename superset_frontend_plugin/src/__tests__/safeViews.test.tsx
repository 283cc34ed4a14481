import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from 'antd';
import { describe, expect, it, vi } from 'vitest';
import { AuditTable, CallsChart, Journal, ToolAudit } from '../admin/AdminPages';
import { callsPerTool, type JournalEntry, type ToolCall } from '../admin/client';
import { setLanguage } from '../i18n';
import { pageInfo } from '../main';
import { SafeViewBuilder, columnOfField } from '../safe_views/Builder';
import { choicesFrom, columnCounts, definitionOf, errorRange, type Proposal } from '../safe_views/client';
import { MarkedFilter, SamplePanel } from '../safe_views/parts';
import { SafeViewPage, staleText } from '../safe_views/SafeViewPages';
import { jsonResponse } from './fixtures';

const proposal: Proposal = {
  name: 'review_customers (AI-safe)',
  domained: true,
  columns: [
    { name: 'customer_id', type: 'BIGINT', domain: 'id.key', pii: null, band: 'high', included: true, redaction: null, reason: 'a key: kept' },
    { name: 'email', type: 'TEXT', domain: 'contact.email', pii: 'EMAIL', band: 'high', included: true,
      redaction: { operator: 'mask', keep_prefix: 1, keep_suffix: 4 }, reason: 'contact.email is personal: masked' },
    { name: 'ssn', type: 'TEXT', domain: 'id.national', pii: 'NATIONAL_ID', band: 'high', included: false, redaction: null,
      reason: 'id.national is high-risk: left out' },
    { name: 'signup', type: 'DATE', domain: 'time.date', pii: null, band: 'borderline', included: true,
      redaction: { operator: 'generalize', grain: 'month' }, reason: null },
  ],
};  // prettier-ignore

const sample = {
  columns: ['customer_id', 'email', 'signup'],
  masked: [[1, 'a****.com', '2024-01-01'], [2, 'b****.org', null]],
  original: [[1, 'ann@x.com', '2024-01-17'], [2, 'bob@y.org', null]],
  row_limit: 20,
};

const calls: ToolCall[] = [
  { id: 3, uuid: 'u3', tool: 'sample_view', user_id: 1, username: 'review_admin', channel: 'mcp', params_hash: 'abcdef0123456789',
    params_bytes: 40, rows: 5, bytes: 310, masking: { email: 'mask' }, outcome: 'ok', error_code: null, message: null,
    duration_ms: 12.34, created_on: '2026-12-02T03:00:00' },
  { id: 2, uuid: 'u2', tool: 'sample_view', user_id: 2, username: 'review_manager', channel: 'rest', params_hash: 'ff00',
    params_bytes: 40, rows: 0, bytes: 0, masking: null, outcome: 'refused', error_code: 'POLICY_BLOCK',
    message: 'dataset 3 is not an AI-safe view', duration_ms: 1.5, created_on: '2026-12-02T02:59:00' },
  { id: 1, uuid: 'u1', tool: 'list_datasets', user_id: 1, username: 'review_admin', channel: 'internal', params_hash: 'ee11',
    params_bytes: 2, rows: 3, bytes: 90, masking: null, outcome: 'ok', error_code: null, message: null, duration_ms: 3,
    created_on: '2026-12-02T02:58:00' },
];  // prettier-ignore

const journal: JournalEntry[] = [
  { id: 9, entity_type: 'safe_view', entity_id: '4', field: 'state', old_value: 'fresh', new_value: 'stale', actor_id: 1,
    source: 'drift', created_on: '2026-12-02T03:01:00' },
  { id: 8, entity_type: 'dataset_column', entity_id: '3:email', field: 'domain', old_value: null, new_value: 'contact.email',
    actor_id: 1, source: 'domain_decision', created_on: '2026-12-02T03:00:00' },
];  // prettier-ignore

type Handler = (body: unknown, url: string) => Response;

/** A fetch answering the extension's APIs from fixtures; every request is recorded. */
function server(overrides: Record<string, Handler> = {}) {
  const requests: Array<{ method: string; url: string; body: unknown }> = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    if (url.includes('csrf_token')) return jsonResponse({ result: 'tok' });
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    requests.push({ method, url, body });
    const path = url.replace('/api/v1/dataset_review', '').split('?')[0];
    const key = `${method} ${path}`;
    const override = overrides[key];
    if (override) return override(body, url);
    if (key === 'GET /safe_views/propose/3') return jsonResponse({ result: proposal });
    if (key === 'POST /safe_views/validate_filter') {
      const filter = (body as { row_filter: string }).row_filter;
      if (filter.includes('SELECT')) {
        const position = filter.indexOf('(SELECT');
        return jsonResponse({ message: 'row_filter: a subquery is not allowed (at 15)', error_code: 'BAD_ROW_FILTER',
          position, fragment: '(SELECT', field: 'row_filter' }, 422);  // prettier-ignore
      }
      return jsonResponse({ valid: true, sql: `"country" = 'FR'` });
    }
    if (key === 'POST /safe_views/preview') return jsonResponse(sample);
    if (key === 'POST /safe_views/') return jsonResponse({ id: 4, dataset_id: 41, sql: 'SELECT ...', version: 1 }, 201);
    if (key === 'GET /safe_views/4') {
      return jsonResponse({ result: { id: 4, name: 'customers safe', base_dataset_id: 3, dataset_id: 41, version: 1, state: 'fresh',
        stale_reason: null, changed_on: '2026-12-02T03:00:00', explore_url: '/explore/?datasource_type=table&datasource_id=41',
        definition: definitionOf(3, 'customers safe', choicesFrom(proposal), ''), sql: 'SELECT ...' } });  // prettier-ignore
    }
    if (key === 'GET /safe_views/4/versions') return jsonResponse({ result: [{ version: 1, content_hash: 'c0ffee1234567890', author_id: 1, created_on: '2026-12-02T03:00:00' }] });
    if (key === 'GET /safe_views/') return jsonResponse({ result: [], count: 0 });
    if (key === 'GET /tools/') return jsonResponse({ result: [{ name: 'describe_dataset', description: '', permission: 'read', parameters: {}, max_rows: null, max_bytes: null }] });
    if (key === 'GET /tools/audit') return jsonResponse({ result: calls, count: calls.length });
    if (key === 'GET /journal/') return jsonResponse({ result: journal, count: journal.length });
    if (key === 'GET /journal/safe_view/4') return jsonResponse({ result: [journal[0], { ...journal[0], id: 5, field: 'version', old_value: null, new_value: 1 }], count: 2 });
    return jsonResponse({ message: `unexpected ${key}` }, 404);
  });
  vi.stubGlobal('fetch', fetchImpl);
  return { requests };
}

function builder() {
  return render(<App><SafeViewBuilder baseDatasetId={3} /></App>);
}

const rowOf = (column: string) => screen.getByRole('table', { name: 'Columns of the view' }).querySelector(`tr[data-column="${column}"]`) as HTMLElement;

describe('safe view definitions', () => {
  it('makes the definition from the choices: only included columns, only their redaction’s own fields', () => {
    const choices = choicesFrom(proposal);
    expect(definitionOf(3, ' v ', choices, '  ')).toEqual({
      base_dataset_id: 3, name: 'v', columns: ['customer_id', 'email', 'signup'], row_filter: null,
      redactions: { email: { operator: 'mask', keep_prefix: 1, keep_suffix: 4 }, signup: { operator: 'generalize', grain: 'month' } },
    });  // prettier-ignore
    expect(columnCounts(choices)).toEqual({ kept: 1, redacted: 2, removed: 1 });
    // An existing view's definition decides what is ticked, whatever the proposal says now.
    const again = choicesFrom(proposal, { base_dataset_id: 3, name: 'v', columns: ['ssn'], row_filter: null, redactions: { ssn: { operator: 'hash' } } });
    expect(again.filter((c) => c.included).map((c) => c.name)).toEqual(['ssn']);
    expect(again.find((c) => c.name === 'ssn')?.redaction).toEqual({ operator: 'hash' });
  });

  it('finds the part of the filter an error points at, and the column a refusal names', () => {
    expect(errorRange("a = 1 AND (SELECT 1)", 10, '(SELECT')).toEqual([10, 17]);
    expect(errorRange('x = 1 -- hi', 6, null)).toEqual([6, 7]);
    expect(errorRange('x', 99, null)).toEqual([0, 1]);
    expect(errorRange('x', null, null)).toBeNull();
    expect(columnOfField('redactions.email', ['email'])).toBe('email');
    expect(columnOfField('redactions.email.keep_prefix', ['email'])).toBe('email');
    expect(columnOfField('columns[1]', ['a', 'b'])).toBe('b');
    expect(columnOfField('row_filter', ['a'])).toBeNull();
  });

  it('marks the refused part of the filter, as text', () => {
    render(<MarkedFilter text="country = 'FR' OR (SELECT 1) = 1" position={18} fragment="(SELECT" />);
    const mark = screen.getByTestId('filter-mark').querySelector('mark')!;
    expect(mark.textContent).toBe('(SELECT');
    expect(screen.getByTestId('filter-mark').textContent).toBe("country = 'FR' OR (SELECT 1) = 1");
  });

  it('says what drifted', () => {
    expect(staleText({ added: ['phone'], removed: [], retyped: [{ name: 'amount', old: 'INT', new: 'TEXT' }] })).toEqual([
      'Added to the base dataset: phone (not in the view until you add them)', 'Type changed: amount',
    ]);  // prettier-ignore
  });
});

// The first test renders antd's table, selects and inputs for the first time: slow on a shared machine, not stuck.
describe('safe view builder', { timeout: 60_000 }, () => {
  it('loads the proposal: proposed columns pre-ticked, the domain and PII, the reason, the redaction, the chart', async () => {
    server();
    builder();
    await screen.findByRole('table', { name: 'Columns of the view' });
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('review_customers (AI-safe)');
    const checked = (column: string) => (within(rowOf(column)).getByRole('checkbox', { name: `Include ${column} in the view` }) as HTMLInputElement).checked;
    expect([checked('customer_id'), checked('email'), checked('ssn'), checked('signup')]).toEqual([true, true, false, true]);
    expect(within(rowOf('email')).getByText('contact.email')).toBeTruthy();
    expect(within(rowOf('email')).getByText('EMAIL')).toBeTruthy();
    expect(within(rowOf('ssn')).getByText('id.national is high-risk: left out')).toBeTruthy();
    expect((within(rowOf('email')).getByLabelText('Characters kept at the end of email') as HTMLInputElement).value).toBe('4');
    expect(within(rowOf('signup')).getByText('month')).toBeTruthy();
    const chart = screen.getByRole('img', { name: /Columns of the view: 1 kept as they are, 2 redacted, 1 left out/ });
    expect(chart.querySelector('[data-testid="bar-removed"]')?.getAttribute('data-count')).toBe('1');
    // Ticking ssn moves it from left out to kept.
    fireEvent.click(within(rowOf('ssn')).getByRole('checkbox'));
    expect(screen.getByTestId('count-kept').textContent).toBe('2 kept');
    expect(screen.getByTestId('count-removed').textContent).toBe('0 left out');
  });

  it('checks the row filter as it is typed and marks the refused part, then accepts the fixed filter', async () => {
    const { requests } = server();
    builder();
    const box = await screen.findByLabelText('Row filter (optional)');
    fireEvent.change(box, { target: { value: "country = 'FR' OR (SELECT 1) = 1" } });
    fireEvent.change(box, { target: { value: "country = 'FR' OR (SELECT 1) = 1 " } });
    expect(await screen.findByTestId('filter-error', {}, { timeout: 3000 })).toBeTruthy();
    expect(screen.getByTestId('filter-error').textContent).toContain('a subquery is not allowed');
    expect(screen.getByTestId('filter-mark').querySelector('mark')?.textContent).toBe('(SELECT');
    // Debounced: one check for the two quick edits.
    expect(requests.filter((r) => r.url.endsWith('/validate_filter'))).toHaveLength(1);
    expect((screen.getByText('Create the view').closest('button') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(box, { target: { value: "country = 'FR'" } });
    expect(await screen.findByTestId('filter-valid', {}, { timeout: 3000 })).toBeTruthy();
    expect(screen.queryByTestId('filter-mark')).toBeNull();
    expect(screen.getByTestId('filter-sql').textContent).toBe(`"country" = 'FR'`);
    expect(requests.filter((r) => r.url.endsWith('/validate_filter')).at(-1)?.body).toEqual({ base_dataset_id: 3, row_filter: "country = 'FR'" });
  });

  it('shows the masked sample beside the original', async () => {
    const { requests } = server();
    builder();
    fireEvent.click(await screen.findByRole('button', { name: 'Show the masked sample' }));
    const masked = await screen.findByTestId('sample-masked');
    expect(within(masked).getByText('a****.com')).toBeTruthy();
    expect(within(screen.getByTestId('sample-original')).getByText('ann@x.com')).toBeTruthy();
    expect(within(masked).getAllByText('NULL')).toHaveLength(1);
    expect(requests.find((r) => r.url.endsWith('/preview'))?.body).toMatchObject({ columns: ['customer_id', 'email', 'signup'] });
  });

  it('shows no original when the API withholds it', () => {
    render(<SamplePanel sample={{ ...sample, original: null }} />);
    expect(screen.getByText('The original values are not shown: you may not see them.')).toBeTruthy();
    expect(screen.queryByTestId('sample-original')).toBeNull();
  });

  it('creates the view and links to the new dataset in Superset', async () => {
    const { requests } = server();
    builder();
    fireEvent.click(await screen.findByRole('button', { name: 'Create the view' }));
    const done = await screen.findByTestId('safe-view-created');
    expect(done.textContent).toContain('The view is created (version 1)');
    expect(within(done).getByRole('link', { name: 'Open in Superset' }).getAttribute('href')).toBe('/explore/?datasource_type=table&datasource_id=41');
    expect(within(done).getByRole('link', { name: 'The view’s page' }).getAttribute('href')).toBe('/dataset_review/safe_views/4');
    const create = requests.find((r) => r.method === 'POST' && r.url.endsWith('/safe_views/'));
    expect(create?.body).toEqual({
      base_dataset_id: 3, name: 'review_customers (AI-safe)', columns: ['customer_id', 'email', 'signup'], row_filter: null,
      redactions: { email: { operator: 'mask', keep_prefix: 1, keep_suffix: 4 }, signup: { operator: 'generalize', grain: 'month' } },
    });  // prettier-ignore
  });

  it('shows a 422 on the field it names: a redaction’s column marked, nothing created', async () => {
    server({
      'POST /safe_views/': () => jsonResponse({ message: 'mask needs a text column: signup is DATE', error_code: 'INVALID_VIEW', field: 'redactions.signup' }, 422),
    });
    builder();
    fireEvent.click(await screen.findByRole('button', { name: 'Create the view' }));
    const alert = await screen.findByText('Column signup: mask needs a text column: signup is DATE');
    expect(alert).toBeTruthy();
    expect(rowOf('signup').className).toContain('safe-view-refused');
    expect(screen.queryByTestId('safe-view-created')).toBeNull();
  });

  it('shows a 422 on the name under the name box', async () => {
    server({ 'POST /safe_views/': () => jsonResponse({ message: 'a view named so exists on this dataset', error_code: 'INVALID_VIEW', field: 'name' }, 422) });
    builder();
    fireEvent.click(await screen.findByRole('button', { name: 'Create the view' }));
    expect(await screen.findByText('a view named so exists on this dataset')).toBeTruthy();
    expect(document.querySelector('.ant-form-item-has-error #safe-view-name')).toBeTruthy();
  });

  it('speaks Russian', async () => {
    setLanguage('ru');
    server();
    builder();
    expect(await screen.findByRole('button', { name: 'Создать представление' })).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Колонки представления' })).toBeTruthy();
    expect(screen.getByTestId('count-removed').textContent).toBe('исключено: 1');
  });
});

describe('an existing view', { timeout: 30_000 }, () => {
  it('shows a stale view with what drifted, and Review sends its version', async () => {
    const { requests } = server({
      'GET /safe_views/4': () => jsonResponse({ result: { id: 4, name: 'v', base_dataset_id: 3, dataset_id: 41, version: 2, state: 'stale',
        stale_reason: { added: ['phone'], removed: [], retyped: [] }, changed_on: '2026-12-02T03:00:00', explore_url: null,
        definition: definitionOf(3, 'v', choicesFrom(proposal), ''), sql: 'SELECT' } }),  // prettier-ignore
      'POST /safe_views/4/review': () => jsonResponse({ id: 4, version: 2, state: 'fresh' }),
    });
    render(<App><SafeViewPage viewId={4} datasetName="review_customers" /></App>);
    const stale = await screen.findByTestId('safe-view-stale');
    expect(within(stale).getByText('Added to the base dataset: phone (not in the view until you add them)')).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Versions' })).toBeTruthy();
    expect(screen.getByTitle('c0ffee1234567890').textContent).toBe('c0ffee123456');
    fireEvent.click(within(stale).getByRole('button', { name: 'Review' }));
    await waitFor(() => expect(requests.some((r) => r.url.endsWith('/safe_views/4/review'))).toBe(true));
    expect(requests.find((r) => r.url.endsWith('/review'))?.body).toEqual({ version: 2 });
    expect(screen.getAllByRole('link', { name: 'Open in Superset' })[0]?.getAttribute('href')).toBe('/explore/?datasource_type=table&datasource_id=41');
  });
});

describe('tool audit', { timeout: 30_000 }, () => {
  it('counts calls per tool and outcome, busiest first', () => {
    expect(callsPerTool(calls)).toEqual([
      { tool: 'sample_view', ok: 1, refused: 1, error: 0, total: 2 },
      { tool: 'list_datasets', ok: 1, refused: 0, error: 0, total: 1 },
    ]);  // prettier-ignore
  });

  it('draws a bar per tool split by outcome', () => {
    render(<CallsChart calls={calls} />);
    const chart = screen.getByRole('img', { name: 'Calls per tool and outcome' });
    const bars = chart.querySelectorAll('[data-testid="calls-bar"]');
    expect([...bars].map((bar) => bar.getAttribute('data-tool'))).toEqual(['sample_view', 'list_datasets']);
    expect(bars[0]?.querySelector('[data-outcome="refused"]')?.getAttribute('data-count')).toBe('1');
    expect(bars[1]?.querySelector('[data-outcome="refused"]')).toBeNull();
  });

  it('lists every call with who, channel, outcome and error code, rows, bytes and duration', () => {
    render(<AuditTable calls={calls} />);
    const refused = document.querySelector('tr[data-call="u2"]') as HTMLElement;
    expect(within(refused).getByText('review_manager')).toBeTruthy();
    expect(within(refused).getByText('rest')).toBeTruthy();
    expect(within(refused).getByText('refused')).toBeTruthy();
    expect(within(refused).getByText('POLICY_BLOCK')).toBeTruthy();
    expect(within(refused).getByText('dataset 3 is not an AI-safe view')).toBeTruthy();
    const ok = document.querySelector('tr[data-call="u3"]') as HTMLElement;
    expect(within(ok).getByText('12.3')).toBeTruthy();
    expect(within(ok).getByText('310')).toBeTruthy();
    expect(within(ok).getByTitle('abcdef0123456789').textContent).toBe('abcdef0123');
  });

  it('asks the API again with the filter chosen', async () => {
    const { requests } = server();
    render(<App><ToolAudit /></App>);
    expect(await screen.findByText('3 calls shown (newest first)')).toBeTruthy();
    const outcome = screen.getByRole('combobox', { name: 'Filter by outcome' });
    fireEvent.mouseDown(outcome);
    fireEvent.click(await screen.findByTitle('refused'));
    await waitFor(() => expect(requests.some((r) => r.url.includes('/tools/audit?') && r.url.includes('outcome=refused'))).toBe(true));
    expect(requests.find((r) => r.url.includes('outcome=refused'))?.url).toContain('limit=200');
  });
});

describe('journal', { timeout: 30_000 }, () => {
  it('lists changes, filters by kind of entity, and opens one entity’s history', async () => {
    const { requests } = server();
    render(<App><Journal /></App>);
    const table = await screen.findByRole('table', { name: 'Journal entries' });
    expect(within(table).getByText('contact.email')).toBeTruthy();
    expect(within(table).getByText('stale')).toBeTruthy();
    fireEvent.click(within(table).getByRole('button', { name: 'History of AI-safe view 4' }));
    const history = await screen.findByTestId('journal-history');
    await waitFor(() => expect(within(history).getByText('version')).toBeTruthy());
    expect(requests.some((r) => r.url.startsWith('/api/v1/dataset_review/journal/safe_view/4'))).toBe(true);
    fireEvent.mouseDown(screen.getByRole('combobox', { name: 'Filter by kind of entity' }));
    fireEvent.click(await screen.findByTitle('dataset column'));
    await waitFor(() => expect(requests.some((r) => r.url.includes('entity_type=dataset_column'))).toBe(true));
  });
});

describe('page info of the new pages', () => {
  it('reads the builder, view and admin pages from the root element', () => {
    const element = document.createElement('main');
    element.dataset.page = 'safe_view_new';
    element.dataset.datasetId = '3';
    element.dataset.canAdmin = 'true';
    expect(pageInfo(element)).toMatchObject({ page: 'safe_view_new', datasetId: 3, canAdmin: true });
    element.dataset.page = 'safe_view';
    expect(pageInfo(element).page).toBe('workspace'); // no view id
    element.dataset.viewId = '4';
    element.dataset.viewName = 'v';
    expect(pageInfo(element)).toMatchObject({ page: 'safe_view', viewId: 4, viewName: 'v' });
    element.dataset.page = 'admin_journal';
    expect(pageInfo(element).page).toBe('admin_journal');
  });
});
