// A V8 code cache for the command line's CommonJS modules, so a run does not compile again what the last one
// compiled: about 5 MB of precompiled validators and the cdk8s, yaml and CEL modules, 60-150 ms of every run on two
// cores. Node 22 has this built in (module.enableCompileCache); Node 20, which this package supports, does not.
//
// Each module's cache is stored with the SHA-256 of its source and used only for that exact source: V8 rejects a
// cache of another V8 version or other flags, but accepts one made for other source of the same length
// (test/apps/compile-cache.test.ts shows it). The folder, its parent and each entry must be the
// user's own and writable by nobody else, since an entry is code. SOVEREIGN_COMPILE_CACHE=off (or an absolute
// folder) overrides it. Differences from Node's own loader, for the modules it caches: columns on a module's first
// line in stack traces are shifted by the wrapper, and --enable-source-maps does not apply to them.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, type Stats, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';

interface CompiledModule {
  readonly script: Script;
  readonly file: string;
  readonly hash: Buffer;
}

// Only what this user owns and nobody else may write to is trusted: a cached entry is code.
const ownedAndPrivate = (stat: Stats) => (typeof process.getuid !== 'function' || stat.uid === process.getuid()) && (stat.mode & 0o022) === 0;

function cacheFolder(): string | undefined {
  const setting = process.env.SOVEREIGN_COMPILE_CACHE?.trim() || undefined;
  if (setting === 'off') return undefined;
  const base = setting ?? join(process.env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache'), 'sovereign-cdk8s');
  if (!isAbsolute(base)) return undefined;
  const folder = join(base, `v8-${process.versions.v8}-${process.arch}`);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // The folder and its parent: a parent others may write to lets them replace the folder after this check.
    return ownedAndPrivate(statSync(folder)) && ownedAndPrivate(statSync(dirname(folder))) ? folder : undefined;
  } catch {
    return undefined;
  }
}

// A stored entry (its source's SHA-256, then V8's data) for exactly this source, from a file this user owns that
// nobody else may write; otherwise undefined.
function readEntry(file: string, hash: Buffer): Buffer | undefined {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(file, 'r');
    if (!ownedAndPrivate(fstatSync(descriptor))) return undefined;
    const stored = readFileSync(descriptor);
    return stored.subarray(0, 32).equals(hash) ? stored.subarray(32) : undefined;
  } catch {
    return undefined;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

type ModuleInternals = Module & { _compile(content: string, filename: string, format?: string): unknown };
interface ModuleLoader {
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: Module): string[] | null;
}


// Node's own _compile (v20.20.2 lib/internal/modules/cjs/loader.js, as `Module.prototype._compile.toString()` prints
// it) checks a --experimental-policy manifest's integrity and honours --inspect-brk before running the wrapper; with
// either, every module is left to it.
const nodeOptions = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
const needsNodesLoader = /--experimental-policy|--inspect-brk/.test(nodeOptions);

function enableCompileCache(): void {
  const folder = needsNodesLoader ? undefined : cacheFolder();
  if (folder === undefined) return;
  const missed: CompiledModule[] = [];
  const prototype = Module.prototype as ModuleInternals;
  const original = prototype._compile;
  prototype._compile = function compileCached(this: ModuleInternals, content: string, filename: string, format?: string): unknown {
    // Left to Node's own loader: other extensions; ES modules (Node 20.19+ passes 'module' when it requires one); a
    // hashbang, valid only at the very start of a script; and a module that may call import(), which a vm.Script can
    // serve only through an experimental option that warns on every run.
    if ((!filename.endsWith('.js') && !filename.endsWith('.cjs')) || format === 'module' || content.startsWith('#!') || content.includes('import(')) {
      return original.call(this, content, filename, format);
    }
    const hash = createHash('sha256').update(content).digest();
    const file = join(folder, `${createHash('sha256').update(filename).digest('hex').slice(0, 32)}.bin`);
    const cachedData = readEntry(file, hash);
    let script: Script;
    try {
      script = new Script(Module.wrap(content), { filename, cachedData });
    } catch {
      // Not a CommonJS script (an ES module Node would detect and load as one): Node's loader decides.
      return original.call(this, content, filename, format);
    }
    if (cachedData === undefined || script.cachedDataRejected === true) missed.push({ script, file, hash });
    // As Node's own `_compile` calls the wrapper (v20.20.2, above): (exports, require, module, filename, dirname).
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
      const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        writeFileSync(temporary, Buffer.concat([hash, script.createCachedData()]), { mode: 0o600, flag: 'wx' });
        renameSync(temporary, file);
      } catch {
        // A cache that cannot be written is only a slower next run.
        rmSync(temporary, { force: true });
      }
    }
  });
}

// Imported first by the command line, so every module it loads afterwards goes through the cache.
enableCompileCache();
