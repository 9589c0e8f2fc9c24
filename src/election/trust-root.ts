// What a portal's Verify trusts (FORMATS §3.5.1): the election's identity and
// keys, taken from the election directory the operator pinned and written
// into the page; never from /api or /log answers. One shape for the server
// that writes it and the browser that reads it.

/** The fields that identify the election's log; a pin holds exactly these. */
export const TRUST_ROOT_FIELDS = [
  'electionId',
  'logOrigin',
  'logKey',
  'commissionKey',
  'definitionSha256',
] as const;

export type TrustRoot = Record<(typeof TRUST_ROOT_FIELDS)[number], string> & {
  /** cosignature/v1 keys of the witnesses the operator configured (may grow later). */
  witnessKeys: string[];
};
