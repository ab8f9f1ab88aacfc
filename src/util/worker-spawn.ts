// Starts a worker thread or a child Node process from compiled JavaScript, or from TypeScript sources in development
// and tests. No RFC: plumbing shared by the BFD process/worker and the probe worker. The TS path uses @swc/core.

import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** A script that installs a tiny require hook for .ts (unless one is inherited) and then loads `ts`. */
function tsBootstrap(ts: string): string {
  return `
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
}

/**
 * dist/ has `<base>.js` in `dir`. From sources (jest, or a daemon run through a TS loader) there is only
 * `<base>.ts`; the worker then compiles it through the hook above.
 */
export function spawnWorker(dir: string, base: string): Worker {
  const js = path.join(dir, `${base}.js`);
  if (fs.existsSync(js)) return new Worker(js);
  return new Worker(tsBootstrap(path.join(dir, `${base}.ts`)), { eval: true });
}

/** The node arguments that run `<base>` of `dir` in a child process: the compiled file, or the sources through swc. */
export function childArgs(dir: string, base: string): { execArgv: string[]; args: string[] } {
  const js = path.join(dir, `${base}.js`);
  if (fs.existsSync(js)) return { execArgv: [], args: [js] };
  return { execArgv: [], args: ['-e', tsBootstrap(path.join(dir, `${base}.ts`))] };
}
