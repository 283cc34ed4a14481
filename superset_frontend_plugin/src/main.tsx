import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { JournalPage, ToolAuditPage } from './admin/AdminPages';
import { DomainStudioPage } from './domains/DomainStudioPage';
import { RunPage, RunsPage } from './onboarding/OnboardingPages';
import { NewSafeViewPage, SafeViewPageFrame } from './safe_views/SafeViewPages';
import { Workspace } from './workspace/Workspace';

export const ROOT_ID = 'dataset-review-root';

/** What the server says about the page on the root element (views.py): which page, and what the user may do. */
export type Page =
  | 'workspace' | 'domains' | 'safe_view_new' | 'safe_view' | 'admin_tools' | 'admin_journal' | 'onboarding' | 'onboarding_run';  // prettier-ignore

export interface PageInfo {
  page: Page;
  datasetId: number | null;
  datasetName: string | null;
  canCurate: boolean;
  canAdmin?: boolean;
  /** can_migrate on DatasetReview: the Migration Console offers Promote, Rollback, Retry and Release only then. */
  canMigrate?: boolean;
  viewId?: number | null;
  viewName?: string | null;
  /** An onboarding run's id (a ULID) and name. */
  runId?: string | null;
  runName?: string | null;
}

const idOf = (value: string | undefined) => (value && /^\d+$/.test(value) ? Number(value) : null);
const ulidOf = (value: string | undefined) => (value && /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value) ? value : null);

/** The page named on the root element, when what it needs is there (a dataset, a view); the workspace otherwise. */
function pageOf(page: string | undefined, datasetId: number | null, viewId: number | null, runId: string | null): Page {
  if ((page === 'domains' || page === 'safe_view_new') && datasetId !== null) return page;
  if (page === 'safe_view' && viewId !== null) return page;
  if (page === 'onboarding_run' && runId !== null) return page;
  if (page === 'admin_tools' || page === 'admin_journal' || page === 'onboarding') return page;
  return 'workspace';
}

export function pageInfo(element: HTMLElement | null): PageInfo {
  const data = element?.dataset ?? {};
  const id = idOf(data.datasetId);
  const info: PageInfo = {
    page: pageOf(data.page, id, idOf(data.viewId), ulidOf(data.runId)),
    datasetId: id,
    datasetName: data.datasetName ?? null,
    canCurate: data.canCurate === 'true',
  };
  if (data.canAdmin !== undefined) info.canAdmin = data.canAdmin === 'true';
  if (data.canMigrate !== undefined) info.canMigrate = data.canMigrate === 'true';
  if (data.viewId !== undefined) {
    info.viewId = idOf(data.viewId);
    info.viewName = data.viewName ?? null;
  }
  if (data.runId !== undefined) {
    info.runId = ulidOf(data.runId);
    info.runName = data.runName ?? null;
  }
  return info;
}

function PageOf({ info }: { info: PageInfo }) {
  switch (info.page) {
    case 'domains':
      return <DomainStudioPage datasetId={info.datasetId ?? 0} datasetName={info.datasetName} canCurate={info.canCurate} />;
    case 'safe_view_new':
      return <NewSafeViewPage datasetId={info.datasetId ?? 0} datasetName={info.datasetName} />;
    case 'safe_view':
      return <SafeViewPageFrame viewId={info.viewId ?? 0} viewName={info.viewName ?? null} datasetName={info.datasetName} />;
    case 'onboarding':
      return <RunsPage targetDatasetId={info.datasetId} targetName={info.datasetName} />;
    case 'onboarding_run':
      return <RunPage runId={info.runId ?? ''} runName={info.runName ?? null} canMigrate={info.canMigrate ?? false} />;
    case 'admin_tools':
      return <ToolAuditPage />;
    case 'admin_journal':
      return <JournalPage />;
    default:
      return <Workspace canCurate={info.canCurate} canAdmin={info.canAdmin ?? false} />;
  }
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

/** Render the workspace (or the page the root element names: Domain Studio, a safe view, an admin page) into #dataset-review-root; a page without that element
 * is left alone. */
export function mount(doc: Document = document): Root | null {
  const element = doc.getElementById(ROOT_ID);
  if (!element) return null;
  const info = pageInfo(element);
  keepNavigationWhole(doc.defaultView ?? window);
  const root = createRoot(element);
  root.render(
    <StrictMode>
      <PageOf info={info} />
    </StrictMode>,
  );
  return root;
}

/** The root this module mounted on load (null when the page has no #dataset-review-root). */
export const root = mount();
