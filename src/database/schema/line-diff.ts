/**
 * A line diff of two texts (longest common subsequence), printing changed lines with one line
 * of context: enough to read a drifted function or view definition, with no dependency.
 */
export function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const lines: { mark: ' ' | '-' | '+'; text: string }[] = [];
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ mark: ' ', text: a[i] });
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      lines.push({ mark: '-', text: a[i++] });
    } else {
      lines.push({ mark: '+', text: b[j++] });
    }
  }
  const near = (k: number) =>
    lines[k].mark !== ' ' || lines[k - 1]?.mark.trim() || lines[k + 1]?.mark.trim();
  return lines
    .map((line, k) => (near(k) ? `  ${line.mark} ${line.text}` : undefined))
    .filter((line, k, all) => line !== undefined || all[k - 1] !== undefined)
    .map((line) => line ?? '    ...')
    .join('\n');
}
