// The bgpfo version, read once from package.json (two levels up from both src/api and dist/api).
// Reported by `bgpfo --version` and in /v1/status.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

export function bgpfoVersion(): string {
  if (cached === undefined) {
    try {
      cached = String((JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0');
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
