// The kura command line: one file per command under commands/.
import { runAdmin } from './commands/admin.js';
import { runAgent } from './commands/agent.js';
import { runAudit } from './commands/audit.js';
import { runCluster } from './commands/cluster.js';
import { runDemo } from './commands/demo.js';
import { runElection } from './commands/election.js';
import { runExport } from './commands/export.js';
import { runForensics } from './commands/forensics.js';
import { runKeygen } from './commands/keygen.js';
import { runReceipt } from './commands/receipt.js';
import { runServe } from './commands/serve.js';
import { runSubmit } from './commands/submit.js';
import { runVerify } from './commands/verify.js';
import { runVerifyBundle } from './commands/verify-bundle.js';
import { runWitness } from './commands/witness.js';
import { UsageError } from './usage.js';

interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  demo: {
    summary:
      'start a server on the embedded store and replay the Kenya 2022 election night (npm start)',
    run: runDemo,
  },
  keygen: { summary: 'make an Ed25519 signed-note key pair', run: runKeygen },
  election: {
    summary: 'build and sign an election (kenya-2022, synthetic, or a definition file)',
    run: runElection,
  },
  serve: { summary: 'run the results server', run: runServe },
  cluster: {
    summary: 'a writer, its standby, readers and an nginx front on one machine (PostgreSQL)',
    run: runCluster,
  },
  submit: {
    summary: "sign and send a station's result as its device would, and check the receipt",
    run: runSubmit,
  },
  agent: {
    summary:
      "a party's agents: enrol and revoke them, co-sign or dissent from a station's result, the party's parallel tally",
    run: runAgent,
  },
  receipt: { summary: 'check a receipt offline (kura receipt verify)', run: runReceipt },
  verify: { summary: 'audit a server: check its whole log, recompute every tally', run: runVerify },
  export: {
    summary: 'write a preservation bundle: the whole record in one self-verifying tar file',
    run: runExport,
  },
  'verify-bundle': {
    summary: 'check a preservation bundle offline (every member, signature, proof and tally)',
    run: runVerifyBundle,
  },
  forensics: {
    summary: 'flag results worth a second look (rule and statistical checks) in an HTML report',
    run: runForensics,
  },
  witness: { summary: 'run a tlog witness that cosigns consistent checkpoints', run: runWitness },
  admin: {
    summary: 'create the first commission administrator (on the server machine, server stopped)',
    run: runAdmin,
  },
  audit: {
    summary: 'a risk-limiting audit: start, approve, seed, sample, enter, confirm, close, status',
    run: runAudit,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'kura: open election-results servers',
    '',
    'usage: kura <command> [options]   (kura <command> --help for its options)',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    process.exitCode = name ? 0 : 64;
    return;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`kura: unknown command "${name}" (kura --help lists the commands)\n`);
    process.exitCode = 64;
    return;
  }
  try {
    process.exitCode = await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      // One line: a message that carries the help text keeps its first line and points to --help.
      const [first] = e.message.trim().split('\n');
      const hint = e.pointToHelp || first !== e.message.trim() ? ` (see kura ${name} --help)` : '';
      process.stderr.write(`kura ${name}: ${first}${hint}\n`);
      process.exitCode = 64;
    } else {
      process.stderr.write(`kura ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
      if (process.env.KURA_DEBUG) console.error(e);
      process.exitCode = 1;
    }
  }
}
