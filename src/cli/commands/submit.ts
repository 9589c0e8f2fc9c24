import { readFileSync } from 'node:fs';
import { canonicalString } from '../../election/canonical.js';
import type { ElectionDefinition } from '../../election/definition.js';
import { demoDeviceSeed } from '../../election/demo-keys.js';
import { deviceTime, formUploadHeaders, signResult } from '../../election/device.js';
import type { ResultEntry } from '../../election/entries.js';
import { sniffFormType } from '../../election/form-upload.js';
import { resultQrText } from '../../election/result-qr.js';
import { fromHex, toHex } from '../../log/bytes.js';
import { sha256 } from '../../log/crypto.js';
import { readElectionFiles } from '../../platform/election-dir.js';
import { encodeQr } from '../../qr/qr-code.js';
import { qrTerminalText } from '../../qr/qr-render.js';
import { checkSavedReceipt, saveReceipt } from '../receipt-file.js';
import { parse, requireOption, UsageError } from '../usage.js';

const HELP = `
kura submit --server URL --election DIR --station CODE --contest ID --votes ID=N,ID=N,...
            --rejected N [--total-valid N] (--form FILE | --form-sha256 HEX)
            [--device ID] [--device-seed HEX | --demo-key] [--receipt-out FILE] [--qr]

Does what a presiding officer's device does: uploads the scanned form (if
--form; the upload is signed with the device key, as the server accepts forms
only from enrolled devices), signs the station's result with the device key,
sends it, and checks the receipt it gets back against the log key pinned in
the election directory.

  --server URL          the kura server
  --election DIR        the election directory (its pinned log key checks the receipt)
  --station CODE        the polling station's code
  --contest ID          the contest (e.g. president)
  --votes ID=N,...      each candidate's votes
  --rejected N          rejected ballots
  --total-valid N       the total valid votes as written on the form (default:
                        the sum of --votes)
  --form FILE           the scanned form (JPEG, PNG or PDF) to upload and cite
  --form-sha256 HEX     cite a form already uploaded, by its SHA-256
  --device ID           the device id (default: the one enrolled at the station)
  --device-seed HEX     the device's Ed25519 seed (64 hex digits)
  --demo-key            derive the demo key kura election made for the device
                        (demo elections only)
  --device-time T       the device's clock in the result (RFC 3339; default now)
  --receipt-out FILE    where to write the receipt (default
                        receipt-<contest>-<station>.tlog-proof)
  --qr                  once the result is logged, show it as the device's QR
                        code (FORMATS.md §16: "kura-result:" and the base64url
                        of the entry's bytes) for the parties' agents to scan
                        with kura agent or the portal's /agent page (drawn for
                        light text on a dark background); the text itself
                        follows the code`;

export async function runSubmit(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      server: { type: 'string' },
      election: { type: 'string' },
      station: { type: 'string' },
      contest: { type: 'string' },
      votes: { type: 'string' },
      rejected: { type: 'string' },
      'total-valid': { type: 'string' },
      form: { type: 'string' },
      'form-sha256': { type: 'string' },
      device: { type: 'string' },
      'device-seed': { type: 'string' },
      'demo-key': { type: 'boolean' },
      'device-time': { type: 'string' },
      'receipt-out': { type: 'string' },
      qr: { type: 'boolean' },
    },
    HELP,
  );
  if (!a) return 0;
  const v = a.values;
  const server = requireOption(v.server, 'server').replace(/\/$/, '');
  const dir = requireOption(v.election, 'election');
  const station = requireOption(v.station, 'station');
  const contest = requireOption(v.contest, 'contest');
  const { definitionBytes } = readElectionFiles(dir);
  const definition = JSON.parse(new TextDecoder().decode(definitionBytes)) as ElectionDefinition;

  const votes: Record<string, number> = {};
  for (const pair of requireOption(v.votes, 'votes').split(',')) {
    const [id, n] = pair.split('=');
    if (!id || n === undefined || !/^\d+$/.test(n))
      throw new UsageError(`--votes: "${pair}" is not ID=N`);
    votes[id] = Number(n);
  }
  const rejectedText = requireOption(v.rejected, 'rejected');
  if (!/^\d+$/.test(rejectedText)) throw new UsageError('--rejected must be a whole number');
  if (v['total-valid'] !== undefined && !/^\d+$/.test(v['total-valid']))
    throw new UsageError('--total-valid must be a whole number');
  const totalValid =
    v['total-valid'] !== undefined
      ? Number(v['total-valid'])
      : Object.values(votes).reduce((s, n) => s + n, 0);

  const device = v.device ?? definition.devices.find((d) => d.station === station)?.id;
  if (!device) throw new UsageError(`no device is enrolled at station ${station}; give --device`);
  let seed: Uint8Array;
  if (v['device-seed']) {
    const s = fromHex(v['device-seed']);
    if (s?.length !== 32) throw new UsageError('--device-seed must be 64 hex digits');
    seed = s;
  } else if (v['demo-key']) seed = demoDeviceSeed(definition.electionId, device);
  else throw new UsageError('give --device-seed HEX or --demo-key');

  let form: string;
  if (v.form) {
    const data = new Uint8Array(readFileSync(v.form));
    const type = sniffFormType(data);
    if (!type) throw new UsageError(`${v.form} is not a JPEG, PNG or PDF`);
    form = toHex(sha256(data));
    // The device signs the upload, so that only enrolled devices can store forms.
    const authorised = formUploadHeaders(
      { electionId: definition.electionId, station, device, sha256: form },
      seed,
    );
    const put = await fetch(`${server}/api/v1/forms/${form}`, {
      method: 'PUT',
      headers: { 'content-type': type, ...authorised },
      body: data,
    });
    if (!put.ok) throw new Error(`form upload refused: ${put.status} ${await put.text()}`);
    process.stdout.write(`form ${form} uploaded (${data.length} bytes, ${type})\n`);
  } else form = requireOption(v['form-sha256'], 'form or --form-sha256');

  const entry: ResultEntry = signResult(
    {
      type: 'result',
      v: 1,
      election: definition.electionId,
      contest,
      station,
      device,
      votes,
      rejected: Number(rejectedText),
      totalValid,
      form,
      deviceTime: v['device-time'] ?? deviceTime(new Date()),
    },
    seed,
  );
  const res = await fetch(`${server}/api/v1/results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(entry),
  });
  const body = (await res.json()) as {
    index?: number;
    receipt?: string;
    duplicate?: boolean;
    flags?: string[];
    error?: { code: string; message: string };
  };
  if (!res.ok || !body.receipt || body.index === undefined) {
    process.stderr.write(
      `refused: HTTP ${res.status} ${body.error ? `${body.error.code}: ${body.error.message}` : JSON.stringify(body)}\n`,
    );
    return 2;
  }
  const out = v['receipt-out'] ?? `receipt-${contest}-${station}.tlog-proof`;
  await saveReceipt(out, body.receipt);
  const check = checkSavedReceipt(out, definition.logKey, definition.logOrigin);
  if (!check.ok) {
    process.stderr.write(`THE RECEIPT DOES NOT VERIFY: ${check.error}\n`);
    return 3;
  }
  if (canonicalString(check.value.entry) !== canonicalString(entry)) {
    process.stderr.write('THE RECEIPT IS FOR A DIFFERENT ENTRY than the one this device signed\n');
    return 3;
  }
  process.stdout.write(
    `${body.duplicate ? 'already logged' : 'logged'} as entry ${body.index}${body.flags?.length ? ` (flags: ${body.flags.join(', ')})` : ''}\n`,
  );
  process.stdout.write(
    `receipt saved to ${out} and verified: the signed checkpoint (size ${check.value.treeSize}) includes this entry\n\n${body.receipt}`,
  );
  if (v.qr) {
    // What the station's screen shows the agents: the bytes the device signed and the log holds.
    const text = resultQrText(entry);
    process.stdout.write(
      `\nthe device's QR code of this result, for the parties' agents to scan:\n\n${qrTerminalText(encodeQr(new TextEncoder().encode(text)))}\n${text}\n`,
    );
  }
  return 0;
}
