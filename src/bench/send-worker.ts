// Worker-thread entry for send.ts: runs the job it is given and posts the result.
import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type SendJob } from './send.js';

let stopped = false;
parentPort?.on('message', (m) => {
  if (m === 'stop') stopped = true;
});
const result = await runJob(workerData as SendJob, () => stopped);
parentPort?.postMessage(result, [
  result.latencies.buffer as ArrayBuffer,
  result.scheduledAt.buffer as ArrayBuffer,
]);
parentPort?.close();
