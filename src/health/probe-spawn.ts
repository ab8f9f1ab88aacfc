// Starts the probe worker thread from compiled JavaScript, or from TypeScript sources in development and tests.
// No RFC: plumbing, the same approach as src/bfd/spawn.ts (TypeScript compiled by @swc/core inside the worker).

import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export function spawnProbeWorker(): Worker {
  const js = path.join(__dirname, 'probe-worker.js');
  if (fs.existsSync(js)) return new Worker(js);
  const ts = path.join(__dirname, 'probe-worker.ts');
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
