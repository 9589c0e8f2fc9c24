// What the forensic analyses read: an election definition and its log's
// entries in log order. Where they come from (a server, a bundle file) is the
// sources' business; the analyses never fetch anything.
import type { ElectionDefinition } from '../election/definition.js';

export interface ForensicsSource {
  kind: 'server' | 'bundle';
  /** The server URL or the bundle's path. */
  location: string;
  /** The signed checkpoint the entries were checked against, where there is one. */
  checkpoint?: { size: number; rootHash: string };
  /** What the source did and did not check, said in the report. */
  trust: string;
}

export interface ForensicsInput {
  definition: ElectionDefinition;
  /** Every log entry's bytes, in log order: entry 0 is the election entry. */
  entries: readonly Uint8Array[];
  source: ForensicsSource;
}
