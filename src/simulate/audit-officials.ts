// The officials of the demo's audit (`kura demo --audit`): two commission
// administrators (one proposes the audit, the other approves it: the two-person
// rule) and a two-person audit board from different parties (one enters what
// each sampled form says, the other confirms it). All four are made from the
// server console, `kura admin create`, as an operator would (server stopped),
// once per store; their demo credentials are kept beside the store so a
// second run logs in with them. Real officials choose their own passwords.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKura } from './server-process.js';

export interface AuditOfficial {
  account: string;
  role: 'commission-admin' | 'audit-board';
  /** Who the account stands for (the demo's audit board: one member per main coalition). */
  for: string;
  password: string;
  /** An administrator's TOTP secret (base32), null for an audit-board member. */
  totpSecret: string | null;
}

export interface AuditOfficials {
  proposer: AuditOfficial;
  approver: AuditOfficial;
  /** Enters each sampled station's paper figures. */
  enterer: AuditOfficial;
  /** Confirms each entry of the other. */
  confirmer: AuditOfficial;
}

const PLAN: ReadonlyArray<[keyof AuditOfficials, Omit<AuditOfficial, 'password' | 'totpSecret'>]> =
  [
    ['proposer', { account: 'audit-chair', role: 'commission-admin', for: 'the commission' }],
    ['approver', { account: 'audit-vice-chair', role: 'commission-admin', for: 'the commission' }],
    [
      'enterer',
      {
        account: 'board-uda',
        role: 'audit-board',
        for: 'United Democratic Alliance (Kenya Kwanza)',
      },
    ],
    ['confirmer', { account: 'board-odm', role: 'audit-board', for: 'ODM (Azimio la Umoja)' }],
  ];

/** Where the demo keeps its audit officials' credentials (demo secrets, beside the store). */
export function auditOfficialsFile(dataDir: string): string {
  return join(dataDir, 'audit-officials.json');
}

/** The officials recorded for this store, or null when they have not been made yet. */
export function readAuditOfficials(dataDir: string): AuditOfficials | null {
  const file = auditOfficialsFile(dataDir);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as AuditOfficials;
}

/**
 * Makes the four accounts with `kura admin create` (the server must be stopped
 * and the store must hold the election) and records their credentials.
 */
export async function createAuditOfficials(o: {
  electionDir: string;
  /** ['--data', DIR] or ['--db', URL]: the server's store. */
  storeArgs: string[];
  dataDir: string;
}): Promise<AuditOfficials> {
  const made: Partial<AuditOfficials> = {};
  // The password goes to kura admin create in a file of its own, readable by this user only.
  const pwDir = mkdtempSync(join(tmpdir(), 'kura-audit-officials-'));
  const pwFile = join(pwDir, 'password.txt');
  try {
    for (const [key, plan] of PLAN) {
      const password = randomBytes(18).toString('base64url');
      writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
      const text = await runKura([
        ...['admin', 'create', '--election', o.electionDir, ...o.storeArgs],
        ...['--account', plan.account, '--role', plan.role, '--password-file', pwFile],
      ]);
      const secret = /TOTP secret ([A-Z2-7]+)/.exec(text)?.[1] ?? null;
      if (plan.role === 'commission-admin' && !secret)
        throw new Error(`kura admin create printed no TOTP secret for ${plan.account}:\n${text}`);
      made[key] = { ...plan, password, totpSecret: secret };
    }
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
  const officials = made as AuditOfficials;
  mkdirSync(o.dataDir, { recursive: true });
  writeFileSync(auditOfficialsFile(o.dataDir), `${JSON.stringify(officials, null, 2)}\n`, {
    mode: 0o600,
  });
  return officials;
}
