import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
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
 * by this writer: anything else in it is removed by the swap.
 */
export function writeFolderAtomically(outDir: string, files: Iterable<readonly [path: string, content: string]>, options: WriteFolderOptions = {}): void {
  const { target, parent, previous } = swapPaths(outDir);
  mkdirSync(parent, { recursive: true });
  restoreInterruptedSwap(target, previous);

  const staging = mkdtempSync(join(parent, `.sovereign-tmp-${basename(target)}-`));
  let writer: FileWriter | undefined;
  try {
    writer = options.writerThread === true ? threadFileWriter() : inlineFileWriter();
    // Each relative folder is resolved, checked and made once; a file is then its plain name in it.
    const folders = new Map<string, string>();
    for (const [path, content] of files) {
      const slash = path.lastIndexOf('/');
      const name = path.slice(slash + 1);
      let folder = folders.get(path.slice(0, slash + 1));
      if (folder === undefined) {
        folder = join(staging, path.slice(0, slash + 1), '.');
        if (folder !== staging && !folder.startsWith(staging + '/')) throw new Error(`refusing to write outside the output folder: ${path}`);
        mkdirSync(folder, { recursive: true });
        folders.set(path.slice(0, slash + 1), folder);
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

// A run killed between the two renames leaves the old output at `previous` and none at `target`.
function restoreInterruptedSwap(target: string, previous: string): void {
  if (!existsSync(target) && existsSync(previous)) {
    renameSync(previous, target);
  } else if (existsSync(previous)) {
    rmSync(previous, { recursive: true, force: true });
  }
}
