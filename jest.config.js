/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // jose and @noble/ciphers ship ESM only; Jest on Node 20 needs them transformed to CJS.
  transformIgnorePatterns: ['/node_modules/(?!(@noble/|jose/))'],
  setupFiles: ['<rootDir>/test/setup-env.js'],
  testTimeout: 30000,
};
