import type { Manifest, Violation } from './violation';

type Obj = { [key: string]: unknown };

const ALLOWED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const ALLOWED_SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** Where each workload kind keeps its pod template's spec. */
export function podSpecPath(object: Manifest): string[] | undefined {
  switch (object.kind) {
    case 'Pod':
      return ['spec'];
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job':
      return ['spec', 'template', 'spec'];
    case 'CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
    default:
      return undefined;
  }
}

/**
 * Checks a workload's pod template against the Pod Security Standards `restricted` profile (which includes
 * `baseline`), as the admission controller would at the latest version.
 */
export function checkPodSecurity(object: Manifest, describe: string): Violation[] {
  const specPath = podSpecPath(object);
  if (specPath === undefined) {
    return [];
  }
  let spec: unknown = object;
  for (const key of specPath) {
    spec = (spec as Obj | undefined)?.[key];
  }
  const base = specPath.join('.');
  const violations: Violation[] = [];
  const fail = (path: string, message: string) => violations.push({ object: describe, path, message, rule: 'pod-security' });
  if (typeof spec !== 'object' || spec === null) {
    fail(base, 'workload has no pod spec');
    return violations;
  }
  const pod = spec as Obj;
  const podContext = (pod.securityContext ?? {}) as Obj;

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (pod[field] === true) fail(`${base}.${field}`, `${field} must not be true (baseline)`);
  }
  for (const [index, volume] of ((pod.volumes ?? []) as Obj[]).entries()) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type !== undefined && !ALLOWED_VOLUME_TYPES.has(type)) {
      fail(`${base}.volumes[${index}].${type}`, `volume type ${type} is not allowed (restricted allows ${[...ALLOWED_VOLUME_TYPES].join(', ')})`);
    }
  }
  for (const [index, sysctl] of ((podContext.sysctls ?? []) as Obj[]).entries()) {
    if (!SAFE_SYSCTLS.has(String(sysctl.name))) fail(`${base}.securityContext.sysctls[${index}]`, `sysctl ${String(sysctl.name)} is not in the safe set (baseline)`);
  }
  checkSeLinux(podContext, `${base}.securityContext`, fail);
  if (podContext.runAsUser === 0) fail(`${base}.securityContext.runAsUser`, 'runAsUser must not be 0');
  if (podContext.runAsNonRoot === false) fail(`${base}.securityContext.runAsNonRoot`, 'runAsNonRoot must not be false');
  const podSeccomp = (podContext.seccompProfile as Obj | undefined)?.type;
  if (podSeccomp !== undefined && podSeccomp !== 'RuntimeDefault' && podSeccomp !== 'Localhost') {
    fail(`${base}.securityContext.seccompProfile.type`, 'seccompProfile.type must be RuntimeDefault or Localhost');
  }
  const annotations = (((object as Obj).spec as Obj | undefined)?.template as Obj | undefined)?.metadata as Obj | undefined;
  for (const [key, value] of Object.entries(((annotations?.annotations ?? {}) as Record<string, string>))) {
    if (key.startsWith('container.apparmor.security.beta.kubernetes.io/') && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      fail(`spec.template.metadata.annotations.${key}`, 'AppArmor profile must be runtime/default or localhost/* (baseline)');
    }
  }

  for (const list of CONTAINER_LISTS) {
    for (const [index, container] of ((pod[list] ?? []) as Obj[]).entries()) {
      const path = `${base}.${list}[${index}]`;
      const context = (container.securityContext ?? {}) as Obj;
      const ctxPath = `${path}.securityContext`;
      if (context.privileged === true) fail(`${ctxPath}.privileged`, 'privileged containers are not allowed (baseline)');
      if (context.allowPrivilegeEscalation !== false) fail(`${ctxPath}.allowPrivilegeEscalation`, 'allowPrivilegeEscalation must be false');
      if (context.procMount !== undefined && context.procMount !== 'Default') fail(`${ctxPath}.procMount`, 'procMount must be Default (baseline)');
      if ((context.windowsOptions as Obj | undefined)?.hostProcess === true) fail(`${ctxPath}.windowsOptions.hostProcess`, 'hostProcess is not allowed (baseline)');
      checkSeLinux(context, ctxPath, fail);

      const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
      if (runAsNonRoot !== true) fail(`${ctxPath}.runAsNonRoot`, 'runAsNonRoot must be true (on the pod or the container)');
      if (context.runAsUser === 0) fail(`${ctxPath}.runAsUser`, 'runAsUser must not be 0');
      const seccomp = (context.seccompProfile as Obj | undefined)?.type ?? podSeccomp;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
        fail(`${ctxPath}.seccompProfile.type`, 'seccompProfile.type must be RuntimeDefault or Localhost (on the pod or the container)');
      }
      const capabilities = (context.capabilities ?? {}) as Obj;
      if (!((capabilities.drop ?? []) as string[]).includes('ALL')) fail(`${ctxPath}.capabilities.drop`, 'capabilities.drop must include ALL');
      for (const added of (capabilities.add ?? []) as string[]) {
        if (added !== 'NET_BIND_SERVICE') fail(`${ctxPath}.capabilities.add`, `capability ${added} may not be added (only NET_BIND_SERVICE)`);
      }
      for (const [portIndex, port] of ((container.ports ?? []) as Obj[]).entries()) {
        if (port.hostPort !== undefined && port.hostPort !== 0) fail(`${path}.ports[${portIndex}].hostPort`, 'hostPort is not allowed (baseline)');
      }
    }
  }
  return violations;
}

function checkSeLinux(context: Obj, path: string, fail: (path: string, message: string) => void): void {
  const options = context.seLinuxOptions as Obj | undefined;
  if (options === undefined) return;
  if (options.type !== undefined && !ALLOWED_SELINUX_TYPES.has(String(options.type))) fail(`${path}.seLinuxOptions.type`, 'SELinux type is not allowed (baseline)');
  if (options.user !== undefined || options.role !== undefined) fail(`${path}.seLinuxOptions`, 'SELinux user and role must not be set (baseline)');
}
