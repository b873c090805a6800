// Bundles the studio UI into dist/ (committed: the Rust binary embeds it with
// include_dir and serves it at /ui/). The output must be byte-identical across
// runs, so: no timestamps, no source maps, no hashes in names, a clean dist/,
// packages in sorted order.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');

const options = {
  absWorkingDir: root,
  // `app` names both outputs: dist/app.js and, from the CSS imported by the
  // JS (React Flow's stylesheet and src/app.css), dist/app.css.
  entryPoints: { app: 'src/main.jsx' },
  bundle: true,
  outdir: 'dist',
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  sourcemap: false,
  // Keep third-party licence comments, at the end of each file (no extra file).
  legalComments: 'eof',
  jsx: 'automatic',
  charset: 'utf8',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
};

/**
 * Licence texts of the bundled packages whose code carries none (React Flow,
 * d3, zustand, dagre … ship theirs beside the code, not in it), so app.js
 * keeps every notice its MIT/ISC licences ask for.
 */
async function missingLicenses() {
  const probe = await esbuild.build({ ...options, write: false, metafile: true });
  const packages = new Map();
  for (const input of Object.keys(probe.metafile.inputs)) {
    const match = input.match(/^(.*node_modules\/(@[^/]+\/[^/]+|[^/]+))\//);
    if (!match) continue;
    const [, dir, name] = match;
    const entry = packages.get(name) || { dir, carries: false };
    const text = await readFile(path.join(root, input), 'utf8');
    if (/@license|@preserve|^\s*\/\*!/m.test(text) && !/For license information please see/.test(text)) entry.carries = true;
    packages.set(name, entry);
  }
  const blocks = [];
  for (const name of [...packages.keys()].sort()) {
    const { dir, carries } = packages.get(name);
    if (carries) continue;
    const meta = JSON.parse(await readFile(path.join(root, dir, 'package.json'), 'utf8'));
    const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license'].find((f) => existsSync(path.join(root, dir, f)));
    const text = file ? (await readFile(path.join(root, dir, file), 'utf8')).trim() : `License: ${meta.license}`;
    blocks.push(`${name} ${meta.version} (${meta.license}):\n\n${text.replace(/\*\//g, '* /')}`);
  }
  return blocks.length ? `/*! Licences of bundled packages\n\n${blocks.join('\n\n---\n\n')}\n*/` : '';
}

// Start from an empty dist/ so no stale file is ever embedded.
await rm(dist, { recursive: true, force: true });
await mkdir(dist);
await esbuild.build({ ...options, footer: { js: await missingLicenses() } });
await copyFile(path.join(root, 'src/index.html'), path.join(dist, 'index.html'));

const files = (await readdir(dist)).sort();
const expected = ['app.css', 'app.js', 'index.html'];
if (files.join() !== expected.join()) {
  console.error(`dist/ holds ${files.join(', ')}; expected ${expected.join(', ')}`);
  process.exit(1);
}
console.log(`built ${files.map((f) => `dist/${f}`).join(', ')}`);
