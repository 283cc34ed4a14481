import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The entry-point script Superset's own pages load (templates/tail_js_custom_extra.html): tiny, no React.
export default defineConfig({
  root,
  publicDir: false,
  build: {
    outDir: '../superset_review/static/dist',
    emptyOutDir: false,
    target: 'es2020',
    minify: true,
    sourcemap: false,
    modulePreload: false,
    copyPublicDir: false,
    rolldownOptions: {
      input: 'src/entry.ts',
      output: { format: 'es', entryFileNames: 'entry.js', codeSplitting: false },
    },
  },
});
