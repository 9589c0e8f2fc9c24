// SIMULATED candidates for the contests we have no data for (governor,
// senator, woman representative, MP, MCA). Deterministic: each race draws from
// a PRNG seeded with its contest and unit, so adding or removing one race does
// not change any other. Names are built from common given names and invented
// surnames (syllable combinations), and the parties are generic labels, so no
// candidate stands for a real person or party. Every one has simulated: true.
import type { Candidate, ContestKind, UnitCode } from '../election/definition.js';
import { Prng } from './apportion.js';

const GIVEN_FEMALE = [
  'Achieng',
  'Akinyi',
  'Amina',
  'Anyango',
  'Beatrice',
  'Caroline',
  'Cherono',
  'Esther',
  'Faith',
  'Fatuma',
  'Grace',
  'Halima',
  'Jane',
  'Jepkemoi',
  'Joyce',
  'Lucy',
  'Mary',
  'Mercy',
  'Naliaka',
  'Nasimiyu',
  'Njeri',
  'Nyambura',
  'Purity',
  'Rose',
  'Sarah',
  'Wairimu',
  'Wanjiku',
  'Zainabu',
];
const GIVEN_MALE = [
  'Abdi',
  'Brian',
  'Daniel',
  'David',
  'Dennis',
  'Evans',
  'Francis',
  'Geoffrey',
  'Hassan',
  'Isaac',
  'James',
  'John',
  'Joseph',
  'Kennedy',
  'Kiprono',
  'Kipchumba',
  'Mohamed',
  'Moses',
  'Ochieng',
  'Omondi',
  'Otieno',
  'Patrick',
  'Peter',
  'Samuel',
  'Simon',
  'Stephen',
  'Wafula',
  'Wekesa',
];
// Invented surnames: onset + middle + ending. Plausible-sounding, not a list of real names.
const ONSET = [
  'Ka',
  'Ki',
  'Mu',
  'Wa',
  'Nya',
  'O',
  'A',
  'Che',
  'Ma',
  'Ndi',
  'Ji',
  'Ko',
  'Se',
  'Lu',
  'Ba',
];
const MIDDLE = [
  'ra',
  'ma',
  'ngu',
  'te',
  'li',
  'we',
  'ba',
  'si',
  'ro',
  'ku',
  'mbe',
  'ri',
  'no',
  'ta',
];
const ENDING = ['ni', 'o', 'a', 'ri', 'to', 'ki', 'ke', 'ya', 'mbo', 'nde', 'ru', 'wa', 'la', 'si'];
const PARTIES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map((l) => `Party ${l} (simulated)`);
const INDEPENDENT = 'Independent (simulated)';

const ID_PREFIX: Record<Exclude<ContestKind, 'president'>, string> = {
  governor: 'gov',
  senator: 'sen',
  'woman-representative': 'wrep',
  'member-of-parliament': 'mp',
  'member-of-county-assembly': 'mca',
};

function surname(rng: Prng): string {
  const parts = [rng.pick(ONSET), rng.pick(MIDDLE)];
  if (rng.next() < 0.5) parts.push(rng.pick(MIDDLE));
  parts.push(rng.pick(ENDING));
  return parts.join('');
}

/**
 * The simulated candidates of one race: 2 to 6, ids `<prefix>-<unit>-<n>` (n from 1),
 * e.g. `gov-001-1`, `mp-001001-3`, `mca-0010010001-2`.
 */
export function simulatedCandidates(
  electionId: string,
  kind: Exclude<ContestKind, 'president'>,
  unit: UnitCode,
): Candidate[] {
  const rng = new Prng(`${electionId}/simulated-candidates/${kind}/${unit}`);
  const n = rng.range(2, 6);
  const parties = [...PARTIES];
  const names = new Set<string>();
  const out: Candidate[] = [];
  for (let i = 1; i <= n; i++) {
    const female = kind === 'woman-representative' || rng.next() < 0.4;
    let name: string;
    do {
      name = `${rng.pick(female ? GIVEN_FEMALE : GIVEN_MALE)} ${surname(rng)}`;
    } while (names.has(name));
    names.add(name);
    // Each party fields at most one candidate per race; some stand as independents.
    let party = INDEPENDENT;
    if (rng.next() < 0.85 && parties.length > 0) {
      party = parties.splice(rng.int(parties.length), 1)[0] as string;
    }
    out.push({ id: `${ID_PREFIX[kind]}-${unit}-${i}`, name, party, unit, simulated: true });
  }
  return out;
}
