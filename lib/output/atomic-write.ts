import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { type FileWriter, inlineFileWriter, threadFileWriter } from './file-writer';

export interface WriteFolderOptions {
  /**
   * Writes the files on a second thread while the entries are produced: worth its start-up (a few tens of
   * milliseconds) for thousands of files. @default false
   */
  readonly writerThread?: boolean;
}

/**
 * Replaces `outDir` with exactly `files` (relative path -> content; a Map, or entries produced as they are written)
 * as one step: everything is written to a sibling temporary folder first and swapped in by rename, so a failed or
 * killed run, or an error while the entries are produced, leaves the previous output as it was. The folder is owned
 * by this writer: anything else in it is removed by the swap. A staging folder a killed run left is removed by the next
 * run on the same host.
 */
export function writeFolderAtomically(outDir: string, files: Iterable<readonly [path: string, content: string]>, options: WriteFolderOptions = {}): void {
  const { target, parent, previous } = swapPaths(outDir);
  mkdirSync(parent, { recursive: true });
  restoreInterruptedSwap(target, previous);
  removeAbandonedStaging(parent, target);

  const staging = mkdtempSync(join(parent, `${stagingPrefix(target)}${process.pid}-`));
  let writer: FileWriter | undefined;
  try {
    writer = options.writerThread === true ? threadFileWriter() : inlineFileWriter();
    // Each relative folder is resolved, checked and made once; a file is then its plain name in it.
    const folders = new Map<string, string>();
    for (const [path, content] of files) {
      const slash = path.lastIndexOf('/');
      const relative = path.slice(0, slash + 1);
      const name = path.slice(slash + 1);
      let folder = folders.get(relative);
      if (folder === undefined) {
        folder = join(staging, relative, '.');
        if (folder !== staging && !folder.startsWith(staging + '/')) throw new Error(`refusing to write outside the output folder: ${path}`);
        mkdirSync(folder, { recursive: true });
        folders.set(relative, folder);
      }
      if (name === '' || name === '.' || name === '..') throw new Error(`refusing to write outside the output folder: ${path}`);
      writer.write(`${folder}/${name}`, content);
    }
    writer.finish();
    if (existsSync(target)) {
      renameSync(target, previous);
    }
    renameSync(staging, target);
    rmSync(previous, { recursive: true, force: true });
  } catch (error) {
    // Nothing may still be writing into the folder removed here (finishing twice does nothing). Every file the writer
    // was given came before this error, so a write of one that failed failed first: the inline writer would have
    // reported that one.
    let failure = error;
    try {
      writer?.finish();
    } catch (writeError) {
      failure = writeError;
    }
    rmSync(staging, { recursive: true, force: true });
    restoreInterruptedSwap(target, previous);
    throw failure;
  }
}

/**
 * Puts back the output a run killed between the swap's two renames left aside, so that what is read from `outDir`
 * before writing (the promotion state) is the last complete output, not a missing one.
 */
export function recoverInterruptedWrite(outDir: string): void {
  const { target, previous } = swapPaths(outDir);
  restoreInterruptedSwap(target, previous);
}

// The output folder, its parent, and where the swap puts the previous output while it moves the new one in.
function swapPaths(outDir: string): { target: string; parent: string; previous: string } {
  const target = resolve(outDir);
  const parent = dirname(target);
  return { target, parent, previous: join(parent, `.${basename(target)}.previous`) };
}

// The staging folder names the host and process that write it, so that a later run can tell one a killed run left.
const stagingPrefix = (target: string) => `.sovereign-tmp-${basename(target)}-${hostname()}-`;

/**
 * Removes the staging folders of `target` that runs on this host left when they were killed: those whose process no
 * longer exists. A folder of a live process (a run still writing, or a reused pid) and any folder another host or an
 * older release named are left alone.
 */
function removeAbandonedStaging(parent: string, target: string): void {
  const prefix = stagingPrefix(target);
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    // `<pid>-` and the six characters mkdtemp(3) puts in place of the `XXXXXX` Node appends (nodejs/node lib/fs.js
    // mkdtempSync, v20 line; glibc draws them from letters and digits). A name of any other form is left alone.
    const pid = /^([1-9][0-9]*)-[A-Za-z0-9]{6}$/.exec(entry.slice(prefix.length))?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !processExists(Number(pid))) rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

// Signal 0 checks only that the process exists: Node passes it to kill(2) as it is and throws kill's error with its
// code (nodejs/node lib/internal/process/per_thread.js `kill`, v20 line): ESRCH when there is no such process, EPERM
// when it belongs to another user.
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

// A run killed between the two renames leaves the old output at `previous` and none at `target`.
function restoreInterruptedSwap(target: string, previous: string): void {
  if (!existsSync(target) && existsSync(previous)) {
    renameSync(previous, target);
  } else if (existsSync(previous)) {
    rmSync(previous, { recursive: true, force: true });
  }
}
