// Starts a worker thread from compiled JavaScript, or from TypeScript sources in development and tests.
// No RFC: plumbing shared by the BFD and probe workers. The TypeScript path compiles with @swc/core (a devDependency).

import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * dist/ has `<base>.js` in `dir`. From sources (jest, or a daemon run through a TS loader) there is only
 * `<base>.ts`; the worker then installs a tiny require hook for .ts, unless one is already inherited.
 */
export function spawnWorker(dir: string, base: string): Worker {
  const js = path.join(dir, `${base}.js`);
  if (fs.existsSync(js)) return new Worker(js);
  const ts = path.join(dir, `${base}.ts`);
  const bootstrap = `
    const Module = require('node:module');
    const fs = require('node:fs');
    if (!Module._extensions['.ts']) {
      const swc = require(${JSON.stringify(require.resolve('@swc/core'))});
      Module._extensions['.ts'] = (m, filename) => {
        const out = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
          filename,
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        });
        m._compile(out.code, filename);
      };
    }
    require(${JSON.stringify(ts)});
  `;
  return new Worker(bootstrap, { eval: true });
}
