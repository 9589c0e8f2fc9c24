// Worker thread of the start-up replay: checks chunks of entries (replay-chunk.ts).
import { serveJobs } from '../platform/worker-pool.js';
import { checkEntryChunk, type ReplayJobs } from './replay-chunk.js';

serveJobs<ReplayJobs>({
  'check entries': (chunk) => {
    const checked = checkEntryChunk(chunk);
    return {
      value: checked,
      transfer: [
        checked.hashes.buffer as ArrayBuffer,
        checked.decodes.buffer as ArrayBuffer,
        checked.resultHashes.buffer as ArrayBuffer,
      ],
    };
  },
});
