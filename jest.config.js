/** Tests are transpiled by SWC (no type checking); `npm test` runs `tsc --noEmit` first for that. */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The CEL evaluator ships as ES modules only; jest's CommonJS runtime needs it transpiled.
  transform: { '^.+\\.ts$': swc, '^.+/@marcbachmann/cel-js/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!@marcbachmann/cel-js/)'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
