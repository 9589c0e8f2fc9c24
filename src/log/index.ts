// Public API of kura's transparency-log core (pure: no I/O, no node:* imports).
export * from './bytes.js';
export * from './checkpoint.js';
export * from './cosignature.js';
export * from './errors.js';
export * from './merkle.js';
export * from './note.js';
export * from './proof.js';
export * from './receipt.js';
export * from './tiles.js';
