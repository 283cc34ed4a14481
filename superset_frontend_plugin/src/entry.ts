// Entry points into Superset's own pages (dataset list, dashboards, Explore, SQL Lab), loaded on every Superset
// page through the template tail_js_custom_extra.html. It only adds links: any failure here is caught and leaves
// Superset's page exactly as it was. The server includes it only for users holding can_read on DatasetReview.

import { pageLanguage } from './locale';

export const WORKSPACE = '/dataset_review/';
/** A dataset's Domain Studio page (superset_review/extension/views.py). */
export const domainStudioUrl = (datasetId: string) => `${WORKSPACE}domains/${encodeURIComponent(datasetId)}`;
/** The AI-safe view builder on a dataset. */
export const safeViewUrl = (datasetId: string) => `${WORKSPACE}safe_views/new/${encodeURIComponent(datasetId)}`;
/** Start an onboarding run into a dataset (its target filled in). */
export const onboardUrl = (datasetId: string) => `${WORKSPACE}onboarding/new/${encodeURIComponent(datasetId)}`;
const MARK = 'data-dataset-review';

function reviewUrl(source: string): string {
  return `${WORKSPACE}?source=${encodeURIComponent(source)}`;
}

const WORDS = {
  en: { dataset: 'Review dataset', dashboard: 'Review', domains: 'Domains', safeView: 'AI-safe view', onboard: 'Onboard data' },
  ru: {
    dataset: 'Ревью датасета', dashboard: 'Ревью', domains: 'Домены', safeView: 'AI-безопасное представление',
    onboard: 'Загрузить данные',
  },
} as const;

let language: keyof typeof WORDS | undefined; // read once: the bootstrap data does not change under a page

function label(what: keyof (typeof WORDS)['en'] = 'dataset'): string {
  language ??= pageLanguage(['en', 'ru'] as const, 'en');
  return WORDS[language][what];
}

function link(href: string, text: string, kind: string): HTMLAnchorElement {
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.textContent = text;
  anchor.setAttribute(MARK, kind);
  anchor.setAttribute('aria-label', text);
  anchor.style.cssText =
    'margin-left:8px;padding:2px 8px;border:1px solid #156378;border-radius:4px;color:#156378;' +
    'font-size:12px;white-space:nowrap;text-decoration:none;background:#fff;';
  return anchor;
}

/** Dataset list: a "Review dataset" link, a "Domains" link (its Domain Studio), an "AI-safe view" link (the view
 * builder) and an "Onboard data" link (Start a run into it) beside each dataset's name (rows link to Explore with
 * datasource_id). */
export function decorateDatasetList(root: ParentNode): number {
  let added = 0;
  root.querySelectorAll<HTMLAnchorElement>('a[href*="datasource_id="]').forEach((anchor) => {
    const parent = anchor.parentElement;
    if (!parent || parent.querySelector(`[${MARK}="dataset-row"]`)) return;
    const id = new URL(anchor.href, window.location.origin).searchParams.get('datasource_id');
    if (!id || !/^\d+$/.test(id)) return;
    parent.appendChild(link(reviewUrl(id), label(), 'dataset-row'));
    parent.appendChild(link(domainStudioUrl(id), label('domains'), 'dataset-domains'));
    parent.appendChild(link(safeViewUrl(id), label('safeView'), 'dataset-safe-view'));
    parent.appendChild(link(onboardUrl(id), label('onboard'), 'dataset-onboard'));
    added += 1;
  });
  return added;
}

/** Point `anchor` at the review of the page as it is when used: Superset rewrites its URL as filters change (a new
 * native_filters_key, form_data_key). */
function followPage(anchor: HTMLAnchorElement): void {
  const refresh = () => {
    anchor.href = reviewUrl(window.location.href);
  };
  refresh();
  anchor.addEventListener('mousedown', refresh);
  anchor.addEventListener('focus', refresh);
}

/** A menu item of Superset's own dropdown menus (Ant Design's markup), linking to the review of the page. */
function menuItem(text: string, kind: string): HTMLLIElement {
  const item = document.createElement('li');
  item.className = 'ant-dropdown-menu-item ant-dropdown-menu-item-only-child';
  item.setAttribute('role', 'menuitem');
  item.setAttribute(MARK, kind);
  const title = document.createElement('span');
  title.className = 'ant-dropdown-menu-title-content';
  const anchor = document.createElement('a');
  anchor.textContent = text;
  followPage(anchor);
  title.appendChild(anchor);
  item.appendChild(title);
  return item;
}

type MenuKey = 'ArrowDown' | 'ArrowUp' | 'Home' | 'End';

/** Where the focus goes from `focused` on `key`, or null to leave the key to the menu. */
export function nextInMenu(items: HTMLElement[], ours: HTMLElement, focused: Element | null, key: MenuKey): HTMLElement | null {
  const native = items.filter((item) => item !== ours);
  const first = native[0];
  const last = native[native.length - 1];
  if (!first || !last || !focused) return null;
  if (ours.contains(focused)) {
    return key === 'ArrowUp' ? last : key === 'ArrowDown' || key === 'Home' ? first : null;
  }
  if ((key === 'ArrowDown' && last.contains(focused)) || (key === 'ArrowUp' && first.contains(focused))) return ours;
  return key === 'End' ? ours : null;
}

/** Superset's menus move the focus with the arrow keys among the items they rendered themselves (rc-menu keeps its
 * own list), so our item is joined to that ring: after the last item, before the first, and on End. */
function joinKeyboard(menu: HTMLElement, ours: HTMLLIElement): void {
  const anchor = ours.querySelector('a');
  if (anchor) anchor.tabIndex = -1; // reached with the arrow keys, like the menu's own items
  menu.addEventListener(
    'keydown',
    (event) => {
      if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return;
      const items = Array.from(menu.querySelectorAll<HTMLElement>(':scope > li[role="menuitem"]'));
      const target = nextInMenu(items, ours, document.activeElement, event.key as MenuKey);
      if (!target) return;
      event.preventDefault();
      event.stopPropagation(); // before rc-menu's handler (React listens at its root), which would move it again
      (target.querySelector<HTMLElement>('a') ?? target).focus();
    },
    true,
  );
}

/** Append our item to one of Superset's menus, reachable with the mouse and the keyboard. */
function extendMenu(menu: HTMLElement, text: string, kind: string): void {
  const item = menuItem(text, kind);
  menu.appendChild(item);
  joinKeyboard(menu, item);
}

/** Dashboards: "Review" in the header's actions menu; Explore: "Review dataset" in the dataset's menu. Both carry
 * the page's current URL (its filter state key, form-data key or permalink) into the review. */
export function decorateMenus(doc: Document): number {
  let added = 0;
  const dashboardMenu = doc.querySelector('ul[data-test="header-actions-menu"]');
  if (dashboardMenu && !dashboardMenu.querySelector(`[${MARK}]`)) {
    extendMenu(dashboardMenu as HTMLElement, label('dashboard'), 'dashboard-menu');
    added += 1;
  }
  const editDataset = doc.querySelector('ul[role="menu"] > li[data-test="edit-dataset"]');
  const datasetMenu = editDataset?.parentElement;
  if (datasetMenu && !datasetMenu.querySelector(`[${MARK}]`)) {
    extendMenu(datasetMenu, label(), 'explore-menu');
    added += 1;
  }
  return added;
}

/** SQL Lab has no menu of its own to extend: a "Review dataset" button carries the tab's URL. */
export function decorateSqlLab(doc: Document): boolean {
  if (!window.location.pathname.startsWith('/sqllab') || doc.querySelector(`[${MARK}="page"]`)) return false;
  const button = link(reviewUrl(window.location.href), label(), 'page');
  button.style.cssText +=
    'position:fixed;right:16px;bottom:16px;z-index:1000;padding:6px 12px;font-size:13px;box-shadow:0 1px 4px #0003;';
  followPage(button);
  doc.body.appendChild(button);
  return true;
}

/** Milliseconds this script has spent on the page so far (read by `make bench`). */
export const spent = { ms: 0 };

export function start(doc: Document = document): void {
  try {
    const run = () => {
      const began = performance.now();
      try {
        if (window.location.pathname.startsWith('/tablemodelview/list')) decorateDatasetList(doc);
        decorateMenus(doc);
        decorateSqlLab(doc);
      } catch {
        // Superset's DOM changed: the page keeps working, only our links are missing.
      }
      spent.ms += performance.now() - began;
    };
    run();
    new MutationObserver(run).observe(doc.body, { childList: true, subtree: true });
  } catch {
    // Never let the extension break Superset's page.
  }
}

const global = window as unknown as { __datasetReviewEntry?: typeof spent };
if (typeof window !== 'undefined' && !global.__datasetReviewEntry) {
  global.__datasetReviewEntry = spent;
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => start());
  else start();
}
