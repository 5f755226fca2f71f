// A V8 code cache for the command line's CommonJS modules, so a run does not compile again what the last one
// compiled: about 5 MB of precompiled validators and the cdk8s, yaml and CEL modules, 60-150 ms of every run on two
// cores. Node 22 has this built in (module.enableCompileCache); Node 20, which this package supports, does not.
//
// Each module's cache is stored with the SHA-256 of its source and used only for that exact source (V8 checks its
// own version and flags besides, and rejects a stale cache). The folder is the user's own: a cache folder that others
// may write to is never used, since its content is code. SOVEREIGN_COMPILE_CACHE=off (or a folder) overrides it.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

interface CompiledModule {
  readonly script: Script;
  readonly file: string;
  readonly hash: Buffer;
}

function cacheFolder(): string | undefined {
  const setting = process.env.SOVEREIGN_COMPILE_CACHE;
  if (setting === 'off') return undefined;
  const base = setting ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sovereign-cdk8s');
  const folder = join(base, `v8-${process.versions.v8}-${process.arch}`);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const stat = statSync(folder);
    // Only a folder of this user's that nobody else may write to.
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return undefined;
    if ((stat.mode & 0o022) !== 0) chmodSync(folder, stat.mode & ~0o022);
    return folder;
  } catch {
    return undefined;
  }
}

type ModuleInternals = Module & { _compile(content: string, filename: string): unknown };
interface ModuleLoader {
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: Module): string[] | null;
}

// Imported first by the command line, so every module it loads afterwards goes through the cache.
enableCompileCache();

function enableCompileCache(): void {
  const folder = cacheFolder();
  if (folder === undefined) return;
  const missed: CompiledModule[] = [];
  const prototype = Module.prototype as ModuleInternals;
  const original = prototype._compile;
  prototype._compile = function compileCached(this: ModuleInternals, content: string, filename: string): unknown {
    // A hashbang is valid only at the very start of a script, so such a file is left to Node's own loader.
    if ((!filename.endsWith('.js') && !filename.endsWith('.cjs')) || content.startsWith('#!')) return original.call(this, content, filename);
    const hash = createHash('sha256').update(content).digest();
    const file = join(folder, `${createHash('sha256').update(filename).digest('hex').slice(0, 32)}.bin`);
    let cachedData: Buffer | undefined;
    try {
      const stored = readFileSync(file);
      if (stored.subarray(0, 32).equals(hash)) cachedData = stored.subarray(32);
    } catch {
      // no cache yet
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected === true) missed.push({ script, file, hash });
    // As Node's own loader calls the wrapper (lib/internal/modules/cjs/loader.js, v20 `wrapSafe` and `_compile`).
    const loader = Module as unknown as ModuleLoader;
    const resolve = Object.assign((request: string, options?: { paths?: string[] }) => loader._resolveFilename(request, this, false, options), {
      paths: (request: string) => loader._resolveLookupPaths(request, this),
    });
    const moduleRequire = Object.assign((id: string) => this.require(id), { resolve, main: require.main, cache: require.cache, extensions: require.extensions });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, moduleRequire, this, filename, dirname(filename));
  };
  // Written at exit, so the cache holds the functions this run compiled too, not only each module's top level.
  process.once('exit', () => {
    for (const { script, file, hash } of missed) {
      try {
        const temporary = `${file}.${process.pid}.tmp`;
        writeFileSync(temporary, Buffer.concat([hash, script.createCachedData()]), { mode: 0o600 });
        renameSync(temporary, file);
      } catch {
        // a cache that cannot be written is only a slower next run
      }
    }
  });
}
