// `kura verify` replays the agents' entries as the server's fold does: the
// verifier's streaming fold (signatures on worker threads, the agents'
// entries checked in log order against the rosters in force) reaches the same
// tallies, co-signed and disputed included, and a log holding a forged
// attestation (one a rule-following server never logs) is not "verified":
// the forgery is an anomaly finding naming its entry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignaturePool } from '../../src/platform/signature-pool.js';
import { StreamingFold, summariseFold } from '../../src/verify/fold.js';
import { Findings, verdictOf } from '../../src/verify/report.js';
import { AgentLog, figures } from './agent-log.js';

let pool: SignaturePool;
before(async () => {
  const log = new AgentLog();
  pool = await SignaturePool.start({
    threads: 1,
    definitionBytes: log.election.genesis.definitionBytes,
  });
});
after(async () => {
  await pool.close();
});

/** An honest night with agents: results, a party, its agents, an attestation and a dissent. */
function honestLog(): AgentLog {
  const log = new AgentLog();
  const [s0, s1] = log.stations as [string, string];
  const cands = log.candidates(s0);
  const r0 = log.result(s0, figures(cands, [120, 80, 10]));
  const r1 = log.result(s1, figures(cands, [90, 100, 5]));
  assert.equal(log.enrolParty('A').refused, null);
  log.enrolAgent('A', 'a0', s0);
  log.enrolAgent('A', 'a1', s1);
  assert.equal(log.attest('A', 'a0', r0.hash).refused, null);
  assert.equal(
    log.dissent('A', 'a1', r1.hash, { station: s1 }, figures(cands, [80, 110, 5])).refused,
    null,
  );
  return log;
}

/** What the verifier's fold makes of a log's entries, in bundles of 4. */
async function verifyFold(log: AgentLog) {
  const streaming = new StreamingFold(log.index, pool);
  let bundles = 0;
  for (let first = 0; first < log.entries.length; first += 4, bundles++)
    streaming.add(bundles, first, log.entries.slice(first, first + 4));
  await streaming.finish(bundles);
  const findings = new Findings();
  summariseFold(streaming.fold, findings);
  return { fold: streaming.fold, findings: findings.list };
}

const tallies = (log: { fold: { tallies: Map<string, Map<string, unknown>> } }) =>
  JSON.stringify([...log.fold.tallies.values()].map((m) => [...m.values()]));

describe('kura verify and the agents', () => {
  test('an honest log: the verifier reaches the server fold’s tallies, co-signed and disputed included, with no finding', async () => {
    const log = honestLog();
    const v = await verifyFold(log);
    assert.equal(log.fold.anomalies.length, 0);
    assert.deepEqual(v.findings, []);
    assert.equal(verdictOf(v.findings, undefined).verdict, 'verified');
    assert.equal(tallies(v), tallies(log));
    assert.equal(v.fold.tally('president')?.cosigned, 1);
    assert.equal(v.fold.tally('president')?.disputed, 1);
  });

  test('a forged attestation is an anomaly finding: the log is not verified', async () => {
    const log = honestLog();
    const [, , s2] = log.stations as [string, string, string];
    const r2 = log.result(s2, figures(log.candidates(s2), [50, 60, 7]));
    log.enrolAgent('A', 'a2', s2);
    // Signed by party A's agent at another station: a server that follows the rules refuses it.
    const forged = log.attest('A', 'a2', r2.hash, 'A/a0');
    assert.equal(forged.refused, 'BAD_AGENT_SIGNATURE');
    const v = await verifyFold(log);
    const anomalies = v.findings.filter((f) => f.kind === 'anomaly');
    assert.equal(anomalies.length, 1, JSON.stringify(v.findings));
    assert.match(
      anomalies[0]?.message ?? '',
      new RegExp(`entry ${forged.index}: rule-violation: BAD_AGENT_SIGNATURE`),
    );
    assert.equal(anomalies[0]?.severity, 'error');
    assert.equal(verdictOf(v.findings, undefined).verdict, 'findings');
    // The forgery counts nowhere: station 2 is not co-signed.
    assert.equal(v.fold.tally('president')?.cosigned, 1);
    assert.equal(v.fold.agents.wordsOn('president', s2), undefined);
  });
});
