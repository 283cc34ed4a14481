import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from 'antd';
import { describe, expect, it, vi } from 'vitest';
import { promoteBlocker, searchDomains } from '../domains/client';
import { CatalogPanel, DomainStudio, failureText } from '../domains/DomainStudio';
import { ConfidencePill, EvidenceDrawer, ReliabilityChart, chartPoint } from '../domains/parts';
import { setLanguage } from '../i18n';
import { keepNavigationWhole, pageInfo } from '../main';
import {
  catalog, datasetDomains, emailColumn, emptyColumn, failingDelta, passingDelta, profile, weightColumn,
} from './domainFixtures';
import { jsonResponse } from './fixtures';

describe('confidence pill', () => {
  it('says the band in words and the confidence as a percentage, in English and Russian', () => {
    const { unmount } = render(<ConfidencePill band="high" confidence={0.934} />);
    const pill = screen.getByLabelText('Confidence: High, 93%');
    expect(pill.textContent).toBe('High · 93%');
    expect(pill.closest('[data-band]')?.getAttribute('data-band')).toBe('high');
    unmount();
    setLanguage('ru');
    render(<ConfidencePill band="borderline" confidence={0.6} />);
    expect(screen.getByLabelText('Уверенность: Пограничная, 60%').textContent).toBe('Пограничная · 60%');
  });

  it('shows no percentage for an empty column (nothing was judged) and clamps odd confidences', () => {
    const { unmount } = render(<ConfidencePill band="empty" confidence={0} />);
    expect(screen.getByLabelText('Confidence: empty column, no values to judge').textContent).toBe('Empty');
    unmount();
    render(<ConfidencePill band="low" confidence={1.7} />);
    expect(screen.getByText('Low · 100%')).toBeTruthy();
  });
});

describe('evidence drawer', () => {
  it("shows the header tokens, regex hits against the sample, masked samples and the score's parts", async () => {
    render(<EvidenceDrawer column={emailColumn} onClose={() => undefined} />);
    const drawer = await screen.findByTestId('evidence-drawer');
    expect(screen.getByText('Evidence: customer_email')).toBeTruthy();
    const tokens = within(drawer).getByRole('region', { name: 'Header tokens' });
    expect(within(tokens).getByText('customer')).toBeTruthy();
    expect(within(tokens).getByText('email')).toBeTruthy();
    const regexes = within(drawer).getByRole('region', { name: 'Regular expression hits' });
    expect(within(regexes).getByText('196 / 200')).toBeTruthy();
    const samples = within(drawer).getByRole('region', { name: 'Sample values (masked)' });
    expect(within(samples).getAllByRole('listitem').map((item) => item.textContent)).toEqual(['j***@e*****.com', 'm***@m***.ru']);
    const score = within(drawer).getByRole('region', { name: "The score's parts" });
    expect(within(score).getByRole('progressbar', { name: 'Regular expressions' }).getAttribute('aria-valuenow')).toBe('98');
    expect(within(score).getByText('0.98')).toBeTruthy();
    expect(within(drawer).getByText('contact.email (93%)')).toBeTruthy();
    expect(within(drawer).getByText('web.url (21%)')).toBeTruthy();
    expect(within(drawer).getByText('2823 rows, 2800 non-empty, 200 sampled')).toBeTruthy();
  });

  it('shows unit cues and an ambiguity, and says there are no samples for an empty column with a name hint', async () => {
    const { unmount } = render(<EvidenceDrawer column={weightColumn} onClose={() => undefined} />);
    const drawer = await screen.findByTestId('evidence-drawer');
    expect(within(within(drawer).getByRole('region', { name: 'Unit cues' })).getByText('kg → mass')).toBeTruthy();
    expect(within(drawer).getByText('money.amount')).toBeTruthy();
    unmount();
    render(<EvidenceDrawer column={emptyColumn} onClose={() => undefined} />);
    const empty = await screen.findByTestId('evidence-drawer');
    expect(within(empty).getByText('contact.email (email)')).toBeTruthy();
    expect(within(empty).getByText(/No sample values/)).toBeTruthy();
    expect(within(empty).getByText('unknown')).toBeTruthy();
  });

  it('renders a hostile sample as text, never as markup', async () => {
    const hostile = { ...emailColumn, evidence: { ...emailColumn.evidence, samples: ['<img src=x onerror=alert(1)>'] } };
    render(<EvidenceDrawer column={hostile} onClose={() => undefined} />);
    const drawer = await screen.findByTestId('evidence-drawer');
    expect(drawer.querySelector('img')).toBeNull();
    expect(within(drawer).getByText('<img src=x onerror=alert(1)>')).toBeTruthy();
  });

  it('closes from its close button', async () => {
    const onClose = vi.fn();
    render(<EvidenceDrawer column={emailColumn} onClose={onClose} />);
    fireEvent.click(await screen.findByLabelText('Close the evidence'));
    expect(onClose).toHaveBeenCalled();
  });
});

describe('reliability chart', () => {
  it('draws one point per non-empty bin on the curve, the diagonal and the bands, with its numbers in a table', () => {
    render(<ReliabilityChart bins={profile.reliability ?? []} tauHigh={0.75} tauLow={0.45} />);
    const chart = screen.getByRole('img', { name: /Reliability of the confidence/ });
    expect(chart.querySelectorAll('[data-testid="bin"]')).toHaveLength(3);
    const diagonal = chart.querySelector('[data-testid="diagonal"]')!;
    const [x0, y0] = chartPoint(0, 0);
    const [x1, y1] = chartPoint(1, 1);
    expect([diagonal.getAttribute('x1'), diagonal.getAttribute('y1'), diagonal.getAttribute('x2'), diagonal.getAttribute('y2')])
      .toEqual([x0, y0, x1, y1].map(String));
    // The curve goes through the bins in order of confidence, at (mean_confidence, precision).
    const path = chart.querySelector('[data-testid="curve"]')!.getAttribute('d')!;
    expect(path).toBe(`M${chartPoint(0.52, 0.48).join(',')} L${chartPoint(0.71, 0.76).join(',')} L${chartPoint(0.9, 0.97).join(',')}`);
    expect(chart.querySelector('[data-testid="tau-high"]')?.getAttribute('x1')).toBe(String(chartPoint(0.75, 0)[0]));
    const table = screen.getByRole('table');
    expect(within(table).getByText('0.80–1.00')).toBeTruthy();
    expect(within(table).getByText('400')).toBeTruthy();
  });

  it('says so when nothing was measured', () => {
    render(<ReliabilityChart bins={[{ lo: 0, hi: 1, mean_confidence: 0, precision: 0, count: 0 }]} />);
    expect(screen.getByText('No reliability curve measured for this profile.')).toBeTruthy();
    expect(screen.queryByRole('img')).toBeNull();
  });

  it('keeps a precision outside [0, 1] inside the plot', () => {
    expect(chartPoint(2, -1)).toEqual(chartPoint(1, 0));
  });
});

describe('catalog', () => {
  it('finds domains by name, description or an alias in any language', () => {
    expect(searchDomains(catalog.domains, 'почта').map((d) => d.name)).toEqual(['contact.email']);
    expect(searchDomains(catalog.domains, 'MASS').map((d) => d.name)).toEqual(['measure.weight']);
    expect(searchDomains(catalog.domains, '  ')).toHaveLength(catalog.domains.length);
  });

  it('blocks Promote while a staged delta or the staged catalog fails its auto-test, or when nothing is staged', () => {
    expect(promoteBlocker([passingDelta])).toBeNull();
    expect(promoteBlocker([passingDelta, failingDelta])).toBe('failing');
    expect(promoteBlocker([{ ...passingDelta, test: { passed: true, catalog_passed: false } }])).toBe('failing');
    expect(promoteBlocker([])).toBe('nothing');
    expect(promoteBlocker([{ ...passingDelta, test: null }])).toBeNull(); // promotion tests it
    expect(promoteBlocker([{ ...failingDelta, state: 'discarded' }])).toBe('nothing');
  });

  it('shows version, hash, the staged deltas with their test, and Promote only to a curator, disabled with a reason', () => {
    const onPromote = vi.fn();
    const { rerender } = render(
      <CatalogPanel catalog={catalog} deltas={[passingDelta, failingDelta]} canCurate busy={null} onPromote={onPromote} />,
    );
    expect(screen.getByTestId('catalog-version').textContent).toBe('Live version 4');
    expect(screen.getByTitle(catalog.content_hash).textContent).toBe('3f2a9c1be4d0');
    expect(screen.getByText('passed')).toBeTruthy();
    expect(screen.getByText('1 failing')).toBeTruthy();
    expect(screen.getByText('The negative “order id” now reads as money.amount')).toBeTruthy();
    const promote = screen.getByRole('button', { name: 'Promote staged changes' });
    expect((promote as HTMLButtonElement).disabled).toBe(true);
    expect(promote.getAttribute('aria-describedby')).toBe('promote-blocker');
    expect(screen.getByText(/fails its auto-test/)).toBeTruthy();
    rerender(<CatalogPanel catalog={catalog} deltas={[passingDelta]} canCurate busy={null} onPromote={onPromote} />);
    fireEvent.click(screen.getByRole('button', { name: 'Promote staged changes' }));
    expect(onPromote).toHaveBeenCalledTimes(1);
    rerender(<CatalogPanel catalog={catalog} deltas={[passingDelta]} canCurate={false} busy={null} onPromote={onPromote} />);
    expect(screen.queryByRole('button', { name: 'Promote staged changes' })).toBeNull();
  });

  it('says a failing check in words, in English and Russian', () => {
    expect(failureText('contact.email', { check: 'examples', got: null })).toBe('Examples of contact.email now read as unknown');
    expect(failureText('x', { message: 'payload.regex: missing )' })).toBe('payload.regex: missing )');
    setLanguage('ru');
    expect(failureText('contact.email', { check: 'examples', got: 'web.url' })).toBe('Примеры contact.email теперь читаются как web.url');
  });

  it('filters its domain table as the user types', () => {
    render(<CatalogPanel catalog={catalog} deltas={[]} canCurate={false} busy={null} onPromote={() => undefined} />);
    const table = screen.getByRole('table', { name: 'Domains of the catalog' });
    expect(within(table).getByText('money.amount')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Search domains by name, description or alias'), { target: { value: 'вес' } });
    expect(within(table).queryByText('money.amount')).toBeNull();
    expect(within(table).getByText('measure.weight')).toBeTruthy();
  });
});

/** A fetch that answers the domain APIs from fixtures and records every write. */
function domainServer(overrides: Partial<Record<string, () => Response>> = {}) {
  const writes: Array<{ method: string; url: string; body: unknown }> = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    if (url.includes('csrf_token')) return jsonResponse({ result: 'tok' });
    const key = `${method} ${url.replace('/api/v1/dataset_review/domains', '')}`;
    if (method !== 'GET') writes.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : null });
    const override = overrides[key];
    if (override) return override();
    if (key === 'GET /datasets/3') return jsonResponse(datasetDomains);
    if (key === 'GET /catalog') {
      const { domains, name, ...version } = catalog;
      return jsonResponse({ ...version, state: 'live', staged: 1, catalog: { name, version: '1.0.0', domains } });
    }
    if (key === 'GET /deltas') return jsonResponse({ result: [passingDelta] });
    if (key === 'GET /profile') return jsonResponse(profile);
    if (method === 'POST' && key.startsWith('POST /datasets/3/columns/')) {
      return jsonResponse({ assignment: { ...emailColumn, status: 'accepted' }, written_back: { domain: 'contact.email' } });
    }
    if (key === 'POST /deltas') return jsonResponse({ ...passingDelta, uuid: 'd-13' }, 201);
    if (key === 'POST /catalog/test') return jsonResponse({ passed: true, deltas: {} });
    if (key === 'POST /catalog/promote') return jsonResponse({ version: 5, content_hash: 'ab' });
    if (key === 'POST /datasets/3/classify') {
      return jsonResponse({ task_id: 't9', kind: 'domaining', state: 'queued', done: 0, total: 4, eta_seconds: null,
        message: null, error_code: null, created_on: '2026-12-01T23:00:00' }, 202);  // prettier-ignore
    }
    return jsonResponse({ message: `unexpected ${key}` }, 404);
  });
  vi.stubGlobal('fetch', fetchImpl);
  return { writes, fetchImpl };
}

function studio(canCurate = true) {
  return render(
    <App>
      <DomainStudio datasetId={3} canCurate={canCurate} />
    </App>,
  );
}

// The whole studio renders four antd tables: slow in jsdom on a shared machine, not stuck.
describe('domain studio', { timeout: 30_000 }, () => {
  it('fills the grid with each column’s domain, pill and PII, and the catalog and chart beside it', async () => {
    domainServer();
    studio();
    const grid = await screen.findByRole('table', { name: 'Domains of the columns' });
    await waitFor(() => expect(within(grid).getByText('customer_email')).toBeTruthy());
    const row = within(grid).getByText('customer_email').closest('tr')!;
    expect(within(row).getByText('contact.email')).toBeTruthy();
    expect(within(row).getByText('High · 93%')).toBeTruthy();
    expect(within(row).getByText('EMAIL')).toBeTruthy();
    expect(screen.getByText('1 high · 1 borderline · 1 low · 1 empty')).toBeTruthy();
    // A column domaining has not seen yet: no pill, no evidence, but it can still be decided on.
    const notes = within(grid).getByText('notes').closest('tr')!;
    expect(within(notes).getByText('not classified yet')).toBeTruthy();
    expect((within(notes).getByRole('button', { name: 'Evidence for notes' }) as HTMLButtonElement).disabled).toBe(true);
    expect((within(notes).getByRole('button', { name: 'Unknown: mark notes as having no domain' }) as HTMLButtonElement).disabled).toBe(false);
    await waitFor(() => expect(screen.getByTestId('catalog-version').textContent).toBe('Live version 4'));
    expect(screen.getByRole('img', { name: /Reliability of the confidence/ })).toBeTruthy();
    expect(screen.getByText('Threshold profile tp_default_v1: high from 0.75, low below 0.45')).toBeTruthy();
    // From the dataset's domains to its AI-safe view builder.
    expect(screen.getByRole('link', { name: 'Build an AI-safe view' }).getAttribute('href')).toBe('/dataset_review/safe_views/new/3');
  });

  it('approves a column through the decision endpoint and reloads', async () => {
    const { writes } = domainServer();
    studio();
    fireEvent.click(await screen.findByRole('button', { name: 'Approve the domain of customer_email' }));
    await waitFor(() => expect(writes).toHaveLength(1));
    expect(writes[0]).toEqual({
      method: 'POST', url: '/api/v1/dataset_review/domains/datasets/3/columns/customer_email/decision', body: { action: 'approve' },
    });  // prettier-ignore
    // An empty or low column has no domain to approve.
    expect((screen.getByRole('button', { name: 'Approve the domain of email_backup' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('stages an alias as a delta with where it came from', async () => {
    const { writes } = domainServer();
    studio();
    fireEvent.click(await screen.findByRole('button', { name: 'More actions for weight_kg' }));
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Add alias' }));
    const dialog = await screen.findByRole('dialog');
    const alias = within(dialog).getByLabelText(/Alias/);
    expect((alias as HTMLInputElement).value).toBe('weight_kg');
    fireEvent.change(alias, { target: { value: 'масса_кг' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add alias' }));
    await waitFor(() => expect(writes).toHaveLength(1));
    expect(writes[0]).toEqual({
      method: 'POST', url: '/api/v1/dataset_review/domains/deltas',
      body: { kind: 'add_alias', domain: 'measure.weight', payload: { alias: 'масса_кг', language: 'en' }, origin: { dataset_id: 3, column: 'weight_kg' } },
    });  // prettier-ignore
  });

  it('shows the server’s message when a regex is refused, and keeps the dialog open', async () => {
    domainServer({ 'POST /deltas': () => jsonResponse({ message: 'payload.regex: not a valid RE2 expression: missing )' }, 400) });
    studio();
    fireEvent.click(await screen.findByRole('button', { name: 'More actions for customer_email' }));
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Add regex' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText(/Regular expression/), { target: { value: '(a' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add regex' }));
    expect((await screen.findByRole('alert')).textContent).toContain('not a valid RE2 expression');
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it('starts domaining and shows the task’s progress until it is done', async () => {
    let polls = 0;
    const task = { task_id: 't9', kind: 'domaining', done: 2, total: 4, eta_seconds: 3, message: null, error_code: null,
      created_on: '2026-12-01T23:00:00' };  // prettier-ignore
    const { writes } = domainServer({
      'GET /datasets/3': () => {
        if (!writes.length) return jsonResponse(datasetDomains); // before Classify: no task
        polls += 1;
        return jsonResponse({ ...datasetDomains, tasks: [{ ...task, state: polls < 3 ? 'running' : 'done' }] });
      },
    });
    studio();
    await screen.findByText('customer_email');
    fireEvent.click(screen.getByRole('button', { name: 'Classify columns' }));
    await waitFor(() => expect(writes.map((w) => w.url)).toContain('/api/v1/dataset_review/domains/datasets/3/classify'));
    // The answer's task (queued), then what the polls of the dataset say: running 2 of 4, then done.
    expect(await screen.findByText(/Domaining: (queued|running)/)).toBeTruthy();
    expect(await screen.findByText('2 of 4 steps', {}, { timeout: 5000 })).toBeTruthy();
    await waitFor(() => expect(screen.queryByText(/Domaining:/)).toBeNull(), { timeout: 8000 });
    expect(polls).toBeGreaterThanOrEqual(3);
    // (By its text: jsdom runs no CSS transition, so the spinner of the loading state never leaves its name.)
    await waitFor(() => expect(screen.getByText("Classify columns").closest("button")?.disabled).toBe(false));
  });

  it('lets a curator run the auto-test and promote the version the page shows', async () => {
    const { writes } = domainServer();
    studio(true);
    await waitFor(() => expect(screen.getByTestId('catalog-version').textContent).toBe('Live version 4'));
    fireEvent.click(screen.getByRole('button', { name: 'Run the auto-test' }));
    await waitFor(() => expect(writes.map((w) => w.url)).toContain('/api/v1/dataset_review/domains/catalog/test'));
    fireEvent.click(screen.getByText('Promote staged changes').closest('button')!);
    await waitFor(() => expect(writes.map((w) => w.url)).toContain('/api/v1/dataset_review/domains/catalog/promote'));
    expect(writes.find((w) => w.url.endsWith('/promote'))?.body).toEqual({ expected_version: 4 });
    expect(await screen.findByText('Catalog version 5 is live')).toBeTruthy();
  });

  it('keeps the grid working when the catalog cannot be read', async () => {
    domainServer({ 'GET /catalog': () => jsonResponse({ message: 'Not found' }, 404) });
    studio(true);
    expect(await screen.findByText('The catalog could not be read: Not found')).toBeTruthy();
    expect(await screen.findByText('customer_email')).toBeTruthy();
  });

  it('speaks Russian', async () => {
    setLanguage('ru');
    domainServer();
    studio(false);
    expect(await screen.findByRole('button', { name: 'Определить домены' })).toBeTruthy();
    expect(await screen.findByText('Высокая · 93%')).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Каталог доменов' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Продвинуть изменения' })).toBeNull();
  });
});

describe('page info', () => {
  it('reads the page, the dataset and the curator flag from the root element, and falls back to the workspace', () => {
    const element = document.createElement('main');
    element.dataset.page = 'domains';
    element.dataset.datasetId = '7';
    element.dataset.canCurate = 'true';
    expect(pageInfo(element)).toEqual({ page: 'domains', datasetId: 7, datasetName: null, canCurate: true });
    element.dataset.datasetId = '7 or 1=1';
    expect(pageInfo(element).page).toBe('workspace');
    expect(pageInfo(null)).toEqual({ page: 'workspace', datasetId: null, datasetName: null, canCurate: false });
  });
});

describe('navigation from Superset\'s navbar', () => {
  it('makes a move to another path a whole page load, and leaves moves within the page alone', () => {
    const assign = vi.fn();
    const pushed: string[] = [];
    const fake = {
      location: { href: 'http://superset/dataset_review/?session=1', origin: 'http://superset', pathname: '/dataset_review/', assign },
      history: { pushState: (_state: unknown, _unused: string, url?: string | URL | null) => pushed.push(String(url)) },
    } as unknown as Window;
    keepNavigationWhole(fake);
    keepNavigationWhole(fake); // once per window, however often the page mounts
    fake.history.pushState({}, '', '/dataset_review/?session=2');
    fake.history.pushState({}, '', '/dashboard/list/');
    fake.history.pushState({}, '', 'http://elsewhere/dashboard/list/');
    expect(pushed).toEqual(['/dataset_review/?session=2', 'http://elsewhere/dashboard/list/']);
    expect(assign).toHaveBeenCalledTimes(1);
    expect(assign).toHaveBeenCalledWith('http://superset/dashboard/list/');
  });
});
