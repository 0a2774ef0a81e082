import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The renderer: one index.html at the repo root, built into dist/renderer. `base: './'` keeps every
 * asset URL relative so the same build works under lathe://app/ (Electron) and http://127.0.0.1 (browser).
 * Nothing is fetched from outside: no CDN, no web fonts (system font stack in styles.css).
 */
export default defineConfig({
  root: '.',
  base: './',
  plugins: [react()],
  publicDir: false,
  build: {
    outDir: 'dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: { host: '127.0.0.1', strictPort: false },
});
