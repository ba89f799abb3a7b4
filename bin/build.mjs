#!/usr/bin/env node
// `npm run build`: bundles the `cds` command (bin/cds.ts) into dist/ for production, so the gateway runs on
// plain node (`node dist/cds.mjs gateway run`) instead of through tsx: no TypeScript loader in memory
// (≈ 25 MB of peak RSS on a 1 GB board) and none of the `__name` wrappers tsx adds to every function.
//
// - ESM, platform node, npm packages external (resolved from node_modules at run time, native bindings
//   such as better-sqlite3 stay where npm built them).
// - Code splitting: each lazily imported part (`await import('./x.ts')`: aedes, serial, HTTP, cloud, demo)
//   becomes its own chunk, so `cds gateway run` never loads Fastify or pg, as with tsx.
// - Every output file sits directly in the output folder. Source files that locate data next to
//   themselves (`new URL('../../sql/sqlite/', import.meta.url)`, `import.meta.dirname`) get `import.meta.url`
//   (and `.filename`, `.dirname`) replaced by those of their own source file, computed relative to the
//   bundle at run time, so schema and migration folders resolve in the checkout wherever it is installed
//   (/opt/cds, a temp folder for the bench).
// - Source maps next to the bundle (`node --enable-source-maps dist/cds.mjs …` for TypeScript positions).
//
// - `dist/cds.mjs` starts with `#!/usr/bin/env node` and is executable (an installed gateway links
//   /usr/local/bin/cds to it).
// Also used by bench/gateway-bench.ts and the gateway crash test: `buildCds({ outdir })`.
import { chmod, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Replaces `import.meta.{url,filename,dirname}` in our own sources by those of the source file itself. */
function sourceLocationPlugin(outdir) {
  return {
    name: 'cds-source-location',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.')) return { contents: text, loader: 'ts' };
        const rel = relative(outdir, args.path).split(sep).join('/');
        const own = `new URL(${JSON.stringify(rel)}, import.meta.url)`;
        const contents = text
          .replaceAll('import.meta.url', `${own}.href`)
          .replaceAll('import.meta.filename', `__cdsFileURLToPath(${own})`)
          .replaceAll('import.meta.dirname', `__cdsDirname(__cdsFileURLToPath(${own}))`);
        const header = !/import\.meta\.(filename|dirname)/.test(text)
          ? ''
          : "import { fileURLToPath as __cdsFileURLToPath } from 'node:url';\nimport { dirname as __cdsDirname } from 'node:path';\n";
        return { contents: header + contents, loader: 'ts' };
      });
    },
  };
}

/** Builds `<outdir>/cds.mjs` (+ chunks and source maps); the folder is emptied first. */
export async function buildCds({ root = ROOT, outdir = join(root, 'dist'), logLevel = 'warning' } = {}) {
  await rm(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { cds: join(root, 'bin/cds.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    logLevel,
    banner: { js: '#!/usr/bin/env node' },
    plugins: [sourceLocationPlugin(outdir)],
  });
  const entry = join(outdir, 'cds.mjs');
  await chmod(entry, 0o755);
  return entry;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await buildCds();
  process.stdout.write(`built ${relative(process.cwd(), out)}\n`);
}
