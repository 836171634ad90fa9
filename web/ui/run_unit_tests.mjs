// Bundles test/unit_test.ts with esbuild for node and runs it with node's
// test runner. Usage: node run_unit_tests.mjs NODE_MODULES_DIR SRC_DIR OUT_DIR
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const [nm, src, out] = process.argv.slice(2).map((p) => resolve(p));
const require = createRequire(join(nm, 'noop.js'));
const esbuild = require('esbuild');
const outfile = join(out, 'unit_test.mjs');
await esbuild.build({
  entryPoints: [join(src, 'test', 'unit_test.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: ['node18'],
  outfile,
  nodePaths: [nm],
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['--test', outfile], { stdio: 'inherit' });
process.exit(r.status ?? 1);
