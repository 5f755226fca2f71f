/** Tests are transpiled by SWC (no type checking); `npm test` runs `tsc --noEmit` first for that. */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The consumer fixture is a separate cdk8s app; test/consumer/consumer.test.ts runs its tests in its own jest.
  testPathIgnorePatterns: ['/node_modules/', '/test/consumer/fixture/'],
  transform: { '^.+\\.ts$': swc },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
