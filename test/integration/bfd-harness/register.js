// Lets a child `node` run the TypeScript sources directly (node -r ./register.js file.ts), compiled with @swc/core.
// Used by the BFD agent, which must run inside a namespace as its own process.
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const swc = require('@swc/core');

if (!Module._extensions['.ts']) {
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
