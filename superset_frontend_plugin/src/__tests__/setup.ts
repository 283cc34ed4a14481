import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { setLanguage } from '../i18n';

// jsdom has no matchMedia; Ant Design's responsive helpers ask it whether a breakpoint matches.
if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

// Vitest runs without globals, so Testing Library cannot register its own cleanup.
afterEach(() => {
  cleanup();
  setLanguage('en');
});

setLanguage('en');
