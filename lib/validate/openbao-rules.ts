import { podSpecPath } from './pod-security';
import { describeObject, type Manifest, type Violation } from './violation';

// Behaviours of an OpenBao server pod that no schema can see, checked across the objects of one cluster (the pod
// template and the ConfigMaps it mounts). Each rule names the OpenBao 2.6.2 source it relies on.

type Obj = { readonly [key: string]: unknown };
interface Container {
  readonly name?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string }[];
  readonly readinessProbe?: { readonly httpGet?: { readonly path?: string }; readonly exec?: unknown };
  readonly livenessProbe?: { readonly httpGet?: { readonly path?: string } };
  readonly securityContext?: { readonly readOnlyRootFilesystem?: boolean };
}
interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string; readonly items?: readonly { readonly key: string; readonly path: string }[] };
  readonly emptyDir?: { readonly medium?: string };
}
interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly shareProcessNamespace?: boolean;
}
/** One config file a pod can see: which ConfigMap key, mounted where. */
interface ConfigFile {
  readonly configMap: string;
  readonly key: string;
  readonly path: string;
  readonly text: string;
  readonly json?: Obj;
}

/** Every violation of the OpenBao rules among the objects of one cluster. */
export function checkOpenBao(entries: readonly { readonly object: unknown; readonly file?: string }[]): Violation[] {
  const configMaps = new Map<string, Obj>();
  for (const { object } of entries) {
    const manifest = object as Manifest;
    if (manifest?.kind === 'ConfigMap' && typeof manifest.metadata?.name === 'string') {
      configMaps.set(`${String(manifest.metadata.namespace ?? '')}/${manifest.metadata.name}`, ((manifest as Obj).data as Obj | undefined) ?? {});
    }
  }
  const violations: Violation[] = [];
  for (const { object, file } of entries) {
    const manifest = object as Manifest;
    const specPath = manifest === null || typeof manifest !== 'object' ? undefined : podSpecPath(manifest);
    if (specPath === undefined || manifest.kind === 'Job' || manifest.kind === 'CronJob') continue;
    const pod = specPath.reduce<unknown>((value, key) => (value as Obj | undefined)?.[key], manifest) as PodSpec | undefined;
    const serverIndex = pod?.containers?.findIndex(isServer) ?? -1;
    if (pod === undefined || serverIndex < 0) continue;
    const fail = (path: string, message: string) =>
      violations.push({ ...(file !== undefined ? { file } : {}), object: describeObject(manifest), path: `${specPath.join('.')}.${path}`, rule: 'openbao', message });
    const namespace = String(manifest.metadata?.namespace ?? '');
    const replicas = typeof (manifest as Obj).spec === 'object' ? (((manifest as Obj).spec as Obj).replicas as number | undefined) ?? 1 : 1;
    checkServer(pod, serverIndex, replicas, mountedConfigFiles(pod, namespace, configMaps), fail);
  }
  return violations;
}

function checkServer(pod: PodSpec, index: number, replicas: number, files: readonly (ConfigFile & { readonly container: string })[], fail: (path: string, message: string) => void): void {
  const server = pod.containers![index];
  const at = `containers[${index}]`;
  const serverName = server.name ?? `#${index}`;

  // 1. Self-init reaching more than one pod: each uninitialised pod that loads `initialize` bootstraps its own Raft
  //    cluster instead of joining (openbao/openbao#2274, #3652; command/server.go Initialize at v2.6.2).
  const loaded = files.filter((f) => f.container === serverName && configArgs(server).some((config) => f.path === config || f.path.startsWith(`${config.replace(/\/$/, '')}/`)));
  const selfInit = loaded.filter((f) => (f.json !== undefined ? 'initialize' in f.json : /^\s*initialize\s/m.test(f.text)));
  if (replicas > 1 && selfInit.length > 0) {
    fail(`${at}.command`, `every one of the ${replicas} pods loads the initialize stanza (ConfigMap ${selfInit[0].configMap} key ${selfInit[0].key}): each uninitialised pod bootstraps a Raft cluster of its own instead of joining (openbao/openbao#2274, #3652); let only ordinal 0 load it, and only while no peer is initialised`);
  }

  // 2. Audit through the API: refused since 2.3.2 unless unsafe_allow_api_audit_creation is set, self-init requests
  //    included, and a failed self-init request blocks every later unseal (vault/logical_system.go, vault/self_init.go).
  for (const f of files) {
    if (f.json?.unsafe_allow_api_audit_creation === true) {
      fail('volumes', `ConfigMap ${f.configMap} key ${f.key} sets unsafe_allow_api_audit_creation (CVE-2025-54997); declare audit devices in the audit stanza instead`);
    }
    for (const path of initializeRequestPaths(f.json)) {
      if (/^\/?sys\/audit(\/|$)/.test(path)) {
        fail('volumes', `ConfigMap ${f.configMap} key ${f.key} enables audit with a self-init request to ${path}: OpenBao refuses it since 2.3.2 and the failed self-init blocks every later unseal; use the declarative audit stanza`);
      }
    }
  }

  // 3. Probes: sys/health answers 503 sealed and 501 uninitialised (http/sys_health.go); a 2xx override makes a sealed
  //    node ready, and a liveness probe that accepts sealed never restarts it (auto-unseal only runs at start).
  const readiness = server.readinessProbe;
  if (readiness === undefined) {
    fail(`${at}.readinessProbe`, 'no readiness probe: a sealed or uninitialised server would receive traffic and count as healthy for the PodDisruptionBudget');
  } else if (acceptsState(readiness.httpGet?.path, 'sealedcode') || acceptsState(readiness.httpGet?.path, 'uninitcode')) {
    fail(`${at}.readinessProbe.httpGet.path`, `"${readiness.httpGet?.path}" counts a sealed or uninitialised server as ready; use /v1/sys/health?standbyok=true`);
  }
  if (acceptsState(server.livenessProbe?.httpGet?.path, 'sealedcode')) {
    fail(`${at}.livenessProbe.httpGet.path`, `"${server.livenessProbe?.httpGet?.path}" never restarts a sealed server, and auto-unseal only runs at process start; drop sealedcode`);
  }

  // 4. $TMPDIR: snapshot restores stream through os.CreateTemp("", ...) (physical/raft/snapshot/snapshot.go).
  const tmpdir = server.env?.find((e) => e.name === 'TMPDIR')?.value ?? '/tmp';
  const mount = [...(server.volumeMounts ?? [])].filter((m) => tmpdir === m.mountPath || tmpdir.startsWith(`${m.mountPath.replace(/\/$/, '')}/`)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  const volume = pod.volumes?.find((v) => v.name === mount?.name);
  if (volume?.emptyDir?.medium === 'Memory') {
    fail(`${at}.env`, `$TMPDIR (${tmpdir}) is a memory-backed emptyDir: a snapshot restore streams the whole Raft data through it; point TMPDIR at disk-backed space sized for the data`);
  } else if (mount === undefined && server.securityContext?.readOnlyRootFilesystem === true) {
    fail(`${at}.env`, `$TMPDIR (${tmpdir}) is on the read-only root filesystem: snapshot restores cannot write their temporary file; mount disk-backed space there`);
  }

  // 5. Certificate reload: the listener reads tls_cert_file once and reloads it only on SIGHUP (command/server.go);
  //    tls_auto_reload exists only after 2.6.2.
  const tlsListener = files.some((f) => listeners(f.json).some((l) => typeof l.tls_cert_file === 'string' && l.tls_disable !== true && l.tls_auto_reload !== true));
  const reloader = pod.shareProcessNamespace === true && (pod.containers ?? []).some((c, i) => i !== index && [...(c.command ?? []), ...(c.args ?? [])].join(' ').includes('HUP'));
  if (tlsListener && !reloader) {
    fail(`${at}`, 'nothing reloads the listener certificate: OpenBao reads tls_cert_file once and reloads it only on SIGHUP, so a renewed certificate never reaches the server and it expires in place; add a sidecar that sends SIGHUP (shareProcessNamespace) or restart the pods on renewal');
  }
}

function isServer(container: Container): boolean {
  const words = [...(container.command ?? []), ...(container.args ?? [])];
  const binary = words[0]?.split('/').pop();
  return (binary === 'bao' || binary === 'vault') && words.includes('server') && !words.some((w) => w === '-dev' || w.startsWith('-dev='));
}

/** The `-config` paths of the server command (`-config=PATH` or `-config PATH`). */
function configArgs(container: Container): string[] {
  const words = [...(container.command ?? []), ...(container.args ?? [])];
  return words.flatMap((word, i) => {
    const match = /^--?config(?:=(.+))?$/.exec(word);
    if (match === null) return [];
    return match[1] !== undefined ? [match[1]] : words[i + 1] !== undefined ? [words[i + 1]] : [];
  });
}

/** Every ConfigMap key the pod's containers see as a file, with the path it appears at. */
function mountedConfigFiles(pod: PodSpec, namespace: string, configMaps: ReadonlyMap<string, Obj>): (ConfigFile & { readonly container: string })[] {
  const files: (ConfigFile & { readonly container: string })[] = [];
  for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    for (const mount of container.volumeMounts ?? []) {
      const volume = pod.volumes?.find((v) => v.name === mount.name);
      const data = volume?.configMap === undefined ? undefined : configMaps.get(`${namespace}/${volume.configMap.name}`);
      if (volume?.configMap === undefined || data === undefined) continue;
      const items = volume.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const { key, path } of items) {
        const text = data[key];
        if (typeof text !== 'string') continue;
        files.push({ container: container.name ?? '', configMap: volume.configMap.name, key, path: `${mount.mountPath.replace(/\/$/, '')}/${path}`, text, json: parseJson(text) });
      }
    }
  }
  return files;
}

function parseJson(text: string): Obj | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
  } catch {
    return undefined;
  }
}

/** `initialize` blocks in JSON form: `[{ "<block>": { "request": [{ "<name>": { "path": ... } }] } }]`. */
function initializeRequestPaths(config: Obj | undefined): string[] {
  const blocks = Array.isArray(config?.initialize) ? (config.initialize as Obj[]) : [];
  return blocks.flatMap((block) =>
    Object.values(block).flatMap((inner) => {
      const requests = (inner as Obj | undefined)?.request;
      return (Array.isArray(requests) ? (requests as Obj[]) : []).flatMap((request) => Object.values(request).map((r) => String((r as Obj | undefined)?.path ?? '')));
    }),
  );
}

/** `listener` in JSON form: `[{ "tcp": { ... } }]` or `{ "tcp": { ... } }`. */
function listeners(config: Obj | undefined): Obj[] {
  const value = config?.listener;
  const list = Array.isArray(value) ? (value as Obj[]) : value !== undefined ? [value as Obj] : [];
  return list.flatMap((entry) => Object.values(entry).filter((l): l is Obj => typeof l === 'object' && l !== null));
}

/** True when a sys/health query maps the given state (`sealedcode`, `uninitcode`) to a 2xx answer. */
function acceptsState(path: string | undefined, parameter: 'sealedcode' | 'uninitcode'): boolean {
  if (path === undefined || !path.includes('sys/health')) return false;
  const code = new URLSearchParams(path.split('?')[1] ?? '').get(parameter);
  return code !== null && /^2\d\d$/.test(code);
}
