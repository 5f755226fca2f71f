import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { tenancyMarkdown } from '../../lib/secrets/tenancy';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { loadSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { OMANTEL_YAML } from '../helpers/configs';

// The README's tenancy table is the shipped example's, as `sovereign tenancy` prints it: one source, no drift.
test("the README's tenancy table is the shipped example's", () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const block = /<!-- tenancy:omantel -->\n([\s\S]*?)<!-- \/tenancy:omantel -->/.exec(readme);
  expect(block).not.toBeNull();
  const config = loadSovereignConfig(OMANTEL_YAML);
  expect(block![1]).toBe(tenancyMarkdown(new Sovereign(new App(), config.name, { config }).tenants));
});
