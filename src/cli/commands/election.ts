// `kura election`: the arguments; making the election directory is
// src/simulate/make-election.ts, which the demo and the benchmark use too.
import { makeElection } from '../../simulate/make-election.js';
import { parse, UsageError } from '../usage.js';

const HELP = `
kura election kenya-2022 [--out DIR] [--origin ORIGIN] [--force]
kura election synthetic --stations N [--out DIR] [--origin ORIGIN] [--president-only]
kura election create --definition FILE [--out DIR]

Builds an election definition, signs entry 0 with the commission key, and
writes an election directory (definition.json, entry0.json, log and commission
keys; keys that already exist there are kept). kenya-2022 uses the committed
2022 facts (46,229 polling stations) with demo device keys; synthetic makes a
country of N stations. With create, FILE's logKey and commissionKey must be the
directory's keys (make them first with this command or kura keygen).

  --out DIR           the election directory to write (default .kura/<kind>)
  --origin ORIGIN     the log's origin line (default kura.example/<kind>)
  --force             make a new definition and entry 0 even if DIR has them
                      (otherwise they are reused)
  --stations N        synthetic: the number of polling stations (1 to 1,000,000)
  --president-only    synthetic: one contest (president) instead of six
  --definition FILE   create: the election definition (JSON, FORMATS.md §3)`;

export async function runElection(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      out: { type: 'string' },
      origin: { type: 'string' },
      force: { type: 'boolean' },
      stations: { type: 'string' },
      'president-only': { type: 'boolean' },
      definition: { type: 'string' },
    },
    HELP,
  );
  if (!a) return 0;
  const kind = a.positionals[0];
  if (!kind) throw new UsageError(`which election? ${HELP}`);
  const made = await makeElection(kind, {
    out: a.values.out,
    origin: a.values.origin,
    force: a.values.force,
    stations: a.values.stations ? Number(a.values.stations) : undefined,
    presidentOnly: a.values['president-only'],
    definition: a.values.definition,
  });
  process.stdout.write(
    `${made.reused ? 'already made' : 'made'}: election ${made.electionId} (${made.stations} polling stations) in ${made.dir}\n`,
  );
  process.stdout.write(`serve it with: kura serve --election ${made.dir}\n`);
  return 0;
}
