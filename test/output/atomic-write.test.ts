import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFolderAtomically } from '../../lib/output/atomic-write';
import { threadFileWriter } from '../../lib/output/file-writer';

function snapshotFolder(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [join(e.parentPath, e.name).slice(dir.length), readFileSync(join(e.parentPath, e.name), 'utf8')]),
  );
}

describe('writeFolderAtomically', () => {
  let parent: string;
  let out: string;
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'atomic-'));
    out = join(parent, 'dist');
  });

  test('replaces the folder with exactly the given files', () => {
    // GIVEN a previous output with a file the new one does not have
    writeFolderAtomically(out, new Map([['r1/a.yaml', 'a: 1\n'], ['r1/stale.yaml', 'old\n']]));
    // WHEN
    writeFolderAtomically(out, new Map([['r1/a.yaml', 'a: 2\n'], ['r2/b.yaml', 'b: 1\n']]));
    // THEN
    expect(snapshotFolder(out)).toEqual({ '/r1/a.yaml': 'a: 2\n', '/r2/b.yaml': 'b: 1\n' });
    expect(readdirSync(parent)).toEqual(['dist']);
  });

  test('a failed write leaves the previous output byte-identical and no temporary folder', () => {
    writeFolderAtomically(out, new Map([['r1/a.yaml', 'a: 1\n']]));
    const before = snapshotFolder(out);
    // WHEN a path escapes the folder halfway through
    expect(() => writeFolderAtomically(out, new Map([['r1/a.yaml', 'a: 2\n'], ['../escape.yaml', 'x']]))).toThrow(/outside the output folder/);
    // THEN
    expect(snapshotFolder(out)).toEqual(before);
    expect(readdirSync(parent)).toEqual(['dist']);
  });

  test('fails when a path escapes the folder or names no file, and writes nested paths as path.join resolves them', () => {
    for (const path of ['../escape.yaml', 'r1/../../escape.yaml', 'r1/..', 'r1/.', 'r1/', '..']) {
      expect(() => writeFolderAtomically(out, new Map([[path, 'x']]))).toThrow(/outside the output folder/);
    }
    expect(readdirSync(parent)).toEqual([]);
    writeFolderAtomically(out, new Map([['r1//a.yaml', '1'], ['r1/./b.yaml', '2'], ['r2/x/../c.yaml', '3'], ['d.yaml', '4']]));
    expect(snapshotFolder(out)).toEqual({ '/r1/a.yaml': '1', '/r1/b.yaml': '2', '/r2/c.yaml': '3', '/d.yaml': '4' });
  });

  test('entries produced while writing: an error while producing them leaves the previous output as it was', () => {
    writeFolderAtomically(out, new Map([['r1/a.yaml', 'a: 1\n']]));
    const before = snapshotFolder(out);
    // GIVEN entries rendered one at a time, the third of which fails to render
    function* entries(): Generator<[string, string]> {
      yield ['r1/a.yaml', 'a: 2\n'];
      yield ['r2/b.yaml', 'b: 1\n'];
      throw new Error('rendering failed');
    }
    // WHEN they are written THEN the error comes through and nothing of them is left
    expect(() => writeFolderAtomically(out, entries())).toThrow('rendering failed');
    expect(snapshotFolder(out)).toEqual(before);
    expect(readdirSync(parent)).toEqual(['dist']);
    // AND entries that render completely replace the folder
    writeFolderAtomically(out, (function* (): Generator<[string, string]> { yield ['r2/b.yaml', 'b: 1\n']; })());
    expect(snapshotFolder(out)).toEqual({ '/r2/b.yaml': 'b: 1\n' });
  });

  describe('with the writer thread', () => {
    // More files than one batch, in several folders, with a rewrite of one file: the order given is the order written.
    const many = () => {
      const files: [string, string][] = Array.from({ length: 1500 }, (_, i) => [`r${i % 3}/f${i}.yaml`, `n: ${i}\n`]);
      files.push(['r0/f0.yaml', 'n: last\n']);
      return files;
    };

    test('writes exactly what the inline writer writes', () => {
      writeFolderAtomically(out, many());
      const inline = snapshotFolder(out);
      writeFolderAtomically(out, many(), { writerThread: true });
      expect(snapshotFolder(out)).toEqual(inline);
      expect(inline['/r0/f0.yaml']).toBe('n: last\n');
      expect(Object.keys(inline)).toHaveLength(1500);
    });

    test('a write that fails on the thread fails the call with its error, and leaves the previous output', () => {
      writeFolderAtomically(out, new Map([['r1/a.yaml', 'a: 1\n']]));
      const before = snapshotFolder(out);
      // WHEN a file is to be written where a folder already is
      const files = [...many(), ['r1/x/a.yaml', 'a'], ['r1/x', 'not a folder']] as [string, string][];
      expect(() => writeFolderAtomically(out, files, { writerThread: true })).toThrow(expect.objectContaining({ code: 'EISDIR' }));
      // THEN
      expect(snapshotFolder(out)).toEqual(before);
      expect(readdirSync(parent)).toEqual(['dist']);
    });

    test('a failed write is the error reported, with its details, even when producing the entries fails later', () => {
      function* failingLater(): Generator<[string, string]> {
        yield ['r1/x/a.yaml', 'a'];
        yield ['r1/x', 'not a folder'];
        yield* many();
        throw new Error('render failed later');
      }
      for (const writerThread of [false, true]) {
        expect(() => writeFolderAtomically(out, failingLater(), { writerThread })).toThrow(expect.objectContaining({ code: 'EISDIR', syscall: 'open', path: expect.stringMatching(/\/r1\/x$/) }));
        expect(readdirSync(parent)).toEqual([]);
      }
    });

    test('fails, instead of waiting for ever, when the thread dies before it starts', () => {
      const writer = threadFileWriter({ source: 'process.exit(1)', startTimeoutMs: 1500 });
      // (A writer that waited for ever would never get here: jest's timeout would fail the test.)
      expect(() => {
        for (let i = 0; i < 5000; i++) writer.write(join(parent, `f${i}`), 'x');
        writer.finish();
      }).toThrow(/the file writer thread did not start/);
      // Given up on, it is not waited for again.
      expect(() => writer.finish()).not.toThrow();
    });

    test('an error while producing the entries leaves the previous output, with nothing written after it', () => {
      writeFolderAtomically(out, new Map([['r1/a.yaml', 'a: 1\n']]));
      const before = snapshotFolder(out);
      function* failing(): Generator<[string, string]> {
        yield* many();
        throw new Error('render failed');
      }
      expect(() => writeFolderAtomically(out, failing(), { writerThread: true })).toThrow('render failed');
      expect(snapshotFolder(out)).toEqual(before);
      expect(readdirSync(parent)).toEqual(['dist']);
    });
  });

  test('recovers the previous output after a run killed between the two renames', () => {
    // GIVEN a run that moved the old output aside and died before moving the new one in
    writeFolderAtomically(out, new Map([['r1/a.yaml', 'a: 1\n']]));
    renameSync(out, join(parent, '.dist.previous'));
    mkdirSync(join(parent, '.sovereign-tmp-dist-dead'));
    expect(existsSync(out)).toBe(false);
    // WHEN the next run starts and fails
    expect(() => writeFolderAtomically(out, new Map([['../x', '']]))).toThrow();
    // THEN the old output is back in place
    expect(snapshotFolder(out)).toEqual({ '/r1/a.yaml': 'a: 1\n' });
  });

  test('removes the staging folder a killed run on this host left, and no other', () => {
    writeFolderAtomically(out, new Map([['r1/a.yaml', 'a: 1\n']]));
    // A process that has exited, one that is alive (this test's parent), another host, and the older naming.
    const dead = spawnSync('true').pid!;
    const left = [`.sovereign-tmp-dist-${hostname()}-${dead}-AbC123`, `.sovereign-tmp-dist-${hostname()}-${process.ppid}-XyZ789`, `.sovereign-tmp-dist-elsewhere-${dead}-AbC123`, '.sovereign-tmp-dist-dead'];
    for (const folder of left) mkdirSync(join(parent, folder));
    writeFolderAtomically(out, new Map([['r1/a.yaml', 'a: 2\n']]));
    expect(readdirSync(parent).sort()).toEqual(['dist', ...left.slice(1)].sort());
    expect(readFileSync(join(out, 'r1', 'a.yaml'), 'utf8')).toBe('a: 2\n');
  });

  test('creates missing parent folders', () => {
    writeFolderAtomically(join(parent, 'a', 'b'), new Map([['x.yaml', 'x\n']]));
    expect(readFileSync(join(parent, 'a', 'b', 'x.yaml'), 'utf8')).toBe('x\n');
  });
});
