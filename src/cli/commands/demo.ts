// `kura demo`: the arguments; the night itself is the simulation harness
// (src/simulate/demo.ts), which the benchmark runs too.
import { demo } from '../../simulate/demo.js';
import { parse, UsageError } from '../usage.js';

const HELP = `
kura demo [--synthetic N] [--faults] [--data DIR | --db URL] [--election DIR] [--port P]
          [--speed X | --max-speed] [--concurrency N] [--fresh] [--exit] [--no-scans]
          [--audit [--risk-limit P] [--audit-seed DIGITS]]
          [--agents]

The main job, on the embedded store (or PostgreSQL with --db): makes the Kenya 2022 election (46,229
polling stations; demo device keys; cached in .kura/kenya-2022), starts
\`kura serve\` on it, and replays election night: every station's device signs
and sends its results for all six contests, in the real 2022 upload order,
with the night compressed (by default its schedule fits 90 seconds; --speed X
runs it X times faster than real time, --max-speed as fast as the server takes
it). How long it really takes depends on the machine, because no schedule beats
the server: the project's benchmark (bench/results.md) measured 98 s for the
whole Kenya night at maximum speed on its 2-core machine (91 s on PostgreSQL),
so expect two minutes or more, and about 20 seconds more for a start on a store
already holding the night (the server checks the whole store against its log
first, and shows its progress).
At the end it prints the national presidential tally beside the Form 34C
declaration, and every contest's national tally beside the sum of the forms
sent. The server keeps running until Ctrl-C (or stops with --exit).
A second run on the same --data resumes: results already logged are answered
with their original receipts. --fresh starts from an empty store.

--synthetic N   a synthetic country of N stations (1 to 1,000,000; made by
                \`kura election synthetic\`, cached in .kura/synthetic-N) instead
                of Kenya, with a deterministic night of results for all its
                contests; the national tallies must equal the sums of the plan.
--faults        injects faults during the night and checks each answer: network
                retries (same bytes, 2-3 times), a device signing for another
                station, a forged signature, over-votes, a second different
                result for a station, late and shuffled arrivals, and the server
                killed with SIGKILL at 40% and restarted (no acknowledged result
                lost, no fork). Prints a table; exits non-zero on a wrong answer.
                Needs an empty store (--fresh, or a new --data).
--concurrency N devices sending at once (default 1,024; 128 with --faults)
--election DIR  where the election is made (or found)
--data DIR      the embedded store (default ./kura-data/kenya-2022, or
                ./kura-data/synthetic-N)
--db URL        serve from this PostgreSQL database instead (postgres://...;
                empty, or holding this election's log: a second run resumes);
                the server's log goes to kura-data/<election>-postgres/
--port P        the server's port (default 8080)
--speed X       the night X times faster than real time
--max-speed     send as fast as the server takes it
--fresh         delete the store in --data first and start from an empty one
--exit          stop the server after the final comparison
--no-scans      the devices send their results without uploading the scans
                of their presidential forms first (to measure what uploads cost)
--audit         after the night, a risk-limiting audit of the presidential
                result (batch comparison, FORMATS.md §15) through the server's
                API: two commission administrators and a two-person audit board
                (made once from the server console with kura admin create; demo
                credentials kept beside the store), a public seed, rounds until
                the risk limit is met or a full count; the paper of a sampled
                station is its crowdsourced Form 34A reading where the
                reconciliation adjusted it, else the logged figures. Prints the
                stations checked, the discrepancies, the risk, the log entries
                and the audit's portal page. Kenya only.
--risk-limit P  the audit's risk limit in percent, 1 to 20 (default 5)
--audit-seed DIGITS  the audit's public seed, 20 to 100 digits (default: the
                four candidates' Form 34C totals in a row,
                717614169429306196931987; a real audit rolls dice in public)
--agents        party agents at the stations (FORMATS.md §16): the commission
                enrols the two main coalitions (Kenya Kwanza and Azimio; a
                synthetic country's Alpha and Beta parties) through its API, with
                an administrator made once from the server console (demo
                credentials kept beside the store); as each presidential result
                is logged, each coalition enrols its agent at the station and the
                agent co-signs the result, or, where its copy of the form reads
                differently in its favour (Kenya: the crowdsourced reading where
                the reconciliation changed it), at about half of those stations
                dissents with its copy's figures; about 3 % of stations have no
                agent of a coalition. At the end: both coalitions' parallel
                tallies beside the official one. Seeded: the same every run.`;

export async function runDemo(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      data: { type: 'string' },
      db: { type: 'string' },
      election: { type: 'string' },
      port: { type: 'string' },
      speed: { type: 'string' },
      'max-speed': { type: 'boolean' },
      'no-scans': { type: 'boolean' },
      concurrency: { type: 'string' },
      fresh: { type: 'boolean' },
      exit: { type: 'boolean' },
      faults: { type: 'boolean' },
      synthetic: { type: 'string' },
      audit: { type: 'boolean' },
      'risk-limit': { type: 'string' },
      'audit-seed': { type: 'string' },
      agents: { type: 'boolean' },
    },
    HELP,
  );
  if (!a) return 0;
  const v = a.values;
  const synthetic = v.synthetic === undefined ? undefined : Number(v.synthetic);
  if (
    synthetic !== undefined &&
    (!Number.isInteger(synthetic) || synthetic < 1 || synthetic > 1_000_000)
  )
    throw new UsageError('--synthetic must be a number of stations from 1 to 1,000,000');
  const speed = v['max-speed'] ? Number.POSITIVE_INFINITY : v.speed ? Number(v.speed) : undefined;
  if (speed !== undefined && !(speed > 0))
    throw new UsageError('--speed must be a positive number');
  const concurrency = v.concurrency === undefined ? undefined : Number(v.concurrency);
  if (
    concurrency !== undefined &&
    !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 65_536)
  )
    throw new UsageError('--concurrency must be a whole number from 1 to 65,536');
  const riskLimit = v['risk-limit'] === undefined ? undefined : Number(v['risk-limit']);
  if (
    riskLimit !== undefined &&
    !(Number.isInteger(riskLimit) && riskLimit >= 1 && riskLimit <= 20)
  )
    throw new UsageError('--risk-limit must be a whole number of percent from 1 to 20');
  const auditSeed = v['audit-seed'];
  if (auditSeed !== undefined && !/^[0-9]{20,100}$/.test(auditSeed))
    throw new UsageError('--audit-seed must be 20 to 100 decimal digits (dice rolled in public)');
  if (!v.audit && (riskLimit !== undefined || auditSeed !== undefined))
    throw new UsageError('--risk-limit and --audit-seed go with --audit');
  const report = await demo({
    synthetic,
    faults: v.faults,
    noScans: v['no-scans'],
    data: v.data,
    db: v.db,
    election: v.election,
    port: v.port,
    speed,
    concurrency,
    fresh: v.fresh,
    exit: v.exit,
    audit: v.audit,
    riskLimit,
    auditSeed,
    agents: v.agents,
  });
  return report.ok ? 0 : 1;
}
