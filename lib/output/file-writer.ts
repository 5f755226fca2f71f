import { writeFileSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * Writes files one after another; `finish` returns once every file is written, or throws the first write's error.
 * Calling `finish` again does nothing.
 */
export interface FileWriter {
  write(file: string, content: string): void;
  finish(): void;
}

/** Writes each file at once, on this thread. */
export function inlineFileWriter(): FileWriter {
  return { write: (file, content) => writeFileSync(file, content), finish: () => {} };
}

// Files per message, and messages the writer may have queued before the producer waits: a few megabytes at most.
const BATCH_FILES = 256;
const MAX_QUEUED_BATCHES = 8;
// Int32 slots of the shared state: batches queued; 1 once the writer has seen the end; 1 once a write failed; batches
// the writer has finished (its progress); 1 once the writer runs.
const QUEUED = 0;
const DONE = 1;
const FAILED = 2;
const WRITTEN = 3;
const STARTED = 4;
// How long the producer waits for a writer that does not start, or that stops making progress (it died): then it
// gives up with an error instead of waiting for ever. A batch of 256 small files takes milliseconds.
const START_TIMEOUT_MS = 30_000;
const STALL_TIMEOUT_MS = 120_000;

// The writer thread: writes every file of each batch in order, and after a failed write only counts batches down, so
// the producer never waits for ever. Its first error goes back with the end.
const WRITER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeFileSync } = require('node:fs');
const { port, state } = workerData;
const counters = new Int32Array(state);
let failure;
Atomics.store(counters, ${STARTED}, 1);
Atomics.notify(counters, ${STARTED});
port.on('message', (batch) => {
  if (batch === null) {
    port.postMessage(failure ?? null);
    Atomics.store(counters, ${DONE}, 1);
    Atomics.notify(counters, ${DONE});
    return;
  }
  try {
    if (failure === undefined) for (let i = 0; i < batch.length; i += 2) writeFileSync(batch[i], batch[i + 1]);
  } catch (error) {
    failure = { message: String(error && error.message), code: error && error.code, errno: error && error.errno, syscall: error && error.syscall, path: error && error.path };
    Atomics.store(counters, ${FAILED}, 1);
  } finally {
    Atomics.sub(counters, ${QUEUED}, 1);
    Atomics.add(counters, ${WRITTEN}, 1);
    Atomics.notify(counters, ${QUEUED});
    Atomics.notify(counters, ${DONE});
  }
});
`;

interface WriteFailure {
  readonly message: string;
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly path?: string;
}

/**
 * Writes files on a second thread while this one renders the next: creating a file is kernel work (about 15 µs each
 * on these machines, 2.5 s of 170,000 files) that the other core can do meanwhile. Files are written in the order
 * given; the caller blocks only when the writer is several batches behind, and in `finish`. A failed write fails the
 * next `write` or `finish` with that write's error. Folders must exist before a file in them is given. `testing`
 * replaces the thread's code or its start-up timeout, for the tests of a thread that never starts.
 */
export function threadFileWriter(testing: { readonly source?: string; readonly startTimeoutMs?: number } = {}): FileWriter {
  const { source = WRITER_SOURCE, startTimeoutMs = START_TIMEOUT_MS } = testing;
  const counters = new Int32Array(new SharedArrayBuffer(4 * 5));
  const { port1, port2 } = new MessageChannel();
  // postMessage queues a message on the other port under that port's mutex before it returns, and
  // receiveMessageOnPort takes it under the same mutex (nodejs/node src/node_messaging.cc, v20 line:
  // MessagePortData::AddToIncomingQueue, MessagePort::ReceiveMessage): the end message the writer posts before it
  // sets DONE is there to read once DONE is seen.
  const worker = new Worker(source, { eval: true, workerData: { port: port2, state: counters.buffer }, transferList: [port2] });
  worker.unref();
  // A thread that fails to start or crashes is reported by the waits below (this thread is blocked when it happens);
  // its 'error' event, delivered later, must not end the process with an unhandled error on top.
  worker.on('error', () => {});
  const stop = () => {
    port1.close();
    void worker.terminate();
  };
  // Waits while `slot` holds `value`, in slices, and gives up on a writer that never started or stopped progressing.
  const waitWhile = (slot: number, value: number) => {
    let progress = Atomics.load(counters, WRITTEN);
    let since = Date.now();
    while (Atomics.load(counters, slot) === value) {
      Atomics.wait(counters, slot, value, 1000);
      const now = Date.now();
      if (Atomics.load(counters, WRITTEN) !== progress) {
        progress = Atomics.load(counters, WRITTEN);
        since = now;
      } else if (Atomics.load(counters, STARTED) === 0 ? now - since > startTimeoutMs : now - since > STALL_TIMEOUT_MS) {
        stop();
        finished = true;
        throw new Error(`the file writer thread ${Atomics.load(counters, STARTED) === 0 ? 'did not start' : 'stopped writing'}; nothing was swapped in`);
      }
    }
  };
  let batch: string[] = [];
  // Set once the writer is done with, or given up on: nothing more is sent or waited for.
  let finished = false;
  const send = (message: string[] | null) => {
    for (let queued = Atomics.load(counters, QUEUED); queued >= MAX_QUEUED_BATCHES; queued = Atomics.load(counters, QUEUED)) waitWhile(QUEUED, queued);
    if (message !== null) Atomics.add(counters, QUEUED, 1);
    port1.postMessage(message);
  };
  const finish = () => {
    if (finished) return;
    finished = true;
    if (batch.length > 0 && Atomics.load(counters, FAILED) === 0) send(batch);
    batch = [];
    send(null);
    waitWhile(DONE, 0);
    const failure = receiveMessageOnPort(port1)?.message as WriteFailure | null | undefined;
    stop();
    if (failure) throw Object.assign(new Error(failure.message), Object.fromEntries(Object.entries(failure).filter(([key, value]) => key !== 'message' && value !== undefined)));
  };
  return {
    write(file, content) {
      // The first failed write is the error to report, not whatever the caller would run into next.
      if (Atomics.load(counters, FAILED) !== 0) finish();
      batch.push(file, content);
      if (batch.length >= BATCH_FILES * 2) {
        send(batch);
        batch = [];
      }
    },
    finish,
  };
}
