import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfigService } from '#platform';

/** Where the IDE's files are served from (GET only; same origin as /graphql, so no CDN and no CORS). */
export const GRAPHIQL_ASSETS_PATH = '/graphiql-assets';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/**
 * The browser files of GraphiQL 3 and React 18, from the service's own node_modules (npm packages
 * installed with it): an offline machine or one behind a strict proxy gets the same IDE.
 */
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'react.production.min.js': { file: () => join(packageDir('react'), 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.production.min.js': { file: () => join(packageDir('react-dom'), 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.min.js': { file: () => join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { file: () => join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
};

/** The first tab: an example that works once the Authorization header is set. */
export const EXAMPLE_QUERY = `# Welcome to the coaching engagement service.
#
# Every operation but introspection needs a bearer token. Put it in the
# Headers tab below, as JSON:
#
#   {"Authorization": "Bearer <token>"}
#
# A token: \`npm run seed-demo\` prints the demo's tokens (coach, client, admin),
# or \`npm run token -- --practice demo-practice --role COACH --sub coach-mark\`.
# Then run this query with the play button (or Ctrl-Enter).

{
  engagements(first: 10) {
    edges {
      node {
        id
        title
        status
        client { name }
      }
    }
  }
}
`;

function page(): string {
  const asset = (name: string) => `${GRAPHIQL_ASSETS_PATH}/${name}`;
  // the query is embedded as JSON in a data attribute: no inline code beyond the start-up call
  const config = JSON.stringify({ url: '/graphql', query: EXAMPLE_QUERY }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>GraphiQL · coaching engagement service</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="${asset('graphiql.min.css')}">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="${asset('react.production.min.js')}"></script>
  <script src="${asset('react-dom.production.min.js')}"></script>
  <script src="${asset('graphiql.min.js')}"></script>
  <script>
    (function () {
      var config = ${config};
      var fetcher = GraphiQL.createFetcher({ url: config.url });
      ReactDOM.createRoot(document.getElementById('graphiql')).render(
        React.createElement(GraphiQL, {
          fetcher: fetcher,
          defaultQuery: config.query,
          defaultEditorToolsVisibility: 'headers',
          shouldPersistHeaders: true,
        }),
      );
    })();
  </script>
</body>
</html>
`;
}

/**
 * GraphiQL at GET /graphql (a browser asking for HTML) outside production, or when GRAPHQL_PLAYGROUND
 * says so. Mounted before Apollo's middleware, so Apollo's own landing page (which loads the IDE from a
 * public CDN) is never reached; every other request on /graphql goes on to Apollo.
 */
export function mountGraphiql(app: NestExpressApplication): boolean {
  const config = app.get(AppConfigService);
  const enabled = config.get('GRAPHQL_PLAYGROUND') ?? !config.isProduction;
  if (!enabled) return false;
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [name, { file, type }] of Object.entries(ASSETS)) files.set(name, { body: readFileSync(file()), type });
  const html = page();
  app.use(GRAPHIQL_ASSETS_PATH, (req: Request, res: Response, next: NextFunction) => {
    const found = req.method === 'GET' || req.method === 'HEAD' ? files.get(req.path.replace(/^\//, '')) : undefined;
    if (!found) return next();
    res.setHeader('Content-Type', `${found.type}; charset=utf-8`);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.end(req.method === 'HEAD' ? undefined : found.body);
  });
  app.use('/graphql', (req: Request, res: Response, next: NextFunction) => {
    const wantsHtml = req.method === 'GET' && req.path === '/' && (req.headers.accept ?? '').includes('text/html');
    if (!wantsHtml) return next();
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(html);
  });
  return true;
}
