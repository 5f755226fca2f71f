import { join } from 'node:path';
import Ajv, { _ } from 'ajv';
import { validatorDir } from './shipped-schemas';

/** The ajv extensions in `schema/validators/runtime.js`, shared by the precompiled validators and {@link createAjv}. */
interface ValidatorRuntime {
  readonly goRegExp: ((pattern: string, flags: string) => RegExp) & { readonly code: string };
  readonly formats: Record<string, never>;
}

/**
 * The ajv instance the validator compiles with: strict off (the schemas carry OpenAPI/Kubernetes keywords ajv does
 * not know), every error, Go regular expressions and the Kubernetes formats. `source` keeps the generated code, for
 * precompiling standalone validators that require `./runtime.js` as these do. `inlineRefs: false` gives every
 * referenced schema its own function.
 */
export function createAjv(options: { readonly source?: boolean; readonly schemaDir?: string; readonly inlineRefs?: boolean } = {}): Ajv {
  const runtime = require(join(validatorDir(options.schemaDir), 'runtime.js')) as ValidatorRuntime;
  return new Ajv({
    strict: false,
    allErrors: true,
    logger: false,
    ...(options.inlineRefs !== undefined ? { inlineRefs: options.inlineRefs } : {}),
    formats: runtime.formats,
    code: { source: options.source ?? false, regExp: runtime.goRegExp, formats: _`require("./runtime.js").formats` },
  });
}
