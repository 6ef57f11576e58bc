// ESM project (Nest 12 is ESM-only): ts-jest transpiles each file on its own
// (isolatedModules); `npm test` type-checks the whole tree with tsc first.
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }];
const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper: {
    '^#(event-store|platform|engagement|reminders)$': '<rootDir>/libs/$1/src/index.ts',
    // what an app's entry reads before it loads anything else (apps/*/src/main.ts)
    '^#platform/heap-growth$': '<rootDir>/libs/platform/src/config/heap-growth.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  // Node, plus: every child process a test file leaves running is killed after it (test/support/environment.cjs)
  testEnvironment: '<rootDir>/test/support/environment.cjs',
};
export default {
  // real services: a generous ceiling per test, never a performance assertion (only read at the top level)
  testTimeout: 60_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/apps/console/'],
    },
    {
      // the practice console's unit tests: React in jsdom, compiled with the console's own tsconfig
      displayName: 'console',
      testEnvironment: 'jsdom',
      extensionsToTreatAsEsm: ['.ts', '.tsx'],
      transform: { '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: 'apps/console/tsconfig.json' }] },
      moduleNameMapper: { '\\.css$': '<rootDir>/apps/console/test/style-stub.js' },
      testMatch: ['<rootDir>/apps/console/src/**/*.spec.ts', '<rootDir>/apps/console/src/**/*.spec.tsx'],
    },
    {
      ...shared,
      // the console in headless Chromium against the compiled API and worker: `npm run test:e2e`
      displayName: 'console-e2e',
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
      testMatch: ['<rootDir>/apps/console/e2e/**/*.browser-spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/**/*.int-spec.ts'],
    },
    {
      ...shared,
      // a real browser (Debian's headless chromium) against the API: `npm run test:e2e`
      displayName: 'browser',
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
    },
    {
      ...shared,
      // crash, restart and kill real processes of the compiled build: `npm run test:faults`
      displayName: 'faults',
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
      testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
    },
  ],
};
