import { z } from 'zod';
import { sovereignConfigSchema } from './config-schema';

/** Path of the committed JSON Schema, relative to the package root. */
export const CONFIG_SCHEMA_FILE = 'schema/sovereign-config.schema.json';

/** JSON Schema of the config file as users write it (defaults optional), for editors and external tools. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(sovereignConfigSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'Sovereign config',
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
