// CSV as the open-data downloads write it (RFC 4180, CRLF line ends).

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number | null): string {
  const s = value === null ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows of fields as CSV text, every line ended by CRLF. */
export function csvLines(rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  return rows.map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}
