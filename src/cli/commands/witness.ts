import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openGenesis } from '../../election/genesis.js';
import { cosignatureVerifierKey, cosigner } from '../../log/cosignature.js';
import { parseSignerKey, parseVerifierKey } from '../../log/note.js';
import { readElectionFiles, signerSeed } from '../../platform/election-dir.js';
import { lineReporter } from '../../platform/reporter.js';
import { buildWitnessServer } from '../../witness/http.js';
import { WitnessStateDir } from '../../witness/state-dir.js';
import { type KnownLog, Witness } from '../../witness/witness.js';
import { parse, requireOption, UsageError } from '../usage.js';

const HELP = `
kura witness --key FILE|env:VAR --state DIR (--log [ORIGIN=]VKEY | --election DIR)...
             [--listen HOST:PORT] [--print-vkey]

Runs a C2SP tlog-witness (c2sp.org/tlog-witness): POST /add-checkpoint takes
a log's signed checkpoint with a consistency proof from the last one this
witness cosigned, and answers with a cosignature/v1 line if the log signed it
and it is consistent; otherwise 400, 403, 404, 409 (with the witness's size)
or 422. The latest cosigned checkpoint of each log is kept in --state, durably
and under a lock, so a restarted witness never cosigns a fork of what it saw.

  --key FILE|env:VAR  the witness's signer key (PRIVATE+KEY+..., made by
                      kura keygen --name NAME --out FILE); its name is the
                      witness's name
  --log [ORIGIN=]VKEY a log to witness: its origin and its Ed25519 verifier key
                      (ORIGIN defaults to the key's name); repeatable
  --election DIR      a log to witness, as an election directory names it
                      (logOrigin and logKey of its definition); repeatable
  --state DIR         where the latest cosigned checkpoints are kept
  --listen HOST:PORT  default 127.0.0.1:8090
  --print-vkey        print the witness's cosignature/v1 verifier key and exit

Give the printed verifier key (type 0x04) to the log (kura serve --witness
URL=VKEY) and to verifiers (kura verify --witness-policy).`;

function readSignerKey(spec: string): { key: string; name: string } {
  let text: string | undefined;
  if (spec.startsWith('env:')) {
    text = process.env[spec.slice(4)];
    if (text === undefined) throw new UsageError(`--key ${spec}: the variable is not set`);
  } else {
    if (!existsSync(spec)) throw new UsageError(`--key ${spec}: no such file`);
    text = readFileSync(spec, 'utf8');
  }
  const key = text.trim();
  const parsed = parseSignerKey(key);
  if (!parsed.ok)
    throw new UsageError(`--key ${spec}: not a PRIVATE+KEY signer key (make one with kura keygen)`);
  return { key, name: parsed.value.name };
}

/** `ORIGIN=VKEY` or `VKEY` (origin = the key's name). A vkey never contains "=". */
export function parseLogArg(arg: string): KnownLog {
  const at = arg.lastIndexOf('=');
  const vkey = at < 0 ? arg : arg.slice(at + 1);
  const v = parseVerifierKey(vkey);
  if (!v.ok) throw new UsageError(`--log ${arg}: not an Ed25519 verifier key (${v.error.message})`);
  const origin = at < 0 ? v.value.name : arg.slice(0, at);
  if (origin === '') throw new UsageError(`--log ${arg}: empty origin`);
  return { origin, verifiers: [v.value] };
}

function logOfElection(dir: string): KnownLog {
  const files = readElectionFiles(dir);
  const commission = join(dir, 'commission.vkey');
  const pinned = existsSync(commission) ? readFileSync(commission, 'utf8').trim() : undefined;
  const opened = openGenesis(files.entryBytes, files.definitionBytes, pinned);
  if (!opened.ok) throw new UsageError(`--election ${dir}: ${opened.error}`);
  const { logOrigin, logKey } = opened.value.definition;
  const v = parseVerifierKey(logKey);
  if (!v.ok) throw new UsageError(`--election ${dir}: bad logKey: ${v.error.message}`);
  return { origin: logOrigin, verifiers: [v.value] };
}

function parseListen(s: string): { host: string; port: number } {
  const m = /^(.*):([0-9]{1,5})$/.exec(s);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new UsageError(`--listen ${s}: want HOST:PORT`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

export async function runWitness(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      key: { type: 'string' },
      log: { type: 'string', multiple: true },
      election: { type: 'string', multiple: true },
      state: { type: 'string' },
      listen: { type: 'string' },
      'print-vkey': { type: 'boolean' },
    },
    HELP,
  );
  if (!a) return 0;
  if (a.positionals.length) throw new UsageError(`unexpected ${a.positionals.join(' ')}\n${HELP}`);
  const { key, name } = readSignerKey(requireOption(a.values.key, 'key'));
  const signer = cosigner(name, signerSeed(key), () => Math.floor(Date.now() / 1000));
  const vkey = cosignatureVerifierKey(name, signer.publicKey);
  if (a.values['print-vkey']) {
    process.stdout.write(`${vkey}\n`);
    return 0;
  }
  const logs = [
    ...(a.values.log ?? []).map(parseLogArg),
    ...(a.values.election ?? []).map(logOfElection),
  ];
  if (logs.length === 0) throw new UsageError('give at least one --log or --election');
  const origins = new Set<string>();
  for (const l of logs) {
    if (origins.has(l.origin)) throw new UsageError(`the log ${l.origin} is given twice`);
    origins.add(l.origin);
  }
  const { host, port } = parseListen(a.values.listen ?? '127.0.0.1:8090');
  const say = (m: string) => process.stderr.write(`kura witness: ${m}\n`);
  const state = await WitnessStateDir.open(
    requireOption(a.values.state, 'state'),
    lineReporter(say),
  );
  const witness = new Witness(signer, logs, state, say);
  const app = await buildWitnessServer(witness, { verifierKey: vkey });
  let address: string;
  try {
    address = await app.listen({ host, port });
  } catch (e) {
    state.close();
    throw e;
  }
  process.stdout.write(
    `kura witness: ${name} on ${address}, witnessing ${logs.map((l) => l.origin).join(', ')}\n  verifier key  ${vkey}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await app.close();
  state.close();
  return 0;
}
