import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { HealthPanel } from '../HealthPanel';
import { setLanguage } from '../i18n';
import { degradedReport, downReport, jsonResponse, okReport } from './fixtures';

function stubFetch(...responses: Array<Response | Error>) {
  const fetchMock = vi.fn<typeof fetch>();
  for (const response of responses) {
    if (response instanceof Error) fetchMock.mockRejectedValueOnce(response);
    else fetchMock.mockResolvedValueOnce(response);
  }
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

/** The body rows of the checks table as [component, status, reason, latency] texts. */
async function tableRows(): Promise<string[][]> {
  const table = await screen.findByRole('table', { name: 'Components Dataset Review depends on' });
  const [, ...bodyRows] = within(table).getAllByRole('row');
  return bodyRows.map((row) =>
    Array.from(row.querySelectorAll('th, td')).map((cell) => (cell.textContent ?? '').trim()),
  );
}

describe('HealthPanel', () => {
  it('shows "Checking…" until the report arrives', async () => {
    let resolve!: (response: Response) => void;
    const fetchMock = vi.fn<typeof fetch>(() => new Promise<Response>((r) => (resolve = r)));
    vi.stubGlobal('fetch', fetchMock);

    render(<HealthPanel />);

    expect(screen.getByRole('heading', { level: 2, name: 'Health' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('Checking…');
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Refresh' }).disabled).toBe(true);
    expect(screen.queryByRole('table')).toBeNull();

    await act(async () => resolve(jsonResponse(okReport)));

    expect(await screen.findByRole('table')).toBeTruthy();
    expect(screen.queryByText('Checking…')).toBeNull();
    expect(fetchMock).toHaveBeenCalledWith(
      '/api/v1/dataset_review/health',
      expect.objectContaining({ credentials: 'same-origin' }),
    );
  });

  it('renders an ok report: version, overall badge and one row per check in a fixed order', async () => {
    stubFetch(jsonResponse(okReport));
    render(<HealthPanel />);

    expect(await tableRows()).toEqual([
      ['Metadata database', '✓OK', 'postgresql answered', '2.4'],
      ['pgvector', '✓OK', 'pgvector 0.7.4 installed', '3.1'],
      ['Redis', '✓OK', 'PONG', '0.8'],
      ['Celery worker', '✓OK', '1 worker(s): celery@worker1', '512'],
      ['LLM', '✓OK', 'model gpt-4o-mini configured', '0'],
    ]);
    expect(screen.getByText(/Version 0\.1\.0/)).toBeTruthy();
    expect(screen.getByText('Overall status:').parentElement?.textContent).toBe('Overall status:✓OK');

    const headers = screen.getAllByRole('columnheader');
    expect(headers.map((th) => th.textContent)).toEqual(['Component', 'Status', 'Reason', 'Latency (ms)']);
    headers.forEach((th) => expect(th.getAttribute('scope')).toBe('col'));
    expect(screen.getByRole('table').querySelector('caption')?.textContent).toBe(
      'Components Dataset Review depends on',
    );
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Refresh' }).disabled).toBe(false);
  });

  it('renders a degraded report with the status written out, not only coloured', async () => {
    stubFetch(jsonResponse(degradedReport));
    render(<HealthPanel />);

    const rows = await tableRows();
    expect(rows[4]).toEqual(['LLM', '!Degraded', 'no API key: set DATASET_REVIEW_LLM_API_KEY', '0.1']);
    expect(rows.slice(0, 4).every((row) => row[1] === '✓OK')).toBe(true);
    expect(screen.getByText('Overall status:').parentElement?.textContent).toBe('Overall status:!Degraded');
  });

  it('renders the report carried by a 503 as Down', async () => {
    stubFetch(jsonResponse(downReport, 503));
    render(<HealthPanel />);

    const rows = await tableRows();
    expect(rows[3]).toEqual([
      'Celery worker',
      '✕Down',
      'no Celery worker answered: start one with the imports in CELERY_CONFIG',
      '1,000.2',
    ]);
    expect(screen.getByText('Overall status:').parentElement?.textContent).toBe('Overall status:✕Down');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('lists checks it does not know under their own key, after the known ones', async () => {
    stubFetch(
      jsonResponse({
        ...okReport,
        checks: { minio: { status: 'ok', reason: 'bucket found', latency_ms: 5 }, redis: okReport.checks.redis },
      }),
    );
    render(<HealthPanel />);

    expect((await tableRows()).map((row) => row[0])).toEqual(['Redis', 'minio']);
  });

  it('asks to sign in again on 401', async () => {
    stubFetch(jsonResponse({ msg: 'Not authorized' }, 401));
    render(<HealthPanel />);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Your session has expired: sign in again');
    expect(within(alert).getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/login/');
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('explains the missing permission on 403', async () => {
    stubFetch(jsonResponse({ message: 'Forbidden' }, 403));
    render(<HealthPanel />);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'You do not have access to Dataset Review: ask an admin to grant can read on DatasetReview',
    );
    expect(within(alert).queryByRole('button')).toBeNull();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('offers Retry after a network failure, and Retry fetches again', async () => {
    const fetchMock = stubFetch(new TypeError('Failed to fetch'), jsonResponse(okReport));
    render(<HealthPanel />);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not reach Superset: check your connection and retry');
    expect(fetchMock).toHaveBeenCalledTimes(1);

    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));

    expect(await tableRows()).toHaveLength(5);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('Refresh fetches again and shows the new report', async () => {
    const fetchMock = stubFetch(jsonResponse(okReport), jsonResponse(degradedReport));
    render(<HealthPanel />);
    expect((await tableRows())[4]?.[1]).toBe('✓OK');

    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));

    expect(await screen.findByText('Overall status:')).toBeTruthy();
    await screen.findByText('no API key: set DATASET_REVIEW_LLM_API_KEY');
    expect((await tableRows())[4]?.[1]).toBe('!Degraded');
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('speaks Russian when asked to', async () => {
    setLanguage('ru');
    stubFetch(new TypeError('Failed to fetch'));
    render(<HealthPanel />);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Не удалось связаться с Superset');
    expect(within(alert).getByRole('button', { name: 'Повторить' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Обновить' })).toBeTruthy();
  });
});
