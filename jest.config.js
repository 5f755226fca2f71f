/** Tests are transpiled by SWC (no type checking); `npm test` runs `tsc --noEmit` first for that. */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': swc },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
