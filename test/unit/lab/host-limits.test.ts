// The inotify limit a lab of many wireguard-go ends needs: raised when short, never lowered, explained.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInotifyInstances } from '../../../src/lab/host-limits';

function limitFile(value: number): string {
  const f = join(mkdtempSync(join(tmpdir(), 'bgpfo-limits-')), 'max_user_instances');
  writeFileSync(f, `${value}\n`);
  return f;
}

describe('ensureInotifyInstances', () => {
  it('raises the limit to the tunnel ends plus headroom and says so', () => {
    const f = limitFile(128);
    expect(ensureInotifyInstances(200, f)).toMatch(/raised fs.inotify.max_user_instances from 128 to 456/);
    expect(readFileSync(f, 'utf8').trim()).toBe('456');
  });

  it('leaves a limit that is high enough, or a lab without WireGuard, alone', () => {
    const f = limitFile(8192);
    expect(ensureInotifyInstances(200, f)).toBeUndefined();
    expect(ensureInotifyInstances(0, limitFile(1))).toBeUndefined();
    expect(readFileSync(f, 'utf8').trim()).toBe('8192');
  });
});
