import { act } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, okReport } from './fixtures';

describe('main', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    vi.resetModules();
  });

  // Its import is the first of the whole app (workspace, Domain Studio, safe views, admin pages): seconds when busy.
  it('does nothing when #dataset-review-root is missing', { timeout: 30_000 }, async () => {
    const fetchMock = vi.fn<typeof fetch>();
    vi.stubGlobal('fetch', fetchMock);
    const main = await import('../main');
    expect(main.root).toBeNull();
    expect(main.mount()).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  // The first import of the whole app (workspace and Domain Studio) is transformed on the fly: seconds on a busy machine.
  it('mounts the health page into #dataset-review-root', { timeout: 30_000 }, async () => {
    document.body.innerHTML = '<main id="dataset-review-root"><noscript>needs JS</noscript></main>';
    // StrictMode runs the effect twice: every call needs a fresh Response (a body reads once).
    vi.stubGlobal('fetch', vi.fn<typeof fetch>(async () => jsonResponse(okReport)));
    let main!: typeof import('../main');
    await act(async () => {
      main = await import('../main');
    });
    expect(main.root).not.toBeNull();
    const element = document.getElementById('dataset-review-root')!;
    await vi.waitFor(() => expect(element.querySelector('table')).not.toBeNull());
    expect(element.querySelector('h1')?.textContent).toBe('Dataset Review');
    expect(element.querySelector('noscript')).toBeNull();
    act(() => main.root?.unmount());
  });
});
