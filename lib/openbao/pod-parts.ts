import { k8s } from 'cdk8s-plus-28';
import type { RegionContext } from '../common/region-context';
import type { WorkloadCredentials } from '../secrets/workload-identity';

// The pieces the OpenBao pods share: the server StatefulSet, and the Jobs that log in to OpenBao with an SVID (the
// snapshot backup, the replicator and the replication verifier). Each returns a new object, so no two manifests share one.

/** Where a client pod mounts its SVID, the OpenBao CA and its in-memory home. */
export const SVID_DIR = '/svid';
export const CA_DIR = '/openbao/tls';
export const WORK_DIR = '/work';

/** Kubernetes quantities from their text, e.g. `{ cpu: '10m' }`. */
export function quantities(values: Record<string, string>): Record<string, k8s.Quantity> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, k8s.Quantity.fromString(value)]));
}

/** A container as Pod Security `restricted` requires it, with a read-only root filesystem. */
export function restrictedContainer(): k8s.SecurityContext {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };
}

/** Scheduling onto the region's own nodes only. */
export function regionNodeAffinity(region: RegionContext): k8s.NodeAffinity {
  return { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: region.regionLabelKey, operator: 'In', values: [region.region] }] }] } };
}

/**
 * A Job pod reading its 0400 SVID as uid 100: without fsGroup the kubelet leaves the files owned by root; with it they
 * get its group and group read (kubernetes pkg/volume/volume_linux.go, the fsGroup ownership change).
 */
export function svidJobPodSecurity(): k8s.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } };
}

/** The SVID Secret as a volume of 0400 files; optional, a missing Secret does not keep the pod from starting. */
export function svidVolume(name: string, credentials: WorkloadCredentials, optional = false): k8s.Volume {
  return { name, secret: { secretName: credentials.secretName, defaultMode: 0o400, ...(optional ? { optional: true } : {}) } };
}

/** The OpenBao CA certificate, alone, from the region's CA Secret. */
export function openbaoCaVolume(name: string, caSecretName: string): k8s.Volume {
  return { name, secret: { secretName: caSecretName, items: [{ key: 'ca.crt', path: 'ca.crt' }] } };
}

/**
 * What the `bao` CLI needs to log in with the SVID mounted by {@link svidClientMounts}: the CA it trusts, and the
 * certificate and key it presents on the TLS handshake of the cert login (api/client.go BAO_CLIENT_CERT, v2.6.2).
 */
export function svidClientEnv(credentials: WorkloadCredentials): k8s.EnvVar[] {
  return [
    { name: 'BAO_CACERT', value: `${CA_DIR}/ca.crt` },
    { name: 'BAO_CLIENT_CERT', value: `${SVID_DIR}/${credentials.certificateKey}` },
    { name: 'BAO_CLIENT_KEY', value: `${SVID_DIR}/${credentials.privateKeyKey}` },
  ];
}

/** The volumes `svid` and `openbao-ca`, where {@link svidClientEnv} points. */
export function svidClientMounts(): k8s.VolumeMount[] {
  return [
    { name: 'svid', mountPath: SVID_DIR, readOnly: true },
    { name: 'openbao-ca', mountPath: CA_DIR, readOnly: true },
  ];
}
