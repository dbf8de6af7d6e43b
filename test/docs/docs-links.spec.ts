/**
 * The README is the way in and docs/ the manual: the README stays short, keeps the two commands
 * first, and every relative link of the README and the guides reaches an existing file and, for
 * a Markdown file, an existing heading.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { headingAnchor } from '../../tools/config-docs/render-config-docs';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(path, 'utf8');
const withoutCode = (text: string) => text.replace(/```[\s\S]*?```/g, '');

function anchorsOf(path: string): Set<string> {
  const headings = withoutCode(read(path)).match(/^#{1,6} .*$/gm) ?? [];
  return new Set(headings.map((h) => headingAnchor(h.replace(/^#+ /, ''))));
}

const guides = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(ROOT, 'docs', name));

describe('README.md and docs/', () => {
  it('keeps the README a way in: at most 200 lines, the two commands first', () => {
    const readme = read(join(ROOT, 'README.md'));
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    expect(readme).toMatch(
      /^# SmartRetail\n\n```bash\nnpm install && npm start {3}# .*\nnpm test {19}# .*\n```\n/,
    );
  });

  it('gives every guide a table of contents', () => {
    for (const guide of guides)
      expect([guide, /\n## Contents\n/.test(read(guide))]).toEqual([guide, true]);
  });

  it('has no relative link to a missing file or heading', () => {
    const broken: string[] = [];
    for (const file of [join(ROOT, 'README.md'), join(ROOT, 'ARCHITECTURE.md'), ...guides]) {
      for (const [, target] of withoutCode(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?|mailto):/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const resolved = path ? normalize(join(dirname(file), path)) : file;
        if (!existsSync(resolved)) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor))
          broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
