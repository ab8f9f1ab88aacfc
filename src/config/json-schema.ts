// The config file's JSON Schema, generated from the zod schema the loader uses (z.toJSONSchema), so editors
// (yaml-language-server, VS Code) complete and check the same keys, types and ranges as `bgpfo validate`.

import { z } from 'zod';
import { configSchema } from './schema';

export const CONFIG_SCHEMA_ID = 'https://bgpfo.invalid/schema/bgpfo-config.schema.json';

/**
 * The schema of what may be written (zod's input side): types, ranges, enums and unknown keys. What only code can
 * check (address syntax, asdot, cross-field rules) stays with `bgpfo validate`, which an editor cannot replace.
 */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: CONFIG_SCHEMA_ID,
    title: 'bgpfo daemon config',
    description: 'bgpfo daemon config (docs/configuration.md). Generated from src/config/schema.ts by `npm run generate`; `bgpfo validate` checks more.',
    ...rest,
  };
}
