// kura commands run in the test's own process (kuraInProcess) must capture only
// their own output. Node's test runner reports each test on that process's
// stdout; when the capture swapped stdout for everyone, a report written while
// the next command ran went into that command's output, and the run counted one
// test fewer.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { captureWrites } from './kura-cli.js';

/** A stream that keeps what reaches it. */
function sink(): { stream: Writable; reached: string[] } {
  const reached: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      reached.push(chunk.toString());
      done();
    },
  });
  return { stream, reached };
}

test('a capture takes what its own work writes, and lets writes from elsewhere through', async () => {
  const { stream, reached } = sink();
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const running = captureWrites([stream], async () => {
    stream.write('before the wait\n');
    await gate;
    await tick();
    stream.write(Buffer.from('after the wait\n'));
    return 7;
  });
  // Written while the capture is open, but not by its work: the runner's report.
  stream.write('ok 1 - an earlier test\n');
  release();
  const { value, written } = await running;

  assert.equal(value, 7);
  assert.deepEqual(written, ['before the wait\nafter the wait\n']);
  assert.deepEqual(reached, ['ok 1 - an earlier test\n']);
});

test('two captures at once keep their writes apart, and the stream is whole again after', async () => {
  const { stream, reached } = sink();
  const original = stream.write;
  const one = captureWrites([stream], async () => {
    await tick();
    stream.write('one\n');
  });
  const two = captureWrites([stream], async () => {
    stream.write('two\n');
    await tick();
  });
  const [a, b] = await Promise.all([one, two]);
  assert.deepEqual(a.written, ['one\n']);
  assert.deepEqual(b.written, ['two\n']);
  stream.write('later\n');
  assert.deepEqual(reached, ['later\n']);
  assert.equal(stream.write, original);
});

test('a capture that throws still gives the stream back', async () => {
  const { stream, reached } = sink();
  await assert.rejects(
    captureWrites([stream], async () => {
      stream.write('partial\n');
      throw new Error('the command failed');
    }),
    /the command failed/,
  );
  stream.write('after\n');
  assert.deepEqual(reached, ['after\n']);
});
