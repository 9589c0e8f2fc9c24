// Kenya 2022: facts (data.ts), the election definition (definition.ts), demo
// device keys (../election/demo-keys.ts), the presidential station results (presidential-votes.ts)
// and the paper forms of the demo audit (audit-paper.ts).

export * from './audit-paper.js';
export * from './data.js';
export * from './definition.js';

export * from './presidential-votes.js';
export { simulatedCandidates } from './simulated-candidates.js';
