// The forms the demo's devices cite and upload. For the presidency each
// station's device uploads a scan, a generated one-page PDF of the figures it
// signs (Form 34A in Kenya), and its result cites that file's SHA-256; for
// the other contests the result cites a made-up hash and nothing is uploaded.
import type { ElectionIndex } from '../election/election-index.js';
import { toHex, utf8 } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';
import type { FormScan, PlannedResult } from './replay.js';
import { type FormFigures, resultFormPdf } from './result-form-pdf.js';

/** The contest whose forms the demo uploads. */
const SCANNED_CONTEST = 'president';

/** The SHA-256 a station's scanned form would have, for contests whose scans the demo does not upload. */
export function demoFormHash(electionId: string, contest: string, station: string): string {
  return toHex(sha256(utf8(`kura demo form\n${electionId}\n${contest}\n${station}`)));
}

/** The hash a planned result cites: its scan's, where the demo uploads one. */
export function plannedFormHash(index: ElectionIndex, f: FormFigures): string {
  return f.contest === SCANNED_CONTEST
    ? toHex(sha256(resultFormPdf(index, f)))
    : demoFormHash(index.definition.electionId, f.contest, f.station);
}

/** The scan a device uploads before sending a planned result, or null. */
export function demoFormScan(index: ElectionIndex, p: PlannedResult): FormScan | null {
  return p.contest === SCANNED_CONTEST
    ? { data: resultFormPdf(index, p), contentType: 'application/pdf' }
    : null;
}
