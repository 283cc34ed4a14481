import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { setLanguage } from '../i18n';

// Vitest runs without globals, so Testing Library cannot register its own cleanup.
afterEach(() => {
  cleanup();
  setLanguage('en');
});

setLanguage('en');
