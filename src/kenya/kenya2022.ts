// The Kenya 2022 entry point under the name other modules import
// (src/simulate/make-election.ts); everything lives in the modules re-exported here.
export * from './index.js';
