import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from 'antd';
import axe from 'axe-core';
import { describe, expect, it, vi } from 'vitest';
import { setLanguage } from '../i18n';
import { pageInfo } from '../main';
import {
  chunkChecks, chunkQuarantined, estimatedChunks, migrationApi, planSql, promoteBlock, rateText, startBlock, timelineOf,
  type Chunk, type Migration,
} from '../onboarding/migration';
import { ChunkTimeline, MigrationConsole, detailText, seconds } from '../onboarding/MigrationConsole';
import { RunView } from '../onboarding/OnboardingPages';
import {
  PLAN_SQL, chunkOf, doneChunks, migrationOf, quarantineRows, readyMigration, runningChunks, runningMigration,
} from './migrationFixtures';
import { CONTRACT_HASH, RUN_ID, catalog, runOf, sample, target } from './onboardingFixtures';

const BASE = `/api/v1/dataset_review/onboarding/runs/${RUN_ID}`;

function answer(body: unknown, status = 200, etag?: string): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (etag) headers.ETag = etag;
  return new Response(status === 304 ? null : JSON.stringify(body), { status, headers });
}

interface Recorded { method: string; url: string; body: unknown; headers: Record<string, string> }
type Handler = (body: unknown, url: string) => Response;

/** The migration API from a state the test changes as it goes: GET answers the migration and its chunks with an ETag
 * (a 304 to the same ETag as If-None-Match), 404 while there is none. Every request is recorded. */
function server(initial: { migration: Migration | null; chunks?: Chunk[] }, overrides: Record<string, Handler> = {}) {
  const state = { migration: initial.migration, chunks: initial.chunks ?? [], version: 1 };
  const set = (migration: Migration | null, chunks?: Chunk[]) => {
    state.migration = migration;
    if (chunks) state.chunks = chunks;
    state.version += 1;
  };
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
    if (override) return override(body, url);
    if (key === 'GET ') return answer({ result: runOf(), hashes: { contract: CONTRACT_HASH } }, 200, '"run-5"');
    if (key === 'GET /artifacts/catalog') return answer({ result: { kind: 'catalog', version: 2, content_hash: 'c', contract_hash: CONTRACT_HASH, body: catalog } });
    if (key === 'GET /artifacts/target_schema') return answer({ result: { kind: 'target_schema', version: 1, content_hash: 't', contract_hash: CONTRACT_HASH, body: target } });
    if (key === 'GET /artifacts/sample_pack') return answer({ result: { kind: 'sample_pack', version: 1, content_hash: 's', contract_hash: CONTRACT_HASH, body: sample } });
    if (key === 'GET /migration') {
      if (!state.migration) return answer({ message: 'This run has no migration', error_code: 'MIGRATION_NOT_FOUND' }, 404);
      const etag = `"mig-${state.version}"`;
      if (headers['If-None-Match'] === etag) return answer(null, 304, etag);
      return answer({ migration: state.migration, chunks: state.chunks }, 200, etag);
    }
    if (key === 'GET /migration/quarantine') return answer({ count: quarantineRows.length, result: quarantineRows });
    if (key === 'POST /migration') {
      const planned = migrationOf();
      const next = body.dry_run ? planned : { ...planned, state: 'queued', task_id: 'mig-task-1' };
      set(next, body.dry_run ? [] : runningChunks().map((c) => ({ ...chunkOf(Number(c.chunk_id)) })));
      return answer(next, body.dry_run ? 200 : 202);
    }
    if (key === 'POST /migration/cancel') { set({ ...state.migration!, state: 'cancelled' }); return answer(state.migration); }
    if (key === 'POST /migration/promote') {
      set({ ...state.migration!, state: 'promoted', dataset_id: 31, promoted_at: '2026-12-02T07:11:00' });
      return answer(state.migration);
    }
    if (key === 'POST /migration/rollback') { set({ ...state.migration!, state: 'rolled_back' }); return answer(state.migration); }
    if (key === 'POST /migration/quarantine/retry' || key === 'POST /migration/quarantine/release') return answer({ count: 1 });
    return answer({ message: `unexpected ${key}` }, 404);
  });  // prettier-ignore
  vi.stubGlobal('fetch', fetchImpl);
  return { requests, set, state };
}

const withApp = (node: React.ReactNode) => render(<App>{node}</App>);
const migrationReads = (requests: Recorded[]) => requests.filter((r) => r.method === 'GET' && r.url.endsWith('/migration'));

async function noAxeViolations(node: Element) {
  // jsdom draws nothing, so colour contrast is the browser test's (tests/browser/test_migration_console.py).
  const result = await axe.run(node, { rules: { 'color-contrast': { enabled: false } } });
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

describe('the migration helpers', () => {
  it('blocks Start on a metadata_only run, without a plan, on a failed pre-flight check, while running and once promoted', () => {
    const planned = migrationOf();
    expect(startBlock('metadata_only', planned)).toEqual({ kind: 'metadata_only' });
    expect(startBlock('data_mode', null)).toEqual({ kind: 'not_planned' });
    expect(startBlock('data_mode', planned)).toBeNull();
    const failing = migrationOf({ preflight: [...planned.preflight, { check: 'key_unique', ok: false, message: '2 rows share customer_id 7' }] });
    expect(startBlock('data_mode', failing)).toEqual({ kind: 'preflight', failed: [{ check: 'key_unique', ok: false, message: '2 rows share customer_id 7' }] });
    expect(startBlock('data_mode', runningMigration())).toEqual({ kind: 'active' });
    expect(startBlock('data_mode', migrationOf({ state: 'validating' }))).toEqual({ kind: 'active' });
    expect(startBlock('data_mode', migrationOf({ state: 'promoted' }))).toEqual({ kind: 'promoted' });
    expect(startBlock('data_mode', migrationOf({ state: 'failed' }))).toBeNull();
  });

  it('opens Promote only on a ready migration whose validations all passed', () => {
    expect(promoteBlock(readyMigration())).toBeNull();
    expect(promoteBlock(runningMigration())).toBe('not_ready');
    expect(promoteBlock(null)).toBe('not_ready');
    expect(promoteBlock(readyMigration({ validations: [{ check: 'fk_check', state: 'failed', detail: '3 orphans' }] }))).toBe('validations');
  });

  it('reads the plan SQL and the estimated chunks however the server puts them', () => {
    expect(planSql(migrationOf())).toBe(PLAN_SQL);
    expect(planSql(migrationOf({ sql: null, plan: { sql: 'SELECT 1' } }))).toBe('SELECT 1');
    expect(planSql(migrationOf({ sql: null, plan: { sql: { postgres: 'SELECT 2' } } }))).toBe('SELECT 2');
    expect(planSql(migrationOf({ sql: null, plan: { sql: { postgres: 'A', duckdb: 'B' } } }))).toBe('-- postgres\nA\n\n-- duckdb\nB');
    expect(planSql(migrationOf({ sql: null, plan: null }))).toBeNull();
    expect(planSql(migrationOf({ sql: null, plan: { statements: ['CREATE TABLE s (a int)', 'INSERT INTO s SELECT 1'] } }))).toBe('CREATE TABLE s (a int);\n\nINSERT INTO s SELECT 1');
    expect(estimatedChunks(migrationOf({ estimated_chunks: null, plan: { chunks_total: 7 } }))).toBe(7);
    expect(estimatedChunks(migrationOf({ estimated_chunks: 9 }))).toBe(9);
    expect(estimatedChunks(migrationOf({ estimated_chunks: null, plan: { estimated_chunks: 5 } }))).toBe(5);
    expect(estimatedChunks(migrationOf({ estimated_chunks: null, chunks_total: 3 }))).toBe(3);
  });

  it("reads a chunk's validations as a list or a map, and what it quarantined", () => {
    expect(chunkChecks({ row_count: 'passed', checksum: false, fk_check: { ok: true }, other: { state: 'pending' }, odd: 3 })).toEqual([
      { check: 'row_count', state: 'passed' }, { check: 'checksum', state: 'failed' }, { check: 'fk_check', state: 'passed' },
      { check: 'other', state: 'pending' }, { check: 'odd', state: 'pending' },
    ]);  // prettier-ignore
    expect(chunkChecks([{ check: 'row_count', ok: false }, { check: 'checksum' }])).toEqual([
      { check: 'row_count', state: 'failed' }, { check: 'checksum', state: 'pending' }]);  // prettier-ignore
    expect(chunkChecks(null)).toEqual([]);
    expect(chunkQuarantined({ row_count_in: 30, row_count_out: 27 })).toBe(3);
    expect(chunkQuarantined({ row_count_in: 30, row_count_out: null })).toBe(0);
    expect(rateText(12_500)).toBe('12.5k');
    expect(rateText(2_400_000)).toBe('2.4M');
    expect(rateText(12.4)).toBe('12');
    expect(detailText({ quarantined: 2, chunks_not_done: [], source: 'file' })).toBe('quarantined: 2 · chunks not done: [] · source: file');
    expect(detailText('3 orphans')).toBe('3 orphans');
    expect(seconds(75.4)).toBe('75 ms');
    expect(seconds(2345)).toBe('2.3 s');
    expect(timelineOf([chunkOf(0, { started_at: '2026-12-02T07:10:00', finished_at: '2026-12-02T07:10:00.020' })], 0).to)
      .toBe(Date.parse('2026-12-02T07:10:00Z') + 100);
    expect(detailText(null)).toBe('');
    expect(detailText([1, 2])).toBe('[1,2]');
  });

  it('lays out the timeline: a bar per started chunk, a leased one up to now, the others waiting', () => {
    const now = Date.parse('2026-12-02T07:10:06Z');
    const { from, to, bars, waiting } = timelineOf(runningChunks(), now);
    expect(bars.map((b) => b.index)).toEqual([0, 1, 2]);
    expect(waiting).toBe(1);
    expect(from).toBe(Date.parse('2026-12-02T07:10:00Z'));
    expect(to).toBe(now);
    expect(bars[2]?.end).toBe(now);
  });

  it('polls with the ETag as If-None-Match: a 304 is "unchanged", a 404 "no migration yet"', async () => {
    const { requests, set } = server({ migration: runningMigration(), chunks: runningChunks() });
    const first = await migrationApi.status(RUN_ID, null);
    expect(first.kind).toBe('changed');
    const etag = first.kind === 'changed' ? first.etag : null;
    expect(etag).toBe('"mig-1"');
    expect(await migrationApi.status(RUN_ID, etag)).toEqual({ kind: 'unchanged' });
    expect(requests.at(-1)?.headers['If-None-Match']).toBe('"mig-1"');
    set(null);
    expect(await migrationApi.status(RUN_ID, etag)).toEqual({ kind: 'none' });
  });

  it('refuses with the server message and code', async () => {
    server({ migration: null }, { 'POST /migration': () => answer({ message: 'The key is not unique: 2 rows share customer_id 7', error_code: 'MIGRATION_PREFLIGHT_FAILED' }, 409) });
    await expect(migrationApi.start(RUN_ID, { dry_run: false })).rejects.toMatchObject({ status: 409, code: 'MIGRATION_PREFLIGHT_FAILED' });
  });
});

describe('the Migration Console', { timeout: 60_000 }, () => {
  it('offers a dry run first; the plan shows the pre-flight, strategy and why, key, chunks and SQL; then Start', async () => {
    const { requests } = server({ migration: null });
    withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate />);
    expect((await screen.findByTestId('no-migration')).textContent).toContain('Plan it first');
    const startButton = screen.getByRole('button', { name: 'Start migration' });
    expect(startButton.hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('start-blocked').textContent).toBe('Plan the migration (a dry run) before starting it.');
    expect(startButton.getAttribute('aria-describedby')).toBe(screen.getByTestId('start-blocked').id);
    fireEvent.click(screen.getByRole('button', { name: 'Plan (dry run)' }));
    await screen.findByTestId('preflight');
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ dry_run: true, key_columns: null, validations: null, schema_change_policy: 'approve_manually' });
    const checks = within(screen.getByTestId('preflight')).getAllByRole('listitem');
    expect(checks.map((li) => li.getAttribute('data-ok'))).toEqual(['true', 'true']);
    expect(checks[0]?.textContent).toContain('Mappings accepted');
    expect(checks[0]?.textContent).toContain('3 of 3 mappings accepted');
    expect(screen.getByTestId('strategy').textContent).toBe('ELT (SQL inside the database)');
    expect(screen.getByText(/every pipeline compiles for it/)).toBeTruthy();
    expect(screen.getByTestId('key').textContent).toBe('natural: customer_id');
    expect(screen.getByTestId('estimated-chunks').textContent).toBe('4');
    expect(screen.getByLabelText('SQL').textContent).toContain('weight_lb');
    expect(screen.queryByTestId('chunk-timeline')).toBeNull();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Start migration' }).hasAttribute('disabled')).toBe(false));
    expect(screen.queryByTestId('start-blocked')).toBeNull();
    await noAxeViolations(screen.getByTestId('migration-console'));
  });

  it('keeps Start disabled with the failed check named, and on a metadata_only run says dry run only', async () => {
    const failing = migrationOf({ preflight: [
      { check: 'mappings_accepted', ok: false, message: 'weight_kg is held, not accepted' }, { check: 'key_unique', ok: true, message: 'unique' }] });  // prettier-ignore
    server({ migration: failing });
    const { unmount } = withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate />);
    const failed = await screen.findByText('weight_kg is held, not accepted');
    expect(failed.closest('li')?.getAttribute('data-ok')).toBe('false');
    expect(failed.closest('li')?.textContent).toContain('failed');
    expect(screen.getByRole('button', { name: 'Start migration' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('start-blocked').textContent).toBe('Start waits for the failed pre-flight checks: Mappings accepted.');
    unmount();
    server({ migration: migrationOf() });
    withApp(<MigrationConsole runId={RUN_ID} mode="metadata_only" canMigrate />);
    expect((await screen.findByTestId('start-blocked')).getAttribute('data-block')).toBe('metadata_only');
    expect(screen.getByTestId('start-blocked').textContent).toContain('a dry run only');
    expect(screen.getByRole('button', { name: 'Start migration' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByRole('button', { name: 'Plan again' }).hasAttribute('disabled')).toBe(false);
  });

  it('shows a refusal of Start with its code and reloads the pre-flight', async () => {
    const { requests } = server({ migration: migrationOf() }, {
      'POST /migration': () => answer({ message: 'The key is not unique: 2 rows share customer_id 7', error_code: 'MIGRATION_PREFLIGHT_FAILED',
        preflight: [{ check: 'key', ok: false, message: '2 rows share customer_id 7' }, { check: 'mode', ok: true, message: 'data_mode' }] }, 409) });  // prettier-ignore
    withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate />);
    await screen.findByTestId('preflight');
    fireEvent.click(screen.getByRole('button', { name: 'Start migration' }));
    const refusal = await screen.findByTestId('migration-error');
    expect(refusal.textContent).toContain('The key is not unique: 2 rows share customer_id 7 (MIGRATION_PREFLIGHT_FAILED)');
    expect(refusal.querySelector('[data-check="key"]')?.getAttribute('data-ok')).toBe('false');
    expect(refusal.querySelector('[data-check="mode"]')?.textContent).toContain('Mode');
    await waitFor(() => expect(migrationReads(requests).length).toBeGreaterThanOrEqual(2));
  });

  it('starts, then polls with If-None-Match while running: chunks on a timeline, throughput, ETA, hashes, until ready', async () => {
    const { requests, set } = server({ migration: migrationOf() });
    withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate />);
    await screen.findByTestId('preflight');
    fireEvent.click(screen.getByRole('button', { name: 'Start migration' }));
    await waitFor(() => expect(requests.find((r) => r.method === 'POST')?.body).toMatchObject({ dry_run: false }));
    await screen.findByTestId('migration-progress');
    expect(screen.getByRole('button', { name: 'Cancel migration' })).toBeTruthy();
    set(runningMigration(), runningChunks());
    expect((await screen.findByTestId('throughput', {}, { timeout: 4000 })).textContent).toBe('12.5k rows/s');
    expect(screen.getByTestId('eta').textContent).toBe('about 8 s left');
    expect(screen.getByTestId('chunks-done').textContent).toBe('2 of 4 chunks done');
    expect(screen.getByTestId('quarantined').textContent).toBe('3');
    const timeline = screen.getByTestId('chunk-timeline');
    expect(within(timeline).getByRole('img').querySelector('title')?.textContent).toBe('Chunk timeline: 2 of 4 chunks done');
    expect([...timeline.querySelectorAll('[data-strip-chunk]')].map((r) => r.getAttribute('data-status'))).toEqual(['done', 'done', 'leased', 'pending']);
    expect([...timeline.querySelectorAll('g[data-chunk]')].map((g) => g.getAttribute('data-chunk'))).toEqual(['0', '1', '2']);
    expect(timeline.querySelector('[data-quarantined]')?.getAttribute('data-quarantined')).toBe('3');
    expect(timeline.textContent).toContain('1 chunks not started');
    const row = document.querySelector('[data-chunk-row="1"]') as HTMLElement;
    expect(row.textContent).toContain('3 quarantined');
    expect(within(row).getByText('60303ae22b99').closest('[data-hash]')?.getAttribute('title')).toBe('60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752');
    expect(within(row).getByRole('button', { name: 'Copy the hash of chunk 1' })).toBeTruthy();
    expect(within(document.querySelector('[data-chunk-row="0"]') as HTMLElement).getByText('Checksum: passed')).toBeTruthy();
    expect(document.querySelector('[data-chunk-row="2"]')?.textContent).toContain('take over');
    // Unchanged reads are 304s: the ETag of the last answer goes back as If-None-Match.
    await waitFor(() => expect(migrationReads(requests).filter((r) => r.headers['If-None-Match']).length).toBeGreaterThanOrEqual(2), { timeout: 5000 });
    const tagged = migrationReads(requests).filter((r) => r.headers['If-None-Match']);
    expect(tagged.at(-1)?.headers['If-None-Match']).toMatch(/^"mig-\d+"$/);
    set(readyMigration(), doneChunks());
    expect(await screen.findByRole('button', { name: 'Promote to public.customers' }, { timeout: 5000 })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel migration' })).toBeNull();
    const reads = migrationReads(requests).length;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(migrationReads(requests).length).toBe(reads); // not polled once ready
  });

  it('cancels a running migration after a confirmation', async () => {
    const { requests } = server({ migration: runningMigration(), chunks: runningChunks() });
    withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate={false} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel migration' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('the final table is not touched');
    expect(requests.some((r) => r.url.endsWith('/cancel'))).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel migration' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST' && r.url.endsWith('/migration/cancel'))).toBe(true));
    expect(await screen.findByText(/The migration was cancelled/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Resume migration' }).hasAttribute('disabled')).toBe(false);
  });

  it('shows the validations and the quarantine with masked diffs; Retry and Release for can_migrate; the CSV', async () => {
    const { requests } = server({ migration: readyMigration(), chunks: doneChunks() });
    withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate />);
    const validations = await screen.findByTestId('validations');
    expect([...validations.querySelectorAll('li')].map((li) => [li.getAttribute('data-validation'), li.getAttribute('data-state')])).toEqual([
      ['row_count', 'passed'], ['checksum', 'passed']]);  // prettier-ignore
    expect(validations.textContent).toContain('117 out + 3 quarantined = 120 in');
    const quarantine = await screen.findByTestId('quarantine');
    expect(within(quarantine).getByTestId('quarantine-count').textContent).toBe('2 rows in quarantine');
    const first = quarantine.querySelector('[data-quarantine-row="41"]') as HTMLElement;
    expect(first.querySelector('[data-reason]')?.textContent).toBe('DSL_TYPE_CAST_FAILED');
    expect(first.querySelector('[data-diff-column="weight_kg"] del')?.textContent).toBe('heavy');
    expect(first.querySelector('[data-diff-column="weight_kg"] ins')?.textContent).toBe('NULL');
    expect(within(first).getByTestId('quarantine-key').textContent).toBe('{"customer_id":"10**"}');
    const second = quarantine.querySelector('[data-quarantine-row="42"]') as HTMLElement;
    expect(second.textContent).toContain('VALIDATION_NOT_NULL');
    expect(second.textContent).toContain('released');
    expect(within(second).queryByRole('button', { name: /Retry|Release/ })).toBeNull();
    expect(within(quarantine).getByRole('link', { name: 'Download CSV (masked)' }).getAttribute('href')).toBe(`${BASE}/migration/quarantine.csv`);
    expect(requests.find((r) => r.url.includes('/quarantine?'))?.url).toContain('page=0&page_size=20');
    fireEvent.click(within(first).getByRole('button', { name: 'Retry quarantined row 41' }));
    await waitFor(() => expect(requests.find((r) => r.url.endsWith('/quarantine/retry'))?.body).toEqual({ ids: [41] }));
    fireEvent.click(within(first).getByRole('button', { name: 'Release quarantined row 41' }));
    await waitFor(() => expect(requests.find((r) => r.url.endsWith('/quarantine/release'))?.body).toEqual({ ids: [41] }));
    fireEvent.click(within(quarantine).getByRole('button', { name: 'Retry all' }));
    await waitFor(() => expect(requests.filter((r) => r.url.endsWith('/quarantine/retry')).at(-1)?.body).toEqual({ ids: null }));
    // The whole row, before and after, the changed column marked.
    fireEvent.click(within(first).getByRole('button', { name: 'Show the whole row, before and after' }));
    const preview = await screen.findByTestId('quarantine-preview');
    expect(preview.querySelector('[data-changed="true"]')?.textContent).toContain('weight_kg');
    expect(preview.querySelector('[data-changed="true"] del')?.textContent).toBe('heavy'); // the diff's before
    expect([...preview.querySelectorAll(':scope > tbody > tr')].map((tr) => tr.getAttribute('data-changed'))).toEqual(['false', 'false', 'false', 'false', 'true']);
    await noAxeViolations(screen.getByTestId('migration-console'));
  });

  it('promotes only after a confirmation naming the final table, then links the dataset and rolls back', async () => {
    const { requests } = server({ migration: readyMigration(), chunks: doneChunks() });
    withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate />);
    fireEvent.click(await screen.findByRole('button', { name: 'Promote to public.customers' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Apply to public.customers?');
    expect(dialog.textContent).toContain('117 rows; 3 stay in quarantine');
    expect(requests.some((r) => r.url.endsWith('/promote'))).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Apply to public.customers' }));
    await waitFor(() => expect(requests.find((r) => r.url.endsWith('/migration/promote'))?.body).toEqual({ confirm: true }));
    const link = await screen.findByTestId('dataset-link');
    expect(link.getAttribute('href')).toBe('/explore/?datasource_type=table&datasource_id=31');
    expect(link.textContent).toBe('Open the dataset in Superset');
    expect(screen.getByTestId('start-blocked').getAttribute('data-block')).toBe('promoted');
    fireEvent.click(screen.getByRole('button', { name: 'Roll back the last promotion' }));
    const rollback = (await screen.findAllByRole('dialog')).find((d) => d.textContent?.includes('Roll back the last promotion of public.customers?'));
    fireEvent.click(within(rollback as HTMLElement).getByRole('button', { name: 'Roll back the last promotion' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST' && r.url.endsWith('/migration/rollback'))).toBe(true));
    expect(await screen.findByText('The last promotion of public.customers was rolled back.')).toBeTruthy();
  });

  it('without can_migrate: no Promote, Rollback, Retry or Release, and says which permission they need', async () => {
    server({ migration: readyMigration(), chunks: doneChunks() });
    const { unmount } = withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate={false} />);
    expect(await screen.findByText('Promoting needs can migrate on DatasetReview.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Promote/ })).toBeNull();
    await screen.findByTestId('quarantine-count');
    expect(screen.queryByRole('button', { name: /Retry|Release/ })).toBeNull();
    expect(screen.getByText('Retrying or releasing rows needs can migrate on DatasetReview.')).toBeTruthy();
    unmount();
    server({ migration: readyMigration({ state: 'promoted', dataset_id: 31 }), chunks: doneChunks() });
    withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate={false} />);
    expect(await screen.findByTestId('dataset-link')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Roll back the last promotion' })).toBeNull();
  });

  it('waits for every validation before Promote, and shows a failed migration with its reason', async () => {
    server({ migration: readyMigration({ validations: [{ check: 'fk_check', state: 'failed', detail: '3 orphans in orders.customer_id' }] }), chunks: doneChunks() });
    const { unmount } = withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate />);
    const promote = await screen.findByRole('button', { name: 'Promote to public.customers' });
    expect(promote.hasAttribute('disabled')).toBe(true);
    expect(screen.getByText('Promote waits until every validation passed.')).toBeTruthy();
    expect(screen.getByText('3 orphans in orders.customer_id')).toBeTruthy();
    unmount();
    server({ migration: runningMigration({ state: 'failed', error_code: 'MIGRATION_TRANSFORM_FAILED', message: '31% of the rows failed weight_kg' }), chunks: runningChunks() });
    withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate />);
    expect((await screen.findByTestId('migration-failed')).textContent).toContain('31% of the rows failed weight_kg (MIGRATION_TRANSFORM_FAILED)');
    expect(screen.queryByTestId('promote-gate')).toBeNull();
    expect(screen.getByRole('button', { name: 'Resume migration' }).hasAttribute('disabled')).toBe(false);
  });

  it('draws an empty timeline as a message, and speaks Russian', async () => {
    render(<ChunkTimeline chunks={[]} />);
    expect(screen.getByText('No chunks yet.')).toBeTruthy();
    setLanguage('ru');
    server({ migration: readyMigration(), chunks: doneChunks() });
    withApp(<MigrationConsole runId={RUN_ID} mode="data_mode" canMigrate />);
    expect(await screen.findByRole('button', { name: 'Применить к public.customers' })).toBeTruthy();
    expect(screen.getByText('Предварительные проверки')).toBeTruthy();
    expect(screen.getByTestId('chunks-done').textContent).toBe('готово порций: 4 из 4');
    expect(screen.getByTestId('strategy').textContent).toBe('ELT (SQL внутри базы данных)');
    expect((await screen.findByTestId('quarantine-count')).textContent).toBe('строк в карантине: 2');
    expect(screen.getByRole('button', { name: 'Повторить строку карантина 41' })).toBeTruthy();
  });
});

describe('the Migration tab of the run page', { timeout: 60_000 }, () => {
  it('is a tab of the run once its mapping ran, and gets can_migrate from the page', async () => {
    server({ migration: readyMigration(), chunks: doneChunks() });
    withApp(<RunView runId={RUN_ID} canMigrate />);
    const tab = await screen.findByRole('tab', { name: 'Migration' });
    expect(tab.getAttribute('aria-disabled')).not.toBe('true');
    fireEvent.click(tab);
    expect(await screen.findByRole('button', { name: 'Promote to public.customers' })).toBeTruthy();
    const element = document.createElement('main');
    element.dataset.page = 'onboarding_run';
    element.dataset.runId = RUN_ID;
    element.dataset.canMigrate = 'true';
    expect(pageInfo(element).canMigrate).toBe(true);
    element.dataset.canMigrate = 'false';
    expect(pageInfo(element).canMigrate).toBe(false);
  });
});
