// The flagged stations as CSV (RFC 4180: comma-separated, CRLF, fields
// quoted where needed). Names come from the election definition, which a
// hostile server may have written: a field a spreadsheet would run as a
// formula (starting with =, +, -, @, tab or CR) is prefixed with an apostrophe.
import type { FlaggedRow } from './analyse.js';

export const CSV_HEADER = [
  'station_code',
  'station_name',
  'county',
  'constituency',
  'contest',
  'entry_index',
  'flag',
  'detail',
] as const;

function field(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function flaggedCsv(rows: readonly FlaggedRow[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of rows)
    lines.push(
      [
        r.station,
        r.stationName,
        r.county,
        r.constituency,
        r.contest,
        r.entryIndex,
        r.flag,
        r.detail,
      ]
        .map(field)
        .join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}
