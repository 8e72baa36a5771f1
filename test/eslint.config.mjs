import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.azurite/**', '.scratch/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through shared/config.ts.' },
      ],
    },
  },
  {
    files: ['shared/config.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-properties': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  // Dependencies point one way (see shared/README.md): domain <- storage <- services <- (links, feed,
  // dataverse, sms, web) <- the HTTP layer <- functions; the contract (shared/api) and the leaves
  // (errors, config, utils) sit below them all. A folder never imports one above it.
  ...layers(),
  {
    files: ['shared/web/assets/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
);

/** The units of shared/ a folder may not import: everything above it, and its peers where noted. */
function layers() {
  const above = {
    domain: [
      'auth',
      'storage',
      'services',
      'links',
      'feed',
      'dataverse',
      'sms',
      'subjects',
      'web',
      'http',
      'api',
      'utils',
      'config',
    ],
    utils: [
      'auth',
      'domain',
      'storage',
      'services',
      'links',
      'feed',
      'dataverse',
      'sms',
      'subjects',
      'web',
      'http',
      'api',
      'config',
    ],
    api: [
      'auth',
      'storage',
      'services',
      'links',
      'feed',
      'dataverse',
      'sms',
      'subjects',
      'web',
      'http',
      'utils',
      'config',
    ],
    storage: ['auth', 'services', 'links', 'feed', 'dataverse', 'sms', 'subjects', 'web', 'http', 'api'],
    services: ['auth', 'links', 'feed', 'dataverse', 'sms', 'subjects', 'web', 'http'],
    web: ['auth', 'storage', 'services', 'links', 'feed', 'dataverse', 'sms', 'subjects', 'http', 'api'],
    links: ['auth', 'feed', 'dataverse', 'sms', 'subjects', 'http'],
    feed: ['auth', 'links', 'dataverse', 'sms', 'subjects', 'web', 'http'],
    dataverse: ['auth', 'links', 'feed', 'sms', 'subjects', 'web', 'http'],
    sms: ['auth', 'links', 'feed', 'dataverse', 'subjects', 'web', 'http'],
    auth: ['storage', 'services', 'links', 'feed', 'dataverse', 'sms', 'subjects', 'web', 'http', 'api'],
    subjects: ['auth', 'links', 'feed', 'dataverse', 'sms', 'web', 'http'],
    http: [],
  };
  const tools = ['runtime', 'local-host', 'cli'];
  // A unit is reached by a relative path from the folder (`../storage/...`) or from a subfolder of
  // it (`../../storage/...`); a subfolder's sibling of the same name (shared/api/links) is not it.
  const depths = [
    { files: (folder) => [`shared/${folder}/*.ts`], up: '..' },
    { files: (folder) => [`shared/${folder}/*/**/*.ts`], up: '../..' },
  ];
  return Object.entries(above).flatMap(([folder, forbidden]) =>
    depths.map(({ files, up }) => ({
      files: files(folder),
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: [...forbidden, ...tools].flatMap((unit) => [`${up}/${unit}`, `${up}/${unit}/**`]),
                message: `This is above shared/${folder}: dependencies point one way (shared/README.md).`,
              },
              ...(folder === 'domain'
                ? [
                    {
                      // node:url only for its UTS #46 host name mapping (domainToASCII / domainToUnicode).
                      group: ['@azure/*', 'node:*', '!node:url'],
                      message: 'The domain is pure: no storage, no I/O.',
                    },
                  ]
                : []),
            ],
          },
        ],
      },
    })),
  );
}
