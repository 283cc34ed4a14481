import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, call, looksLikeSource } from '../workspace/client';
import { reducer } from '../workspace/useSession';
import { StartForm } from '../workspace/Workspace';
import { decorateDatasetList } from '../entry';
import { setLanguage } from '../i18n';

afterEach(() => {
  setLanguage('en');
  window.history.pushState({}, '', '/');
});

describe('looksLikeSource', () => {
  it.each([
    ['42', true],
    ['http://superset:8088/superset/dashboard/7/?native_filters_key=abc', true],
    ['/explore/?slice_id=3', true],
    ['/sqllab/p/xyz/', true],
    ['/dataset/12', true],
    ['https://example.com/other', false],
    ['', false],
    ['drop table x', false],
  ])('%s -> %s', (text, expected) => {
    expect(looksLikeSource(text)).toBe(expected);
  });
});

describe('reducer', () => {
  const session = { id: 1, version: 3 } as never;
  it('keeps the session when an action fails, and clears the error on the next success', () => {
    const loaded = reducer({ session: null, busy: null, error: null }, { type: 'loaded', session });
    const busy = reducer(loaded, { type: 'busy', action: 'preview' });
    expect(busy.busy).toBe('preview');
    const failed = reducer(busy, { type: 'failed', error: new ApiError('changed', 409, 'SESSION_CHANGED') });
    expect(failed.session).toBe(session);
    expect(failed.error?.status).toBe(409);
    expect(failed.busy).toBeNull();
    expect(reducer(failed, { type: 'loaded', session }).error).toBeNull();
  });
});

describe('call', () => {
  it('sends the CSRF token on writes and turns an error answer into an ApiError with its code', async () => {
    const fetchImpl = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      if (String(url).includes('csrf_token')) return new Response(JSON.stringify({ result: 'tok' }));
      expect((init?.headers as Record<string, string>)['X-CSRFToken']).toBe('tok');
      return new Response(JSON.stringify({ message: 'stale', error_code: 'SESSION_CHANGED' }), { status: 409 });
    });
    await expect(call('POST', '/x', { version: 1 }, fetchImpl as typeof fetch)).rejects.toMatchObject({
      status: 409,
      code: 'SESSION_CHANGED',
      message: 'stale',
    });
  });

  it('reports a lost connection as NETWORK', async () => {
    const fetchImpl = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(call('GET', '/x', undefined, fetchImpl as typeof fetch)).rejects.toMatchObject({ code: 'NETWORK' });
  });
});

describe('StartForm', () => {
  // The file's first antd render: seconds on a machine shared with other test runs.
  it('validates as you type and keeps the link when the server refuses it', { timeout: 20_000 }, async () => {
    window.history.pushState({}, '', '/dataset_review/?source=not-a-link');
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: RequestInfo | URL) =>
        String(url).includes('csrf')
          ? new Response(JSON.stringify({ result: 't' }))
          : new Response(JSON.stringify({ message: 'Dashboard 9 does not exist (deleted?).' }), { status: 404 }),
      ),
    );
    const started = vi.fn();
    render(<StartForm onStarted={started} />);
    const input = screen.getByLabelText('Superset link or dataset id') as HTMLInputElement;
    expect(screen.getByText('This does not look like a Superset link or a dataset id')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Start review' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input, { target: { value: '/superset/dashboard/9/' } });
    const button = screen.getByRole('button', { name: 'Start review' }) as HTMLButtonElement;
    expect(button.disabled).toBe(false);
    fireEvent.click(button);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('does not exist'));
    expect(input.value).toBe('/superset/dashboard/9/');
    expect(started).not.toHaveBeenCalled();
  });
});

describe('entry points', () => {
  it('adds one Review, Domains, AI-safe view and Onboard data link per dataset row, idempotently', () => {
    document.body.innerHTML = `
      <div><a href="/explore/?datasource_type=table&datasource_id=3">orders</a></div>
      <div><a href="/explore/?datasource_type=table&datasource_id=4">customers</a></div>
      <div><a href="/explore/?datasource_type=table&datasource_id=x">bad</a></div>`;
    expect(decorateDatasetList(document)).toBe(2);
    expect(decorateDatasetList(document)).toBe(0);
    const links = [...document.querySelectorAll('a[data-dataset-review]')].map((a) => a.getAttribute('href'));
    expect(links).toEqual([
      '/dataset_review/?source=3', '/dataset_review/domains/3', '/dataset_review/safe_views/new/3', '/dataset_review/onboarding/new/3',
      '/dataset_review/?source=4', '/dataset_review/domains/4', '/dataset_review/safe_views/new/4', '/dataset_review/onboarding/new/4',
    ]);  // prettier-ignore
    expect(document.querySelector('[data-dataset-review="dataset-domains"]')?.textContent).toBe('Domains');
    expect(document.querySelector('[data-dataset-review="dataset-safe-view"]')?.textContent).toBe('AI-safe view');
    expect(document.querySelector('[data-dataset-review="dataset-onboard"]')?.textContent).toBe('Onboard data');
  });
});

describe('menu entry points', () => {
  it('adds Review to the dashboard actions menu and to the Explore dataset menu, once each', async () => {
    const { decorateMenus } = await import('../entry');
    document.body.innerHTML = `
      <ul data-test="header-actions-menu" role="menu"><li role="menuitem">Refresh dashboard</li></ul>
      <ul role="menu"><li role="menuitem" data-test="edit-dataset">Edit dataset</li></ul>`;
    window.history.pushState({}, '', '/superset/dashboard/1/?native_filters_key=abc');
    expect(decorateMenus(document)).toBe(2);
    expect(decorateMenus(document)).toBe(0);
    const dashboard = document.querySelector('[data-dataset-review="dashboard-menu"] a') as HTMLAnchorElement;
    expect(dashboard.textContent).toBe('Review');
    window.history.pushState({}, '', '/superset/dashboard/1/?native_filters_key=changed');
    dashboard.dispatchEvent(new MouseEvent('mousedown'));
    expect(decodeURIComponent(dashboard.href)).toContain('native_filters_key=changed');
    expect(document.querySelector('[data-dataset-review="explore-menu"] a')?.textContent).toBe('Review dataset');
  });
});

describe('menu keyboard', () => {
  const menu = () => {
    document.body.innerHTML = `
      <ul data-test="header-actions-menu" role="menu">
        <li role="menuitem" id="first"><a href="#1">Refresh</a></li>
        <li role="menuitem" id="last"><a href="#2">Download</a></li>
      </ul>`;
    return document.querySelector('ul') as HTMLElement;
  };

  it.each([
    ['ArrowDown', 'last', 'ours'],
    ['ArrowUp', 'first', 'ours'],
    ['End', 'first', 'ours'],
    ['ArrowDown', 'ours', 'first'],
    ['ArrowUp', 'ours', 'last'],
    ['Home', 'ours', 'first'],
    ['ArrowDown', 'first', null],
    ['ArrowUp', 'last', null],
  ] as const)('%s from %s goes to %s', async (key, from, to) => {
    const { nextInMenu } = await import('../entry');
    const ul = menu();
    const ours = document.createElement('li');
    ours.innerHTML = '<a href="#review">Review</a>';
    ul.appendChild(ours);
    const items = Array.from(ul.querySelectorAll<HTMLElement>(':scope > li'));
    const element = (name: string) => (name === 'ours' ? ours : (document.getElementById(name) as HTMLElement));
    const focused = element(from).querySelector('a');
    expect(nextInMenu(items, ours, focused, key)).toBe(to === null ? null : element(to));
  });

  it("moves the focus onto the injected item before Superset's menu sees the key", async () => {
    const { decorateMenus } = await import('../entry');
    const ul = menu();
    const seenByMenu: string[] = [];
    ul.addEventListener('keydown', (event) => seenByMenu.push(event.key)); // rc-menu listens in the bubble phase
    decorateMenus(document);
    (document.querySelector('#last a') as HTMLElement).focus();
    document.activeElement?.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    expect(document.activeElement?.closest('[data-dataset-review]')?.getAttribute('data-dataset-review')).toBe('dashboard-menu');
    expect(seenByMenu).toEqual([]);
    document.activeElement?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true }));
    expect(seenByMenu).toEqual(['Tab']);
  });
});

describe('jump to a finding\'s target', () => {
  it.each([
    ['column', 'sales', ['sales'], 'semantics'],
    ['column', 'sales', [], 'summary'],
    ['variable', 'deal_size', [], 'mappings'],
    ['filter', 'Country', [], 'summary'],
    ['sql', null, [], 'preview'],
    ['dataset', null, [], 'summary'],
  ] as const)('a %s target (%s) is shown in %s', async (kind, target, semanticColumns, tab) => {
    const { tabOfTarget, targetId } = await import('../workspace/SessionView');
    expect(tabOfTarget({ target_kind: kind, target }, new Set(semanticColumns))).toBe(tab);
    expect(targetId('summary', 'column', 'a b/c')).toBe('review-target-summary-column-a%20b%2Fc');
  });
});

describe('server values', () => {
  it('are labelled in the page language, and unknown ones stay readable', async () => {
    const { label } = await import('../i18n');
    expect(label('state', 'run_ready')).toBe('Ready to run');
    setLanguage('ru');
    expect(label('state', 'run_ready')).toBe('Готово к запуску');
    expect(label('approval', 'pending')).toBe('ожидает');
    expect(label('state', 'some_new_state')).toBe('some new state');
  });
});
