// The committed files generated from code: the man page (from the CLI program) and the config's JSON Schema
// (from the zod schema). scripts/generate.ts writes them; test/unit/cli/generated.test.ts checks they are current.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bgpfoVersion } from '../api/version';
import { configJsonSchema } from '../config/json-schema';
import { buildProgram } from './main';
import { manPage } from './man';

/** Repository-relative path -> content. */
export function generatedFiles(): Record<string, string> {
  const program = buildProgram({ out: () => undefined, err: () => undefined, env: {} });
  return {
    'man/bgpfo.1': manPage(program, bgpfoVersion()),
    // Descriptions come from docs/configuration.md's tables: one text for the docs and for editors.
    'schema/bgpfo-config.schema.json': JSON.stringify(configJsonSchema(readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8')), null, 2) + '\n',
  };
}
