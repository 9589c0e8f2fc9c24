// Argument parsing shared by the commands (node:util parseArgs, strict). Every
// command parses through here, so a bad argument gets the same answer from all
// of them: one line naming it, a pointer to --help, exit 64 (main.ts).
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../platform/usage-error.js';

export { UsageError };

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(args: string[], options: O, help: string) {
  const undocumented = undocumentedOptions(options, help);
  if (undocumented.length)
    throw new Error(`internal: no help text for ${undocumented.map((o) => `--${o}`).join(', ')}`);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${help.trim()}\n`);
    return null;
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(oneLine(e as Error), true);
  }
}

/** parseArgs's message in one line, naming the flag. */
function oneLine(e: Error): string {
  const flag = /'(-[^' ]*)/.exec(e.message)?.[1];
  if (flag && /^Unknown option/.test(e.message)) return `unknown option ${flag}`;
  if (flag && /argument missing/.test(e.message)) return `${flag} needs a value`;
  if (flag && /does not take an argument/.test(e.message)) return `${flag} takes no value`;
  return e.message.split('\n')[0] ?? e.message;
}

/**
 * Options with no line of their own in the help text: an option line starts
 * with its flag(s) ("  --out FILE   ..." or "  --a N, --b N"), the text after
 * two spaces being what it does.
 */
export function undocumentedOptions(options: Options, help: string): string[] {
  const flagParts = help
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('-'))
    .map((line) => line.split(/ {2,}/)[0] ?? line);
  return Object.keys(options).filter(
    (name) => !flagParts.some((part) => new RegExp(`(^|[ ,])--${name}(?![\\w-])`).test(part)),
  );
}

export function requireOption(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}
