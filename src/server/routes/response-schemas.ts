// JSON schemas of the read endpoints' answers (the shapes of src/api/contract.ts),
// for Fastify's serialiser and for anyone reading the routes. Properties are
// listed in the order the server builds them, so the bytes are the same as
// JSON.stringify's; every object keeps properties not listed
// (additionalProperties), so nothing is ever dropped; a value that may be null
// says so. Bodies sent pre-serialised (the tallies) are described, not
// re-serialised.

type Schema = Record<string, unknown>;

const int: Schema = { type: 'integer' };
const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const nullable = (type: 'integer' | 'string'): Schema => ({ type: [type, 'null'] });
const list = (items: Schema): Schema => ({ type: 'array', items });
const counts: Schema = { type: 'object', additionalProperties: int };
/** An object with these properties, in this order, and any others kept as they are. */
const obj = (properties: Record<string, Schema>): Schema => ({
  type: 'object',
  properties,
  additionalProperties: true,
});
const nullableObj = (properties: Record<string, Schema>): Schema => ({
  ...obj(properties),
  type: ['object', 'null'],
});

const UNIT_TALLY = obj({
  contest: str,
  unit: str,
  totalValid: int,
  rejected: int,
  stationsReported: int,
  stationsExpected: int,
  registeredReported: int,
  registeredExpected: int,
  flagged: counts,
  lastEntry: int,
  corrections: int,
  cosigned: int,
  disputed: int,
  votes: counts,
  races: int,
  partyVotes: counts,
});

export const TALLY_RESPONSE = obj({
  contest: str,
  unit: str,
  level: str,
  name: str,
  tally: UNIT_TALLY,
  children: list(obj({ unit: str, name: str, level: str, tally: UNIT_TALLY })),
});

export const TALLY_LIST_RESPONSE = obj({
  contest: str,
  tallies: list(obj({ unit: str, tally: UNIT_TALLY })),
  next: nullable('string'),
});

const FIGURES = { votes: counts, rejected: int, totalValid: int };

const STATION_RESULT = nullableObj({
  contest: str,
  station: str,
  entryIndex: int,
  device: str,
  ...FIGURES,
  form: str,
  deviceTime: str,
  flags: list(str),
  correction: obj({
    entryIndex: int,
    inForceAt: int,
    reason: str,
    original: obj({ ...FIGURES, form: str, flags: list(str) }),
    approvals: list(int),
  }),
});

const NAMED_UNIT = nullableObj({ code: str, name: str });

export const STATION_RESPONSE = obj({
  station: obj({ code: str, name: str, ward: str, registeredVoters: int }),
  ward: NAMED_UNIT,
  constituency: NAMED_UNIT,
  county: NAMED_UNIT,
  devices: list(obj({ id: str, publicKey: str, enrolledAt: int, revokedAt: int })),
  results: { type: 'object', additionalProperties: STATION_RESULT },
  // Party agents' words per contest (FORMATS §16), kept as the fold gives them.
  words: {
    type: 'object',
    additionalProperties: list({ type: 'object', additionalProperties: true }),
  },
});

export const STATION_PAGES_RESPONSE = obj({
  stations: list(STATION_RESPONSE),
  next: nullable('string'),
});

export const FORM_LIST_RESPONSE = obj({
  forms: list(obj({ sha256: str, contentType: str })),
  next: nullable('string'),
});

export const ENTRY_RESPONSE = obj({
  index: int,
  treeSize: int,
  entry: str,
  // Any entry type, kept exactly as decoded.
  decoded: {},
  leafHash: str,
  inclusionProof: list(str),
  checkpoint: nullable('string'),
});

export const CONSISTENCY_RESPONSE = obj({ from: int, to: int, proof: list(str) });

const ACT = obj({
  entryIndex: int,
  account: str,
  role: str,
  at: str,
  kind: str,
  object: str,
  outcome: str,
});

export const OFFICIAL_ACTS_RESPONSE = obj({
  acts: list(ACT),
  failedLogins: list(obj({ account: str, hour: str, count: int, firstEntry: int, lastEntry: int })),
});

export const OFFICIALS_STATUS_RESPONSE = obj({ logins: bool, refusal: nullable('string') });

export const OFFICIAL_ACCOUNTS_RESPONSE = obj({
  accounts: list(
    obj({
      id: str,
      role: str,
      scope: str,
      createdAt: int,
      disabledAt: nullable('integer'),
      createdBy: list(str),
      lineage: list(str),
    }),
  ),
  proposals: list(
    obj({
      entryIndex: int,
      account: str,
      role: str,
      scope: str,
      proposedBy: str,
      approvedAt: nullable('integer'),
    }),
  ),
});

export const CORRECTIONS_RESPONSE = obj({
  corrections: list(
    obj({
      entryIndex: int,
      contest: str,
      station: str,
      original: int,
      reason: str,
      form: str,
      ...FIGURES,
      proposedBy: str,
      approvals: list(obj({ account: str, role: str, entryIndex: int })),
      status: str,
    }),
  ),
});

export const DECLARATIONS_RESPONSE = obj({
  declarations: list(
    obj({
      entryIndex: int,
      contest: str,
      unit: str,
      account: str,
      role: str,
      at: str,
      override: str,
      ...FIGURES,
      differences: list(obj({ field: str, declared: int, logged: int })),
      stationsReported: int,
    }),
  ),
});

export const DEVICE_RESPONSE = obj({
  id: str,
  station: str,
  publicKey: str,
  enrolledAt: int,
  revokedAt: nullable('integer'),
  revokedReason: str,
});

// --- Risk-limiting audits ----------------------------------------------------

const num: Schema = { type: 'number' };
const AUDIT_COUNTS = { stations: int, sampled: int, entered: int, confirmed: int };
/** The members every view of an audit shares (AuditView without its rounds). */
const AUDIT_HEAD = {
  id: str,
  contest: str,
  method: str,
  riskLimit: int,
  treeSize: int,
  proposedAt: int,
  proposedBy: str,
  approvedAt: nullable('integer'),
  approvedBy: nullable('string'),
  seed: nullable('string'),
  seedAt: nullable('integer'),
  assertions: list(obj({ id: str, description: str, margin: num })),
  errorBound: { type: ['number', 'null'] },
  status: str,
  risk: num,
};
const LOGGED = obj(FIGURES);

export const AUDIT_RESPONSE = obj({
  ...AUDIT_HEAD,
  rounds: list(
    obj({
      round: int,
      full: bool,
      startedAt: int,
      sampleSha256: str,
      draws: list(obj({ draw: int, station: str, ticket: str, position: int })),
      papers: list(
        obj({
          entryIndex: int,
          station: str,
          enteredBy: str,
          paper: str,
          ...FIGURES,
          invalid: int,
          notFound: int,
          form: str,
          confirmedBy: nullable('string'),
          confirmedAt: nullable('integer'),
          logged: LOGGED,
          differences: list(obj({ field: str, paper: int, logged: int })),
        }),
      ),
      closedAt: nullable('integer'),
      risk: nullable('string'),
      outcome: nullable('string'),
    }),
  ),
  progress: obj({
    total: obj(AUDIT_COUNTS),
    counties: list(obj({ county: str, name: str, ...AUDIT_COUNTS })),
  }),
  stations: { type: 'object', additionalProperties: obj({ name: str, county: str }) },
  lastEntry: int,
});

export const AUDITS_RESPONSE = obj({
  audits: list(
    obj({
      ...AUDIT_HEAD,
      rounds: list(
        obj({
          round: int,
          full: bool,
          draws: int,
          papers: int,
          confirmed: int,
          closedAt: nullable('integer'),
          risk: nullable('string'),
          outcome: nullable('string'),
        }),
      ),
      progress: obj(AUDIT_COUNTS),
      lastEntry: int,
    }),
  ),
});
