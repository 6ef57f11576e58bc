import { defineConfig } from 'vite';

// Served by the API at /console (one origin: no CORS, no CDN). No React plugin:
// Vite's own transform compiles TSX with the automatic runtime; fast refresh is not needed here.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    // beside the compiled API (dist/apps/...), so whatever ships dist/ ships the console too
    outDir: '../../dist/console',
    emptyOutDir: true,
    // the initial-JS budget test reads it
    manifest: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    // `npm run console:dev`: the Vite dev server in front of the API on :3000
    proxy: { '/graphql': { target: 'http://127.0.0.1:3000', ws: true }, '/console/config.json': 'http://127.0.0.1:3000', '/console/dev': 'http://127.0.0.1:3000' },
  },
});
