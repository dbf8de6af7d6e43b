/**
 * The form in which a cell of a file may appear in a message or a rejection record: control
 * characters made visible (a NUL byte cannot even be stored in a PostgreSQL text column), and
 * capped in length. Callers decide whether a cell may be shown at all (never a personal one).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point here
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function shownText(text: string, maxLength: number): string {
  // U+2400..U+241F are the "control pictures": ␀ for NUL, and so on.
  const visible = text.replace(CONTROL, (c) =>
    c === '\u007f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0)),
  );
  return visible.length > maxLength ? `${visible.slice(0, maxLength)}…` : visible;
}
