import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WEB_DIR = dirname(fileURLToPath(import.meta.url));

export interface WebAssets {
  html: string;
  css: string;
  js: string;
}

/**
 * The dashboard is TypeScript under cloud/web/src, bundled in memory with esbuild when the cloud starts:
 * no build step and no generated files in the repository. Takes ~50 ms.
 */
export async function buildWebAssets(): Promise<WebAssets> {
  const [html, css, result] = await Promise.all([
    readFile(join(WEB_DIR, 'index.html'), 'utf8'),
    readFile(join(WEB_DIR, 'styles.css'), 'utf8'),
    build({
      entryPoints: [join(WEB_DIR, 'src', 'main.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'silent',
    }),
  ]);
  const js = result.outputFiles[0]?.text;
  if (!js) throw new Error('dashboard bundle is empty');
  return { html, css, js };
}
