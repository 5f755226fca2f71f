// Writes schema/sovereign-config.schema.json (the config file's JSON Schema, for editor autocompletion).
// A test fails when the committed file differs from what the zod schema produces.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONFIG_SCHEMA_FILE, configJsonSchemaText } from '../lib/sovereign/config-json-schema';

const target = join(__dirname, '..', CONFIG_SCHEMA_FILE);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, configJsonSchemaText());
console.log(`wrote ${CONFIG_SCHEMA_FILE}`);
