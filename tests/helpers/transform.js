/**
 * Jest's transform for TypeScript (and the ESM-only packages it must load, such as jose):
 * esbuild, which the tests' child processes and `npm run dev` already run through tsx,
 * transpiling each file on its own to CommonJS, every module strict as TypeScript emits it.
 * Type checking is `npm run typecheck`.
 */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { transformSync, version } = require('esbuild');

const self = createHash('sha256').update(readFileSync(__filename)).update(version).digest('hex');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'es2022',
      platform: 'node',
      sourcefile: filename,
      sourcemap: true,
      // As TypeScript's CommonJS output: a write to a frozen record throws.
      banner: '"use strict";',
    });
    return { code, map };
  },
  getCacheKey(source, filename, options) {
    return createHash('sha256').update(self).update(filename).update('\0').update(source).update('\0').update(options.configString).digest('hex');
  },
};
