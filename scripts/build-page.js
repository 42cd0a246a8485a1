// Builds the dashboard into dist/page: the page's TypeScript (browser lib, its own tsconfig), its
// HTML and CSS, and uPlot's two files, so oct serves every asset itself (no CDN: it may run offline).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/page/`;
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'src/page/tsconfig.json'], { cwd: root, stdio: 'inherit' });
for (const file of ['index.html', 'page.css']) fs.copyFileSync(`${root}src/page/${file}`, `${out}${file}`);
for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) fs.copyFileSync(`${root}node_modules/uplot/dist/${file}`, `${out}${file}`);
