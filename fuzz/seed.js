// Writes the seed corpus of one fuzz target into a directory, from the repository's own fixtures
// (test/fixtures, topologies/, the config test fixtures): every known message, packet and file is a starting point.
//   node fuzz/seed.js TARGET DIR
'use strict';
const { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { createHash } = require('node:crypto');

const ROOT = join(__dirname, '..');
const [target, dir] = process.argv.slice(2);
if (!target || !dir) throw new Error('usage: node fuzz/seed.js TARGET DIR');
mkdirSync(dir, { recursive: true });
let n = 0;
const put = (bytes) => {
  writeFileSync(join(dir, createHash('sha1').update(bytes).digest('hex')), bytes);
  n++;
};
const files = (d, ext) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith(ext)).map((f) => join(d, f)) : []);
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
const hexOf = (lines) => Buffer.from(lines.map((l) => l.split('#')[0].replace(/\s+/g, '')).join(''), 'hex');
const ctxByte = (c = { fourOctetAs: true, extendedMessage: false, ebgp: true }) =>
  (c.fourOctetAs ? 1 : 0) | (c.extendedMessage ? 2 : 0) | (c.ebgp ? 4 : 0) | (c.extendedNextHop ? 8 : 0);

/** Every BGP message the fixtures hold, with the context it belongs to. */
function bgpMessages() {
  const out = [];
  for (const sub of ['rfc', 'malformed']) {
    for (const f of files(join(ROOT, 'test/fixtures/bgp', sub), '.json')) {
      const j = JSON.parse(readFileSync(f, 'utf8'));
      out.push({ ctx: ctxByte(j.ctx), bytes: hexOf(j.hex) });
    }
  }
  for (const f of walk(join(ROOT, 'test/fixtures/bgp/captured')).filter((p) => p.endsWith('.hex'))) {
    out.push({ ctx: ctxByte({ fourOctetAs: !f.includes('/as2/'), extendedMessage: false, ebgp: true }), bytes: Buffer.from(readFileSync(f, 'utf8').replace(/\s+/g, ''), 'hex') });
  }
  return out;
}

switch (target) {
  case 'bgp-decode':
    for (const m of bgpMessages()) put(Buffer.concat([Buffer.of(m.ctx), m.bytes]));
    break;
  case 'framer': {
    const msgs = bgpMessages().map((m) => m.bytes);
    for (let i = 0; i < msgs.length; i += 4) {
      const stream = Buffer.concat(msgs.slice(i, i + 4));
      put(Buffer.concat([Buffer.of(0, 0), stream]));
      put(Buffer.concat([Buffer.of(0, 3, 40, 120, 200), stream]));
    }
    break;
  }
  case 'bfd-decode': {
    for (const f of files(join(ROOT, 'test/fixtures/bfd/captured'), '.json')) {
      for (const p of JSON.parse(readFileSync(f, 'utf8')).packets ?? []) put(Buffer.from(p.hex, 'hex'));
    }
    for (const c of JSON.parse(readFileSync(join(ROOT, 'test/fixtures/bfd/malformed.json'), 'utf8')).cases) put(Buffer.from(c.hex, 'hex'));
    break;
  }
  case 'config-load':
    for (const f of walk(join(ROOT, 'test/unit/config/fixtures'))) put(readFileSync(f));
    put(Buffer.from('router: { asn: 65001, router-id: 10.0.0.1 }\nneighbors:\n  - { name: tun-a1, address: 169.254.21.1, remote-asn: 64512 }\n'));
    put(Buffer.from('router: &r { asn: 65001, router-id: 10.0.0.1 }\nx: *r\nneighbors: []\n'));
    break;
  case 'topology-load':
    for (const f of [...files(join(ROOT, 'topologies'), '.yaml'), ...files(join(ROOT, 'test/fixtures/orchestrator/topologies'), '.yaml')]) put(readFileSync(f));
    break;
  default:
    throw new Error(`unknown target ${target}`);
}
process.stdout.write(`${n} seeds for ${target}\n`);
