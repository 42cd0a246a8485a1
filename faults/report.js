// One table for the whole suite: probe, figure, bound, verdict (pass, fail, report: no bound, skip).
const COLUMNS = ['probe', 'figure', 'bound', 'verdict'];

export const row = (probe, figure, bound, pass) => ({ probe, figure, bound, verdict: pass === null ? 'report' : pass ? 'pass' : 'fail' });
export const skip = (probe, why) => ({ probe, figure: why, bound: '', verdict: 'skip' });

export function renderText(rows) {
  const widths = COLUMNS.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ');
  return [line(COLUMNS), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(COLUMNS.map((c) => r[c])))].join('\n');
}

export function renderMarkdown(rows, header) {
  const esc = (s) => String(s).replaceAll('|', '\\|');
  return [
    header,
    '',
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${COLUMNS.map((c) => esc(r[c])).join(' | ')} |`),
    '',
  ].join('\n');
}
