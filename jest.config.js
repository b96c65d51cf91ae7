/** What every project shares. */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // jose and @noble/ciphers ship ESM only; Jest on Node 20 needs them transformed to CJS.
  transformIgnorePatterns: ['/node_modules/(?!(@noble/|jose/))'],
  setupFiles: ['<rootDir>/test/setup-env.js'],
  testTimeout: 30000,
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'test',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cdk/'],
    },
    {
      // The CDK suites read one synthesis of the stack (test/cdk/synth-once.ts); jest runs this
      // globalSetup only when a suite of this project is selected.
      ...common,
      displayName: 'cdk',
      roots: ['<rootDir>/test/cdk'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/cdk/synth-once.ts',
      globalTeardown: '<rootDir>/test/cdk/synth-once-teardown.ts',
    },
  ],
};
