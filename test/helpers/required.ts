// Tests that need a tool or data a machine may lack (Go, Python, Chromium,
// PostgreSQL, the research CSVs) are skipped where it is missing, but never
// under CI: there everything is installed, and a skip would prove nothing.

/** The `skip` option of such a test: false when `present`; otherwise a reason, or under CI an error. */
export function skipIfMissing(present: boolean, what: string): false | string {
  if (present) return false;
  if (process.env.CI) throw new Error(`${what} is missing, and CI must have it`);
  return `${what} is missing: skipped (under CI this is a failure)`;
}
