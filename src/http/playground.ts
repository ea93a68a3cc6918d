import path from 'node:path';
import { Router } from 'express';
import { packageRoot } from '../paths';

/** Files the page loads, all from the project's own installed packages: no CDN. */
function assets(): Record<string, string> {
  const dir = (pkg: string) => path.dirname(require.resolve(`${pkg}/package.json`, { paths: [packageRoot()] }));
  const own = path.join(packageRoot(), 'src', 'playground');
  return {
    'graphiql.min.js': path.join(dir('graphiql'), 'graphiql.min.js'),
    'graphiql.min.css': path.join(dir('graphiql'), 'graphiql.min.css'),
    'react.production.min.js': path.join(path.dirname(require.resolve('react', { paths: [packageRoot()] })), 'umd', 'react.production.min.js'),
    'react-dom.production.min.js': path.join(path.dirname(require.resolve('react-dom', { paths: [packageRoot()] })), 'umd', 'react-dom.production.min.js'),
    'playground.js': path.join(own, 'playground.js'),
    'playground.css': path.join(own, 'playground.css'),
    'index.html': path.join(own, 'index.html'),
  };
}

/**
 * The development playground: `GET /graphql` from a browser (HTML accepted, no query
 * in the URL) serves GraphiQL; its scripts come from `/playground/*`. Not mounted in
 * production.
 */
export function createPlaygroundRouter(): Router {
  const files = assets();
  const router = Router();
  router.get('/graphql', (req, res, next) => {
    const wantsHtml = req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
    if (!wantsHtml || req.query.query !== undefined) return next();
    res.sendFile(files['index.html'] as string);
  });
  router.get('/playground/:file', (req, res, next) => {
    const file = files[req.params.file];
    if (!file || req.params.file === 'index.html') return next();
    res.sendFile(file, { maxAge: '1h' });
  });
  return router;
}

