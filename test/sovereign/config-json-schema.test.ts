import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { CONFIG_SCHEMA_FILE, configJsonSchema, configJsonSchemaText } from '../../lib/sovereign/config-json-schema';
import { EXAMPLES } from '../helpers/configs';

const compile = () => {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  return ajv.compile(configJsonSchema());
};

describe('config JSON Schema', () => {
  test('the committed schema file is current (run `npm run schema` after changing the config)', () => {
    expect(readFileSync(join(__dirname, '..', '..', CONFIG_SCHEMA_FILE), 'utf8')).toBe(configJsonSchemaText());
  });

  test.each(['omantel.yaml', 'three-regions.yaml'])('accepts the shipped example %s', (file) => {
    const validate = compile();
    expect(validate(parse(readFileSync(join(EXAMPLES, file), 'utf8')))).toBe(true);
  });

  test('rejects an unknown key, so editors flag typos', () => {
    const validate = compile();
    expect(validate({ name: 'a', domain: 'a.example', regions: [{ name: 'r' }], regionz: [] })).toBe(false);
  });
});
