import type { z } from 'zod';
import type { sovereignConfigSchema } from '../../lib/sovereign/config-schema';
import type { SovereignConfigData, SovereignConfigInput } from '../../lib/sovereign/config-types';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';

// The interfaces are readonly throughout; zod's inferred types are mutable, so compare against their readonly form.
type DeepReadonly<T> = T extends readonly (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
type SchemaInput = DeepReadonly<z.input<typeof sovereignConfigSchema>>;
type SchemaOutput = DeepReadonly<z.output<typeof sovereignConfigSchema>>;

/**
 * Compile-time proof, checked by `tsc --noEmit` in `npm test`: the public interfaces and the zod schema accept and
 * produce the same shapes. Each side is assigned to the other, so a field added to one and not the other fails to compile.
 */
export function configTypesMatchSchema(schemaInput: SchemaInput, input: SovereignConfigInput, schemaOutput: SchemaOutput, data: SovereignConfigData): unknown[] {
  const inputFromSchema: SovereignConfigInput = schemaInput;
  const schemaFromInput: SchemaInput = input;
  const dataFromSchema: SovereignConfigData = schemaOutput;
  const schemaFromData: SchemaOutput = data;
  return [inputFromSchema, schemaFromInput, dataFromSchema, schemaFromData];
}

test('a config typed with the public interface is what the resolver takes', () => {
  expect(typeof configTypesMatchSchema).toBe('function');
  const input: SovereignConfigInput = { name: 'acme', domain: 'acme.example', regions: [{ name: 'hz-fsn-rtz-prod' }], openbao: { seal: { static: { keyId: '1', secretName: 'seal' } } } };
  expect(resolveSovereignConfig(input).openbao.seal.static).toEqual({ keyId: '1', secretName: 'seal', secretKey: 'key' });
});
