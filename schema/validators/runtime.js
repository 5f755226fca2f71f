'use strict';
// The ajv extensions the shipped validators need at run time, in one plain CommonJS file beside the validators
// precompiled from them (schema/validators/*.js require it as "./runtime.js"), and loaded by the validator's ajv
// instance for CRDs given at run time, so both judge a manifest the same way.

/**
 * CRD patterns are Go regular expressions; some start with inline flags such as `(?i)` (prometheus-operator),
 * which JavaScript spells as a flag instead.
 */
function goRegExp(pattern, flags) {
  const inline = /^(\^?)\(\?([imsU]+)\)/.exec(pattern);
  if (inline === null) return new RegExp(pattern, flags);
  return new RegExp(inline[1] + pattern.slice(inline[0].length), flags + inline[2].replace(/[^ims]/g, ''));
}
goRegExp.code = 'require("./runtime.js").goRegExp';

/** ajv-formats' formats and the OpenAPI ones Kubernetes schemas use beyond them. */
const formats = {
  ...require('ajv-formats/dist/formats').fullFormats,
  int32: { type: 'number', validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number', validate: (n) => Number.isInteger(n) },
  double: { type: 'number', validate: () => true },
  cidr: /^([0-9.]+\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/,
  'idn-hostname': /^[^\s/]+$/,
};

module.exports = { goRegExp, formats };
