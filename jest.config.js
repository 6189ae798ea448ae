/**
 * One Jest run for every test. A single Temporal dev server (the project's installed CLI, never a
 * download) and one workflow bundle are made in globalSetup and shared by every test file.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Real servers on a 2-core machine: generous, and never a measure of speed (that is the benchmark's job).
  testTimeout: 180_000,
  maxWorkers: 2,
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  verbose: true,
};
