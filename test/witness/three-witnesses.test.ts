// Three witnesses on loopback (two coalitions and an observer mission) and a
// kura server that pushes its checkpoints to them: every checkpoint ends up
// cosigned by all three and `kura verify --witness-policy "2 of 3"` passes.
// Then a server presenting a forked history (the same election and log key,
// other entries) pushes it to one of the witnesses: refused there (422, kept
// as evidence), not cosigned, and caught by verify (the policy is not met; and
// against the state of an earlier run, a fork with both checkpoints).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openCheckpoint } from '../../src/log/checkpoint.js';
import { checkWitnessPolicy, parseCosignatureVerifierKey } from '../../src/log/cosignature.js';
import { type NoteVerifier, parseNote, parseVerifierKey } from '../../src/log/note.js';
import { parseInlinePolicy, type WitnessPolicy } from '../../src/log/tlog-policy.js';
import { verifyServer } from '../../src/verify/verify.js';
import { kura } from '../helpers/kura-cli.js';
import {
  eventually,
  LOG_KEY,
  ORIGIN,
  type RunningWitness,
  startWitness,
  startWitnessedLog,
  type WitnessedLog,
} from './witnessed-log.js';

function verifierOf(vkey: string): NoteVerifier {
  const v = parseCosignatureVerifierKey(vkey);
  if (!v.ok) throw v.error;
  return v.value;
}

const logVerifier = (() => {
  const v = parseVerifierKey(LOG_KEY.verifierKey);
  if (!v.ok) throw v.error;
  return v.value;
})();

/** The served note's signature names, in order. */
function signers(note: string): string[] {
  const p = parseNote(note);
  return p.ok ? p.value.signatures.map((s) => s.name) : [];
}

describe('three witnesses on loopback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-three-witnesses-'));
  const witnesses: RunningWitness[] = [];
  let honest: WitnessedLog;
  let policy: WitnessPolicy;
  let inline = '';
  const quiet = { progress: false, threads: 1, say: () => {} };

  before(async () => {
    for (const name of ['coalition-a', 'coalition-b', 'observers'])
      witnesses.push(await startWitness(name));
    inline = `2 of ${witnesses.map((w) => w.vkey).join(',')}`;
    const p = parseInlinePolicy(inline);
    if (!p.ok) throw new Error(p.error);
    policy = p.value;
    honest = await startWitnessedLog(witnesses.map((w) => w.target));
  });
  after(async () => {
    await honest?.close();
    for (const w of witnesses) await w.stop();
    for (const w of witnesses) rmSync(w.stateDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  /** The served checkpoint once it is at `size` with all three cosignatures. */
  const cosignedAt = (log: WitnessedLog, size: number) =>
    eventually(`a checkpoint of size ${size} cosigned by all three`, async () => {
      const note = await log.checkpoint();
      const opened = openCheckpoint(
        note,
        ORIGIN,
        [logVerifier],
        witnesses.map((w) => verifierOf(w.vkey)),
      );
      if (!opened.ok || opened.value.checkpoint.size !== size) return undefined;
      const all = checkWitnessPolicy(
        opened.value.note,
        opened.value.note.verified.map((s) => s.verifier).filter((v) => v !== logVerifier),
        3,
      );
      return all.ok ? note : undefined;
    });

  test('every checkpoint is cosigned by all three; the log signs first; the note is stored', async () => {
    const codes = honest.definition.stations.map((s) => s.code);
    await honest.submit(codes.slice(0, 6));
    const note = await cosignedAt(honest, 7);
    assert.deepEqual(signers(note), [ORIGIN, ORIGIN, 'coalition-a', 'coalition-b', 'observers']);
    // Each witness durably holds the checkpoint it cosigned (the log-signed note as pushed).
    for (const w of witnesses) {
      const [file] = readdirSync(join(w.stateDir, 'checkpoints'));
      const kept = readFileSync(join(w.stateDir, 'checkpoints', file as string), 'utf8');
      assert.equal(kept.slice(0, kept.indexOf('\n\n')), note.slice(0, note.indexOf('\n\n')));
    }
    // The cosigned note is stored, so a restarted server or a reader serves it too.
    await eventually('the cosigned note in the store', async () =>
      (await honest.store.latestCheckpoint())?.note === note ? true : undefined,
    );
    // More results: the witnesses follow with consistency proofs.
    await honest.submit(codes.slice(6, 9));
    await cosignedAt(honest, 10);
    assert.deepEqual(
      witnesses.flatMap((w) => w.logged),
      [],
    );
  });

  test('kura verify --witness-policy "2 of 3" passes (library and command)', async () => {
    const r = await verifyServer({
      ...quiet,
      server: honest.url,
      stateDir: join(dir, 'honest-state'),
      logKey: LOG_KEY.verifierKey,
      witnessPolicy: policy,
    });
    assert.equal(r.exitCode, 0, JSON.stringify(r.findings, null, 2));
    const cli = await kura(
      'verify',
      honest.url,
      '--state',
      join(dir, 'cli-state'),
      '--log-key',
      LOG_KEY.verifierKey,
      '--witness-policy',
      inline,
      '--quiet',
      '--threads',
      '1',
    );
    assert.equal(cli.code, 0, cli.stdout);
    // A policy naming a witness this server does not push to is not met, and says which.
    const stranger = await startWitness('stranger');
    try {
      const strict = parseInlinePolicy(
        `all of ${[...witnesses, stranger].map((w) => w.vkey).join(',')}`,
      );
      assert.ok(strict.ok);
      const r2 = await verifyServer({
        ...quiet,
        server: honest.url,
        stateDir: join(dir, 'strict-state'),
        logKey: LOG_KEY.verifierKey,
        witnessPolicy: strict.value,
      });
      assert.equal(r2.exitCode, 2);
      assert.match(
        r2.findings.find((f) => f.severity === 'fatal')?.message ?? '',
        /needs all of \(coalition-a, coalition-b, observers, stranger\); cosigned by coalition-a, coalition-b, observers; missing stranger/,
      );
    } finally {
      await stranger.stop();
      rmSync(stranger.stateDir, { recursive: true, force: true });
    }
  });

  test('a forked history pushed to one witness is refused there and caught by verify', async () => {
    const victim = witnesses[0] as RunningWitness;
    const before = readFileSync(
      join(
        victim.stateDir,
        'checkpoints',
        readdirSync(join(victim.stateDir, 'checkpoints'))[0] as string,
      ),
      'utf8',
    );
    // Same election, same log key, other entries: 11 different results.
    const fork = await startWitnessedLog([victim.target]);
    try {
      const codes = fork.definition.stations.map((s) => s.code);
      await fork.submit(codes.slice(0, 11), 7);
      const refusal = await eventually('the witness refusing the fork', async () =>
        fork.logged.find((m) => m.includes('coalition-a') && m.includes('HTTP 422')),
      );
      assert.match(refusal, /not consistent with the checkpoint of size 10 cosigned before/);
      // The witness still holds the honest checkpoint, and kept the forked one as evidence.
      const after = readFileSync(
        join(
          victim.stateDir,
          'checkpoints',
          readdirSync(join(victim.stateDir, 'checkpoints'))[0] as string,
        ),
        'utf8',
      );
      // The same tree (origin, size, root); the honest log may have re-signed it
      // since (its timed cosignature line moves on while it is idle).
      const body = (note: string) => note.slice(0, note.indexOf('\n\n'));
      assert.equal(body(after), body(before));
      assert.ok(readdirSync(join(victim.stateDir, 'evidence')).length >= 1);
      // The fork may sign its last checkpoint after the first refusal: wait until
      // the witness has refused that one too and kept it.
      const forkNote = await fork.checkpoint();
      await eventually(
        "the witness keeping the fork's last checkpoint as evidence",
        async () =>
          readdirSync(join(victim.stateDir, 'evidence')).some((f) =>
            readFileSync(join(victim.stateDir, 'evidence', f), 'utf8').includes(body(forkNote)),
          )
            ? true
            : undefined,
        30_000,
      );
      // The fork's checkpoint carries no witness cosignature...
      assert.deepEqual(signers(forkNote), [ORIGIN, ORIGIN]);
      // ...so verify with the policy refuses it, naming the missing witnesses,
      const fresh = await verifyServer({
        ...quiet,
        server: fork.url,
        stateDir: join(dir, 'fork-fresh'),
        logKey: LOG_KEY.verifierKey,
        witnessPolicy: policy,
      });
      assert.equal(fresh.exitCode, 2, JSON.stringify(fresh.findings, null, 2));
      const [finding] = fresh.findings.filter((f) => f.severity === 'fatal');
      assert.equal(finding?.kind, 'checkpoint-invalid');
      assert.match(
        finding?.message ?? '',
        /does not meet the witness policy: the policy needs 2 of \(coalition-a, coalition-b, observers\); cosigned by none; missing coalition-a, coalition-b, observers/,
      );
      assert.ok(!existsSync(join(dir, 'fork-fresh', 'state.json')), 'nothing adopted');
      // ...and against what an earlier run verified, it is a fork, with both checkpoints.
      const seen = await verifyServer({
        ...quiet,
        server: fork.url,
        stateDir: join(dir, 'honest-state'),
        witnessPolicy: policy,
      });
      assert.equal(seen.exitCode, 2, JSON.stringify(seen, null, 2));
      assert.equal(seen.consistency, 'fork', JSON.stringify(seen, null, 2));
      // The honest log goes on being cosigned by all three, the victim included.
      await honest.submit(honest.definition.stations.slice(9).map((s) => s.code));
      await cosignedAt(honest, 13);
    } finally {
      await fork.close();
    }
  });
});
