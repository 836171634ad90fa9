// Bundles the UI with esbuild. Usage:
//   node build.mjs NODE_MODULES_DIR SRC_DIR OUT_DIR
// Writes OUT_DIR/app.js, OUT_DIR/app.css (uPlot's and ours) and
// OUT_DIR/index.html (the page template, %BASE% and %TITLE% filled in by
// the server). Fails (exit 1) with esbuild's messages on any error.
import { createRequire } from 'node:module';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [nm, src, out] = process.argv.slice(2).map((p) => resolve(p));
const require = createRequire(join(nm, 'noop.js'));
const esbuild = require('esbuild');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
try {
  await esbuild.build({
    entryPoints: { app: join(src, 'src', 'main.ts') },
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    outdir: out,
    nodePaths: [nm],
    legalComments: 'none',
    logLevel: 'warning',
  });
} catch (e) {
  console.error('ward UI: esbuild failed');
  process.exit(1);
}
copyFileSync(join(src, 'src', 'index.html'), join(out, 'index.html'));
