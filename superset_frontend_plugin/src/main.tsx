import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { Workspace } from './workspace/Workspace';

export const ROOT_ID = 'dataset-review-root';

/** Render the workspace into #dataset-review-root; a page without that element is left alone. */
export function mount(doc: Document = document): Root | null {
  const element = doc.getElementById(ROOT_ID);
  if (!element) return null;
  const root = createRoot(element);
  root.render(
    <StrictMode>
      <Workspace />
    </StrictMode>,
  );
  return root;
}

/** The root this module mounted on load (null when the page has no #dataset-review-root). */
export const root = mount();
