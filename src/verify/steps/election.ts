// Opening the election: entry 0 and the definition it commits to, checked
// against the commission key and, with --election, equal byte for byte to the
// election directory's; and the devices enrolled with public demo keys.
import { ok, type Result } from '../../basics/result.js';
import type { ElectionDefinition } from '../../election/definition.js';
import { type OpenedGenesis, openGenesis } from '../../election/genesis.js';
import { equal } from '../../log/bytes.js';
import { leafHash } from '../../log/merkle.js';
import { decodeEntryBundle, entryBundlePath, TILE_WIDTH } from '../../log/tiles.js';
import type { Anchors } from '../anchors.js';
import { type AuditContext, type AuditError, fail, type Step } from '../audit.js';
import type { LogReader } from '../log-reader.js';
import type { StateDir } from '../state.js';
import { SERVER, type Subject } from './trust.js';

export interface OpenedElection {
  genesis: OpenedGenesis;
  definitionBytes: Uint8Array;
}

/** With --election, the log's entry 0 must be the directory's. */
export function checkPinnedEntry0(
  local: Anchors['election'],
  entryBytes: Uint8Array,
  subject: Subject,
): Result<void, AuditError> {
  if (!local || equal(local.entryBytes, entryBytes)) return ok(undefined);
  return fail.fatal(
    'election-invalid',
    `${subject.whose} entry 0 (leaf ${Buffer.from(leafHash(entryBytes)).toString('hex').slice(0, 16)}…) is not the entry 0 in ${local.dir}: ${subject.holds} another election`,
  );
}

/** Entry 0 and the definition, verified (with the commission key, when one is given). */
export function openElectionOf(
  entryBytes: Uint8Array,
  definitionBytes: Uint8Array,
  commissionKey: string | undefined,
): Result<OpenedElection, AuditError> {
  const opened = openGenesis(entryBytes, definitionBytes, commissionKey);
  if (!opened.ok)
    return fail.fatal(
      'election-invalid',
      `entry 0 and the election definition do not verify: ${opened.error}`,
    );
  return ok({ genesis: opened.value, definitionBytes });
}

/**
 * A server's election: entry 0 (the first entry of the first bundle), the
 * definition (the election directory's, the state directory's when entry 0
 * commits to it, else GET /api/v1/election), opened together.
 */
export async function openServerElection(
  ctx: AuditContext,
  reader: LogReader,
  o: { state: StateDir; size: number; commissionKey: string | undefined; anchors: Anchors },
): Step<OpenedElection> {
  // Entry 0 alone (a one-entry bundle) if the first bundle is not served whole: the mirror names what is missing.
  let width = Math.min(TILE_WIDTH, o.size);
  let res = await reader.entryBundle(0, width);
  if (!res.ok && o.size > 1) {
    width = 1;
    res = await reader.entryBundle(0, 1);
  }
  if (!res.ok)
    return fail.fatal(
      'entries-withheld',
      `GET ${reader.where(`log/${entryBundlePath(0, width)}`)} answered HTTP ${res.error.status}: the server does not serve entry 0, which its checkpoint covers`,
    );
  const bundle = decodeEntryBundle(res.value);
  const entryBytes = bundle.ok ? bundle.value[0] : undefined;
  if (!entryBytes)
    return fail.fatal(
      'election-invalid',
      `the first entry bundle does not hold entry 0 (${bundle.ok ? 'empty' : bundle.error.message})`,
    );
  const local = o.anchors.election;
  const pinned = checkPinnedEntry0(local, entryBytes, SERVER);
  if (!pinned.ok) return pinned;
  let definitionBytes = local?.definitionBytes;
  if (!definitionBytes) {
    const kept = o.state.readDefinition();
    if (kept && openGenesis(entryBytes, kept).ok) definitionBytes = kept;
    else {
      const served = await reader.definition();
      if (!served.ok)
        return fail.incomplete(
          `GET ${reader.where('api/v1/election')} answered HTTP ${served.error.status}`,
        );
      definitionBytes = served.value;
    }
  }
  // The election directory's, opened already (checkPinnedEntry0 held entry 0 to its bytes).
  const opened =
    local && definitionBytes === local.definitionBytes && o.commissionKey === local.commissionKey
      ? ok({ genesis: local.opened, definitionBytes })
      : openElectionOf(entryBytes, definitionBytes, o.commissionKey);
  if (!opened.ok) return opened;
  if (local) await checkServedDefinition(ctx, reader, local.definitionBytes);
  return opened;
}

async function checkServedDefinition(
  ctx: AuditContext,
  reader: LogReader,
  expected: Uint8Array,
): Promise<void> {
  const res = await reader.definition();
  if (!res.ok || !equal(res.value, expected))
    ctx.findings.error(
      'definition-mismatch',
      `GET /api/v1/election does not serve the definition entry 0 commits to (HTTP ${res.ok ? 200 : res.error.status}, ${res.ok ? res.value.length : res.error.text.length} bytes)`,
    );
}

/** Warns when enrolled devices sign with the public demo keys (anyone can sign as them). */
export function warnDemoKeys(
  ctx: AuditContext,
  demoIds: readonly string[],
  definition: ElectionDefinition,
): void {
  if (!demoIds.length) return;
  ctx.findings.warning(
    'demo-device-keys',
    `${demoIds.length.toLocaleString('en')} of ${definition.devices.length.toLocaleString('en')} enrolled device keys are PUBLIC demo keys (e.g. ${demoIds.slice(0, 3).join(', ')}): anyone can sign results as those stations; this log proves nothing about a real election`,
  );
}
