// Writes the generated files that are committed: man/bgpfo.1 (from the commander program behind --help) and
// schema/bgpfo-config.schema.json (from the config's zod schema). `npm run generate`; a unit test keeps them current.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedFiles } from '../src/cli/generated';

const root = join(__dirname, '..');
for (const [path, text] of Object.entries(generatedFiles())) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  process.stdout.write(`wrote ${path}\n`);
}
