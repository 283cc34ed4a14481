import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { DomainStudioPage } from './domains/DomainStudioPage';
import { Workspace } from './workspace/Workspace';

export const ROOT_ID = 'dataset-review-root';

/** What the server says about the page on the root element (views.py): which page, and what the user may do. */
export interface PageInfo {
  page: 'workspace' | 'domains';
  datasetId: number | null;
  datasetName: string | null;
  canCurate: boolean;
}

export function pageInfo(element: HTMLElement | null): PageInfo {
  const data = element?.dataset ?? {};
  const id = data.datasetId && /^\d+$/.test(data.datasetId) ? Number(data.datasetId) : null;
  return {
    page: data.page === 'domains' && id !== null ? 'domains' : 'workspace',
    datasetId: id,
    datasetName: data.datasetName ?? null,
    canCurate: data.canCurate === 'true',
  };
}

/**
 * Superset's app renders its navbar above this page (into #app) and moves among its own pages with
 * history.pushState, rendering the next page into #app above ours. A move to another path is made a real navigation
 * instead, so the user lands on Superset's page, whole. Moves within the page (the workspace's ?session=) stay.
 */
export function keepNavigationWhole(win: Window = window): void {
  const history = win.history as History & { datasetReviewWhole?: true };
  if (history.datasetReviewWhole) return;
  history.datasetReviewWhole = true;
  const push = history.pushState.bind(history);
  history.pushState = (state: unknown, unused: string, url?: string | URL | null) => {
    if (url != null) {
      const target = new URL(String(url), win.location.href);
      if (target.origin === win.location.origin && target.pathname !== win.location.pathname) {
        win.location.assign(target.href);
        return;
      }
    }
    push(state, unused, url);
  };
}

/** Render the workspace (or a dataset's Domain Studio page) into #dataset-review-root; a page without that element
 * is left alone. */
export function mount(doc: Document = document): Root | null {
  const element = doc.getElementById(ROOT_ID);
  if (!element) return null;
  const info = pageInfo(element);
  keepNavigationWhole(doc.defaultView ?? window);
  const root = createRoot(element);
  root.render(
    <StrictMode>
      {info.page === 'domains' && info.datasetId !== null ? (
        <DomainStudioPage datasetId={info.datasetId} datasetName={info.datasetName} canCurate={info.canCurate} />
      ) : (
        <Workspace canCurate={info.canCurate} />
      )}
    </StrictMode>,
  );
  return root;
}

/** The root this module mounted on load (null when the page has no #dataset-review-root). */
export const root = mount();
