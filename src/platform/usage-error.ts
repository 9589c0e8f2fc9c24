// A request the user can fix by asking differently: a bad flag, a missing
// file, a store that is not there. The `kura` command prints it as one line
// and exits 64 (EX_USAGE, src/cli/main.ts); the harnesses below the CLI
// (simulate/) throw it too, so their refusals get the same answer.

/** Printed as one line and exit 64 (main.ts); `pointToHelp` adds where the options are listed. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly pointToHelp = false,
  ) {
    super(message);
  }
}
