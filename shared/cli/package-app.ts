/*
 * `npm run package`: the deployment package, a zip in the layout Azure Functions runs from
 * (host.json and package.json at its root). The functions are bundled into one file with every
 * production dependency, so the package holds no node_modules and starts by reading one file.
 * `@azure/functions-core` stays outside: the Functions host provides it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { build, stop, type Metafile } from 'esbuild';
import { zipSync, type Zippable } from 'fflate';
import { appRoot } from '../app-root';

const projectRoot = appRoot();

export const PACKAGE_MAIN = 'dist/main.js';
export const NOTICES = 'THIRD-PARTY-NOTICES.txt';

/** Never in a package: the local host, the CSV loader, tools and tests. */
const FORBIDDEN_INPUTS = [
  /(^|\/)shared\/local-host\//,
  /(^|\/)shared\/cli\//,
  /node_modules\/(azurite|typescript|vitest|vite|esbuild|fflate|selfsigned|tsx|eslint|prettier|fast-check)\//,
];

/** Files under `shared/` that ship as they are (css, js, html, images, …): not code, not tests. */
export function assetFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!/^(test|tests|__tests__|fixtures|__fixtures__|node_modules)$/.test(entry.name)) walk(path);
      } else if (
        // Code is bundled; manuals (README.md) and compiler settings are for people, not the app.
        !/\.(ts|mts|cts|map|md)$/.test(entry.name) &&
        !/^tsconfig.*\.json$/.test(entry.name) &&
        !/\.(test|spec)\./.test(entry.name)
      ) {
        found.push(relative(root, path).split(sep).join('/'));
      }
    }
  };
  walk(join(root, 'shared'));
  return found.sort();
}

/** The package root of a bundled `node_modules` input, e.g. `node_modules/@azure/core-auth`. */
function packageDirOf(input: string): string | undefined {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match?.[1];
}

/** The licence of every third-party package in the bundle, as their licences ask for copies. */
function thirdPartyNotices(root: string, metafile: Metafile): string {
  const dirs = [...new Set(Object.keys(metafile.inputs).map(packageDirOf))].filter(
    (dir): dir is string => dir !== undefined,
  );
  const sections = dirs
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
        license?: string;
      };
      const licenceFile = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
      const text = licenceFile ? readFileSync(join(root, dir, licenceFile), 'utf8').trim() : '';
      return `${pkg.name}@${pkg.version} (${pkg.license ?? 'see package'})\n\n${text}`;
    })
    .sort();
  return `Third-party software bundled in ${PACKAGE_MAIN}\n\n${sections.join(`\n\n${'-'.repeat(72)}\n\n`)}\n`;
}

export interface BuiltPackage {
  zip: Uint8Array;
  /** Paths inside the zip. */
  entries: string[];
  /** Source files bundled, relative to the project. */
  inputs: string[];
}

export async function buildPackage(root: string = projectRoot): Promise<BuiltPackage> {
  const functionsDir = join(root, 'functions');
  const functionFiles = readdirSync(functionsDir)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const bundled = await build({
    // One entry that loads every function file in the order the host would load them.
    stdin: {
      contents: functionFiles.map((f) => `require('./functions/${f.replace(/\.ts$/, '')}');`).join('\n'),
      resolveDir: root,
      sourcefile: 'functions.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@azure/functions-core'],
    outfile: join(root, PACKAGE_MAIN),
    write: false,
    metafile: true,
    legalComments: 'none', // the licences are in THIRD-PARTY-NOTICES.txt
    logLevel: 'warning',
  }).finally(() => stop()); // esbuild's service process goes with the build
  const inputs = Object.keys(bundled.metafile.inputs).sort();
  const forbidden = inputs.filter((input) => FORBIDDEN_INPUTS.some((pattern) => pattern.test(input)));
  if (forbidden.length > 0) throw new Error(`The bundle must not contain ${forbidden.join(', ')}`);
  const main = bundled.outputFiles.find((f) => f.path.endsWith('.js'));
  if (!main) throw new Error('esbuild wrote no bundle');

  const project = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  // Every dependency is in the bundle: the package installs nothing.
  const manifest = {
    name: project.name,
    version: project.version,
    description: project.description,
    private: true,
    main: PACKAGE_MAIN,
    type: 'commonjs',
    engines: project.engines,
  };
  const files: Record<string, Uint8Array> = {
    'host.json': readFileSync(join(root, 'host.json')),
    'package.json': Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
    [PACKAGE_MAIN]: main.contents,
    [NOTICES]: Buffer.from(thirdPartyNotices(root, bundled.metafile)),
  };
  for (const asset of assetFiles(root)) files[asset] = readFileSync(join(root, asset));

  // Fixed times and sorted entries: the same sources make the same zip.
  const mtime = new Date('2020-01-01T00:00:00Z');
  const entries = Object.keys(files).sort();
  const zippable: Zippable = {};
  for (const path of entries) zippable[path] = [files[path]!, { level: 9, mtime }];
  return { zip: zipSync(zippable), entries, inputs };
}

async function main(): Promise<void> {
  const outFile = resolve(process.argv[2] ?? join(projectRoot, 'out', 'consent-service.zip'));
  const built = await buildPackage();
  if (!existsSync(dirname(outFile))) mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, built.zip);
  console.log(
    `${relative(process.cwd(), outFile)}  ${statSync(outFile).size} bytes, ${built.entries.length} files:`,
  );
  for (const entry of built.entries) console.log(`  ${entry}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
