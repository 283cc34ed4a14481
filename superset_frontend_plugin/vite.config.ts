/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// One self-contained ES module, superset_review/static/dist/workspace.js, which the
// Jinja template superset_review/templates/dataset_review/workspace.html loads with a
// CSP nonce. React is bundled in; there is no code splitting and no CSS file (styles
// are inline style objects), so the module never has to load anything else.
export default defineConfig({
  root,
  base: '/dataset_review/static/dist/',
  publicDir: false,
  // Vite 8 transforms TS/JSX with Oxc; use the automatic JSX runtime (react/jsx-runtime).
  oxc: {
    jsx: { runtime: 'automatic' },
  },
  build: {
    outDir: '../superset_review/static/dist',
    emptyOutDir: true,
    target: 'es2020',
    minify: true,
    sourcemap: false,
    manifest: false,
    modulePreload: false,
    copyPublicDir: false,
    cssCodeSplit: false,
    assetsInlineLimit: Number.MAX_SAFE_INTEGER,
    reportCompressedSize: true,
    rolldownOptions: {
      input: 'src/main.tsx',
      output: {
        format: 'es',
        entryFileNames: 'workspace.js',
        codeSplitting: false,
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/__tests__/setup.ts'],
    unstubGlobals: true,
    restoreMocks: true,
  },
});
