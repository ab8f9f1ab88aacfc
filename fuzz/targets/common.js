// Shared by the fuzz targets: load bgpfo's compiled code (dist/), and record a finding before the fuzzer stops.
// An exception escaping a check is a finding: the input goes to fuzz/out/findings/TARGET/crash-SHA1 with the error
// beside it (stock libFuzzer cannot write it for Jazzer.js: native/print_crashing_input.cpp), and the run stops (77).
'use strict';
const { createHash } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
/** Under Jest (the findings replay test) the TypeScript sources, under the fuzzer the compiled dist/. */
const UNDER_JEST = process.env.JEST_WORKER_ID !== undefined;
const dist = (p) => require(UNDER_JEST ? join(ROOT, 'src', p.replace(/\.js$/, '')) : join(ROOT, 'dist', p));

/** The fuzz entry for `check(data)`: an escaping exception is a finding (written, then the run stops). */
function target(name, check) {
  return (data) => {
    try {
      check(data);
    } catch (e) {
      const dir = join(ROOT, 'fuzz', 'out', 'findings', name);
      mkdirSync(dir, { recursive: true });
      const sha = createHash('sha1').update(data).digest('hex');
      writeFileSync(join(dir, `crash-${sha}`), data);
      writeFileSync(join(dir, `crash-${sha}.txt`), `${e && e.stack ? e.stack : String(e)}\n`);
      process.stderr.write(`\n== bgpfo fuzz finding: ${join(dir, `crash-${sha}`)}\n${e && e.stack ? e.stack : String(e)}\n`);
      // Stop here: Jazzer.js's sync mode relies on its libFuzzer fork to stop after a finding, stock libFuzzer does not.
      process.exit(77);
    }
  };
}

/** Throws unless `e` is one of the error classes a decoder or loader may throw for bad input. */
function expectOnly(e, ...classes) {
  if (classes.some((c) => e instanceof c)) return;
  throw e;
}

/** Deep equality of plain decoded values (Uint8Array compared by bytes). */
function same(a, b) {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => same(a[k], b[k]));
  }
  return Object.is(a, b);
}

module.exports = { ROOT, dist, target, expectOnly, same };
