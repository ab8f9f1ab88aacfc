// The runtime dependencies of bgpfo from package-lock.json: `prune DIR` deletes DIR/node_modules entries that
// only devDependencies need; `list DIR` prints the ones kept. Plain Node, no npm: it runs inside an image build.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function runtimePackages(dir) {
  const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
  const keep = [];
  const drop = [];
  for (const [key, meta] of Object.entries(lock.packages || {})) {
    if (!key.startsWith('node_modules/')) continue;
    (meta.dev || meta.devOptional ? drop : keep).push(key);
  }
  return { keep, drop };
}

const [cmd, dir] = process.argv.slice(2);
if (!['prune', 'list'].includes(cmd) || !dir) {
  process.stderr.write('usage: node runtime-deps.js prune|list DIR (DIR holds package-lock.json and node_modules)\n');
  process.exit(2);
}
const { keep, drop } = runtimePackages(dir);
if (cmd === 'list') process.stdout.write(keep.join('\n') + '\n');
else {
  for (const key of drop) fs.rmSync(path.join(dir, key), { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'node_modules', '.bin'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'node_modules', '.cache'), { recursive: true, force: true });
  const missing = keep.filter((k) => !fs.existsSync(path.join(dir, k)) && !(JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).packages[k] || {}).optional);
  if (missing.length) {
    process.stderr.write(`runtime dependencies missing from node_modules: ${missing.join(', ')} (run npm ci first)\n`);
    process.exit(1);
  }
  process.stdout.write(`kept ${keep.length} runtime packages, dropped ${drop.length} development ones\n`);
}
