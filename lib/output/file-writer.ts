import { writeFileSync } from 'node:fs';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** Writes files one after another; `finish` returns once every file is written, or throws the first write's error. */
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
// Int32 slots of the shared state: batches queued, and 1 once the writer has seen the end.
const QUEUED = 0;
const DONE = 1;

// The writer thread: writes every file of each batch in order, and after a failed write only counts batches down, so
// the producer never waits for ever. Its first error goes back with the end.
const WRITER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeFileSync } = require('node:fs');
const { port, state } = workerData;
const counters = new Int32Array(state);
let failure;
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
    failure = { message: String(error && error.message), code: error && error.code };
  } finally {
    Atomics.sub(counters, ${QUEUED}, 1);
    Atomics.notify(counters, ${QUEUED});
  }
});
`;

/**
 * Writes files on a second thread while this one renders the next: creating a file is kernel work (about 15 µs each
 * on these machines, 2.5 s of 170,000 files) that the other core can do meanwhile. Files are written in the order
 * given; the caller blocks only when the writer is several batches behind, and in `finish`. Folders must exist before
 * a file in them is given.
 */
export function threadFileWriter(): FileWriter {
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { port: port2, state: counters.buffer }, transferList: [port2] });
  worker.unref();
  let batch: string[] = [];
  const send = (message: string[] | null) => {
    for (let queued = Atomics.load(counters, QUEUED); queued >= MAX_QUEUED_BATCHES; queued = Atomics.load(counters, QUEUED)) {
      Atomics.wait(counters, QUEUED, queued);
    }
    if (message !== null) Atomics.add(counters, QUEUED, 1);
    port1.postMessage(message);
  };
  return {
    write(file, content) {
      batch.push(file, content);
      if (batch.length >= BATCH_FILES * 2) {
        send(batch);
        batch = [];
      }
    },
    finish() {
      if (batch.length > 0) send(batch);
      batch = [];
      send(null);
      while (Atomics.load(counters, DONE) === 0) Atomics.wait(counters, DONE, 0);
      const failure = receiveFailure(port1);
      port1.close();
      void worker.terminate();
      if (failure !== undefined) throw Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code });
    },
  };
}

function receiveFailure(port: MessagePort): { message: string; code?: string } | undefined {
  const received = receiveMessageOnPort(port)?.message as { message: string; code?: string } | null | undefined;
  return received ?? undefined;
}
