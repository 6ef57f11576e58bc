import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed operations from the committed schema; the output is committed too, so a fresh
// clone builds offline. `npm run console:codegen` after changing an operation or the schema.
const config: CodegenConfig = {
  schema: 'apps/api/schema.gql',
  documents: ['apps/console/src/**/*.{ts,tsx}', '!apps/console/src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'apps/console/src/gql/': {
      preset: 'client',
      config: {
        // operations travel as strings: no graphql-js parser or printer in the bundle
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};
export default config;
