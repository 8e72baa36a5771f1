import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The units of shared/ (folders and top-level files), lowest first. A unit may import those in
 * lower ranks, and only the peers `PEERS` names in its own rank: together a graph without cycles.
 */
const RANKS = [
  ['errors', 'telemetry', 'app-root'],
  ['config', 'utils'],
  ['domain', 'public-url'],
  ['api', 'auth'],
  ['storage'],
  ['services'],
  [
    'web',
    'i18n',
    'links',
    'feed',
    'dataverse',
    'sms',
    'subjects',
    'deliverability',
    'stats',
    'webhooks',
    'cij',
    'mcp',
  ],
  ['http'],
  ['runtime', 'local-host', 'cli'],
];
const PEERS = {
  i18n: ['web'],
  links: ['web', 'i18n'],
  cij: ['links', 'dataverse'],
  mcp: ['links'],
  deliverability: ['sms'],
  webhooks: ['feed'],
  'local-host': ['runtime'],
};

// A folder or file added to shared/ must take its place above: lint stops until it has one.
const units = readdirSync(join(import.meta.dirname, '..', 'shared'), { withFileTypes: true }).filter(
  (entry) => entry.isDirectory() || entry.name.endsWith('.ts'),
);
/** The units that are one file (shared/config.ts) rather than a folder. */
const FILES = new Set(
  units.filter((entry) => entry.isFile()).map((entry) => entry.name.replace(/\.ts$/, '')),
);
const unplaced = units
  .map((entry) => entry.name.replace(/\.ts$/, ''))
  .filter((unit) => !RANKS.flat().includes(unit));
if (unplaced.length) throw new Error(`test/eslint.config.mjs: place ${unplaced.join(', ')} in RANKS`);

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
  // Dependencies point one way (see shared/README.md): the leaves <- domain <- the contract and
  // identities <- storage <- services <- the capabilities <- the HTTP layer <- the composition root
  // and tools <- functions. A unit never imports one above it, nor a peer it is not listed to use.
  ...layers(),
  {
    files: ['shared/web/assets/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
);

/** For each unit of shared/, the units it may not import: everything above it and unlisted peers. */
function layers() {
  const above = Object.fromEntries(
    RANKS.flatMap((rank, r) =>
      rank.map((unit) => [
        unit,
        [
          ...rank.filter((peer) => peer !== unit && !(PEERS[unit] ?? []).includes(peer)),
          ...RANKS.slice(r + 1).flat(),
        ],
      ]),
    ),
  );
  // A unit is reached by a relative path from a top-level file (`./storage/...`), from the folder
  // (`../storage/...`) or from a subfolder of it (`../../storage/...`); a subfolder's sibling of the
  // same name (shared/api/links) is not it.
  const depths = (unit) =>
    FILES.has(unit)
      ? [{ files: [`shared/${unit}.ts`], up: '.' }]
      : [
          { files: [`shared/${unit}/*.ts`], up: '..' },
          { files: [`shared/${unit}/*/**/*.ts`], up: '../..' },
        ];
  return Object.entries(above).flatMap(([folder, forbidden]) =>
    depths(folder).map(({ files, up }) => ({
      files,
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: forbidden.flatMap((unit) => [`${up}/${unit}`, `${up}/${unit}/**`]),
                message: `shared/${folder} may not import this: dependencies point one way (shared/README.md).`,
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
