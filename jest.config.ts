import type { Config } from 'jest';
import { pathsToModuleNameMapper } from 'ts-jest';
import { compilerOptions } from './tsconfig.base.json';

/**
 * One jest run for the whole repo: unit (*.spec.ts), integration (*.int-spec.ts, real servers) and
 * end-to-end (*.e2e-spec.ts, real processes) tests. The global setup starts the real servers once.
 */
const config: Config = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,tools}/**/*.{spec,int-spec,e2e-spec}.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleNameMapper: {
    ...pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
    // ESM only, which jest cannot load; only thrift (under parquetjs) requires it (see the stand-in).
    '^uuid$': '<rootDir>/libs/testing/src/uuid-stand-in.ts',
  },
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
  testSequencer: '<rootDir>/tools/test/sequencer.js',
  testTimeout: 60_000,
  maxWorkers: 2,
  verbose: false,
};

export default config;
