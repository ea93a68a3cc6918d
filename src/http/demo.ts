import path from 'node:path';
import { Router } from 'express';
import { packageRoot } from '../paths';

/**
 * A demonstration portal (development only): pick a persona, open a form, see it
 * prefilled with locked fields and provenance, submit it to verifyPrefill. It calls
 * the GraphQL API exactly as a portal would.
 */
export function createDemoRouter(): Router {
  const dir = path.join(packageRoot(), 'src', 'demo');
  const files: Record<string, string> = { 'demo.js': 'demo.js', 'demo.css': 'demo.css' };
  const router = Router();
  router.get(['/demo', '/demo/'], (_req, res) => {
    res.sendFile(path.join(dir, 'index.html'));
  });
  router.get('/demo/:file', (req, res, next) => {
    const file = files[req.params.file];
    if (!file) return next();
    res.sendFile(path.join(dir, file));
  });
  return router;
}
