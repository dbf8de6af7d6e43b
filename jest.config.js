/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.spec\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // The dependencies published as ES modules only, compiled to CommonJS for Jest's loader
    // (the compiled service needs no such step: Node's require(esm) loads them).
    '^.+\\.m?js$': '<rootDir>/test/setup/esm-to-cjs-transform.cjs',
  },
  // Every file reaches the transform, which leaves CommonJS files as they are.
  transformIgnorePatterns: [],
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
  // Every supertest response is checked against the OpenAPI document (test/support).
  setupFilesAfterEnv: ['<rootDir>/test/support/openapi-response-check.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
