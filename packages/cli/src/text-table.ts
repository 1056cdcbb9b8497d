/** Aligned plain-text tables whose last column wraps to the terminal's width. */

/**
 * Breaks `text` into lines of at most `width` characters at spaces (a longer word stays whole).
 * @category CLI
 */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  return lines.length > 0 || line.length > 0 ? [...lines, line] : [''];
}

/**
 * A table: a header row, then rows; every column but the last is padded to its widest cell, the
 * last wraps under itself so no line is longer than `width` (unless the other columns already
 * are). When that would leave the last column under 40 characters, it goes on the lines below
 * its row instead, indented, at the full width.
 * @category CLI
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], width: number, indent = '  '): string {
  return tableLines(header, rows, width, indent).flat().join('\n');
}

/** The lines of {@link formatTable}, grouped by row (the header's first): a row moved below may take several. */
function tableLines(header: readonly string[], rows: readonly (readonly string[])[], width: number, indent: string): string[][] {
  const all = [header, ...rows];
  const leading = header.length - 1;
  const leadWidth = indent.length + header.slice(0, leading).reduce((sum, _, c) => sum + Math.max(...all.map((row) => [...row[c]].length)) + 2, 0);
  if (leading > 0 && width - leadWidth < 40) {
    // The other columns as a table of their own, which may itself put its last column below.
    const top = tableLines(header.slice(0, leading), rows.map((row) => row.slice(0, leading)), width, indent);
    const below = indent + '    ';
    const head = top[0];
    return [
      [...head.slice(0, -1), head[head.length - 1] + `  (${header[leading]} below)`],
      ...rows.map((row, r) => [...top[r + 1], ...wrapText(row[leading], width - below.length).map((line) => below + line)]),
    ];
  }
  const widths = header.map((_, c) => Math.max(...all.map((row) => [...row[c]].length)));
  const last = header.length - 1;
  const lead = indent.length + widths.slice(0, last).reduce((sum, w) => sum + w + 2, 0);
  const room = Math.max(24, width - lead);
  return all.map((row) => {
    const prefix = indent + row.slice(0, last).map((cell, c) => cell + ' '.repeat(widths[c] - [...cell].length + 2)).join('');
    const [first, ...rest] = wrapText(row[last], room);
    return [prefix + first, ...rest.map((line) => ' '.repeat(lead) + line)].map((line) => line.trimEnd());
  });
}
