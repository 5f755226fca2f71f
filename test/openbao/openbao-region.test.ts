import { App } from 'cdk8s';
import { OpenBaoRegion } from '../../lib/openbao/openbao-region';
import { OpenBaoSeal } from '../../lib/openbao/seal';
import { spiffeId } from '../../lib/secrets/spiffe';
import type { SovereignConfigInput } from '../../lib/sovereign/config-types';
import { RegionRole } from '../../lib/sovereign/region-chart';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { FSN, HEL, NBG, threeRegions, twoRegions } from '../helpers/configs';
import { expectValidManifests, expectValidSovereign } from '../helpers/manifests';

function regionObjects(config: SovereignConfigInput, region: string): KubeObject[] {
  const output = synthesizeSovereign(resolveSovereignConfig(config));
  expectValidSovereign(output);
  return output.regions.find((r) => r.region === region)!.objects.filter((o) => o.metadata.namespace === 'openbao' || (o.kind === 'Namespace' && o.metadata.name === 'openbao'));
}

const find = (objects: KubeObject[], kind: string, name: string): any => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind}/${name}`);
  return found;
};

const configFile = (objects: KubeObject[], file: string) => JSON.parse((find(objects, 'ConfigMap', 'openbao-config') as any).data[file]);
const serverConfig = (objects: KubeObject[]) => configFile(objects, 'server.json');
const initConfig = (objects: KubeObject[]) => configFile(objects, 'initialize.json');
const podSpec = (objects: KubeObject[]) => find(objects, 'StatefulSet', 'openbao').spec.template.spec;

describe('OpenBaoRegion', () => {
  const TENANTS = { tenants: [{ name: 'acme', namespaces: ['t-acme'] }] };
  const primary = regionObjects(twoRegions({ regionLabelKey: 'openova.io/region', ...TENANTS }), FSN);
  const replica = regionObjects(twoRegions({ regionLabelKey: 'openova.io/region', ...TENANTS }), HEL);

  test('snapshot: primary region', () => {
    expect(primary).toMatchSnapshot();
  });

  test('snapshot: replica region', () => {
    expect(replica).toMatchSnapshot();
  });

  describe('server config', () => {
    const config = serverConfig(primary);
    const init = initConfig(primary);

    test('Raft peers are found only in the region’s own namespace by the server pod labels', () => {
      expect(config.storage.raft.path).toBe('/openbao/data');
      expect(config.storage.raft.performance_multiplier).toBe(1);
      expect(config.storage.raft.retry_join).toEqual([
        {
          auto_join: 'provider=k8s namespace=openbao label_selector="app.kubernetes.io/name=openbao,app.kubernetes.io/instance=openbao,component=server"',
          auto_join_scheme: 'https',
          auto_join_port: 8200,
          leader_tls_servername: 'openbao-internal.openbao.svc',
          leader_ca_cert_file: '/openbao/tls/ca.crt',
        },
      ]);
    });

    test('no peer address outside the region: no leader_api_addr, no other region name anywhere in the config', () => {
      const text = JSON.stringify(config);
      expect(text).not.toContain('leader_api_addr');
      expect(text).not.toContain(HEL);
      expect(text).not.toContain('openbao-primary');
    });

    test('the listener serves TLS 1.2+ on 8200/8201 from files that are mounted in the pod', () => {
      const [{ tcp }] = config.listener;
      expect(tcp).toMatchObject({ address: '[::]:8200', cluster_address: '[::]:8201', tls_min_version: 'tls12' });
      const mounts = podSpec(primary).containers[0].volumeMounts;
      const mountOf = (file: string) => mounts.find((m: any) => file.startsWith(`${m.mountPath}/`));
      expect(mountOf(tcp.tls_cert_file)).toMatchObject({ name: 'tls', readOnly: true });
      expect(mountOf(tcp.tls_key_file)).toMatchObject({ name: 'tls' });
      expect(mountOf(config.storage.raft.retry_join[0].leader_ca_cert_file)).toMatchObject({ name: 'tls' });
      const tlsVolume = podSpec(primary).volumes.find((v: any) => v.name === 'tls');
      expect(tlsVolume.secret.secretName).toBe(find(primary, 'Certificate', 'openbao-tls').spec.secretName);
    });

    test('the static seal reads its key from the mounted operator Secret; disable_mlock is never emitted', () => {
      expect(config.seal).toEqual({ static: { current_key_id: '1', current_key: 'file:///openbao/seal/current.key' } });
      const seal = podSpec(primary).volumes.find((v: any) => v.name === 'seal');
      expect(seal.secret).toEqual({ secretName: 'openbao-seal', defaultMode: 0o400, items: [{ key: 'key', path: 'current.key' }] });
      expect(podSpec(primary).containers[0].volumeMounts).toContainEqual({ name: 'seal', mountPath: '/openbao/seal', readOnly: true });
      expect(JSON.stringify(config)).not.toContain('disable_mlock');
    });

    test('service registration, telemetry and ui', () => {
      expect(config.service_registration).toEqual({ kubernetes: {} });
      expect(config.telemetry).toEqual({ prometheus_retention_time: '24h', disable_hostname: true });
      expect(config.ui).toBe(false);
    });

    test('self-init requests are present and ordered: kv-v2, cert auth, policies, cert roles (audit is declarative)', () => {
      const requests = init.initialize.flatMap((block: any) => Object.values(block).flatMap((b: any) => b.request.map((r: any) => Object.entries(r)[0])));
      expect(requests.map(([name, r]: any) => `${name} ${r.operation} ${r.path}`)).toEqual([
        'mount-kv-v2 update sys/mounts/secret',
        'enable-cert-auth update sys/auth/cert',
        'policy-eso-read-acme update sys/policies/acl/eso-read-acme',
        'policy-eso-push-acme update sys/policies/acl/eso-push-acme',
        'policy-replication-pull update sys/policies/acl/replication-pull',
        'policy-replication-restore update sys/policies/acl/replication-restore',
        'policy-replication-verify update sys/policies/acl/replication-verify',
        'policy-snapshot-backup update sys/policies/acl/snapshot-backup',
        'policy-break-glass update sys/policies/acl/break-glass',
        'cert-role-eso-read-acme update auth/cert/certs/eso-read-acme',
        'cert-role-eso-push-acme update auth/cert/certs/eso-push-acme',
        'cert-role-replication-pull update auth/cert/certs/replication-pull',
        'cert-role-replication-restore update auth/cert/certs/replication-restore',
        'cert-role-replication-verify update auth/cert/certs/replication-verify',
        'cert-role-snapshot-backup update auth/cert/certs/snapshot-backup',
        'cert-role-break-glass update auth/cert/certs/break-glass',
      ]);
      expect(Object.keys(config)).not.toContain('initialize');
      const mount = requests.find(([name]: any) => name === 'mount-kv-v2')[1];
      expect(mount.data).toEqual({ type: 'kv', options: { version: '2' } });
    });

    test("policies are least privilege: a tenant's on its own prefix, replication's on heartbeats and snapshots", () => {
      const policy = (name: string) => {
        const block = init.initialize.find((b: any) => b.policies).policies.request.find((r: any) => r[`policy-${name}`]);
        return JSON.parse(block[`policy-${name}`].data.policy);
      };
      expect(policy('eso-read-acme')).toEqual({ path: { 'secret/data/sovereign/omantel/acme/*': { capabilities: ['read'] }, 'secret/metadata/sovereign/omantel/acme/*': { capabilities: ['read', 'list'] } } });
      expect(policy('eso-push-acme')).toEqual({
        path: { 'secret/data/sovereign/omantel/acme/*': { capabilities: ['create', 'update', 'read'] }, 'secret/metadata/sovereign/omantel/acme/*': { capabilities: ['create', 'update', 'read'] } },
      });
      const heartbeats = 'secret/data/sovereign/omantel/_replication/heartbeat/*';
      expect(policy('replication-pull')).toEqual({ path: { 'sys/storage/raft/snapshot': { capabilities: ['read'] }, [heartbeats]: { capabilities: ['create', 'update', 'read'] } } });
      // A restore without force: the server refuses a snapshot its seal cannot open instead of sealing itself.
      expect(policy('replication-restore')).toEqual({ path: { 'sys/storage/raft/snapshot': { capabilities: ['update'] } } });
      expect(policy('replication-verify')).toEqual({ path: { [heartbeats]: { capabilities: ['read'] } } });
      // The snapshot backup saves snapshots and nothing else: no restore, no key.
      expect(policy('snapshot-backup')).toEqual({ path: { 'sys/storage/raft/snapshot': { capabilities: ['read'] } } });
    });

    test('cert roles bind exactly the SPIFFE IDs and read the trust bundle from the mounted ConfigMap', () => {
      const roles = Object.fromEntries(
        init.initialize.find((b: any) => b['cert-roles'])['cert-roles'].request.map((r: any) => {
          const [name, request] = Object.entries(r)[0] as [string, any];
          return [name, request.data];
        }),
      );
 const eso = (access: string, region: string) => spiffeId('omantel.example', { namespace: 'external-secrets-system', serviceAccount: 'external-secrets', path: ['tenant', 'acme', access, 'region', region] });
      expect(roles['cert-role-eso-read-acme'].allowed_uri_sans).toEqual([eso('read', FSN), eso('read', HEL)]);
      expect(roles['cert-role-eso-push-acme'].allowed_uri_sans).toEqual([eso('push', FSN), eso('push', HEL)]);
      expect(roles['cert-role-replication-pull'].allowed_uri_sans).toEqual(['spiffe://omantel.example/ns/openbao/sa/openbao-replication-pull']);
      expect(roles['cert-role-snapshot-backup'].allowed_uri_sans).toEqual(['spiffe://omantel.example/ns/openbao/sa/openbao-snapshot-backup']);
      expect(roles['cert-role-snapshot-backup'].token_bound_cidrs).toBeUndefined();
      expect(roles['cert-role-eso-push-acme'].token_policies).toEqual(['eso-push-acme']);
      for (const name of ['cert-role-eso-read-acme', 'cert-role-eso-push-acme', 'cert-role-replication-pull', 'cert-role-replication-restore', 'cert-role-replication-verify', 'cert-role-snapshot-backup']) {
        expect(roles[name].certificate).toEqual({ eval_source: 'file', eval_type: 'string', path: '/openbao/trust-bundle/ca.crt' });
      }
      const bundle = podSpec(primary).volumes.find((v: any) => v.name === 'trust-bundle');
      expect(bundle.configMap).toEqual({ name: 'spiffe-trust-bundle', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
    });
  });

  describe('boots on a real cluster (OpenBao 2.6.2 behaviour)', () => {
    // GIVEN every supported size in both roles, WHEN rendered, THEN each region has every fix.
    const cases = [1, 3, 5].flatMap((replicas) => [FSN, HEL].map((region) => [replicas, region === FSN ? 'primary' : 'replica', region] as const));
    test.each(cases)('%d replica(s), %s region: one self-initialising pod, declarative audit, health probes, disk TMPDIR, SIGHUP reload', (replicas, _role, region) => {
      const objects = regionObjects(twoRegions({ openbao: { replicas } }), region);
      const pod = podSpec(objects);
      const [server, reloader] = pod.containers;
      // Self-init reaches only the pod the select-config init container chooses; the server loads its assembled folder.
      expect(pod.initContainers.map((c: any) => c.name)).toEqual(['select-config']);
      expect(server.command).toEqual(['bao', 'server', '-config=/openbao/config']);
      expect(pod.volumes.find((v: any) => v.name === 'config')).toEqual({ name: 'config', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
      expect(server.volumeMounts.map((m: any) => m.name)).not.toContain('config-templates');
      expect(Object.keys(serverConfig(objects))).not.toContain('initialize');
      expect(initConfig(objects).initialize.length).toBe(4);
      // Audit is the declarative stanza (docs/configuration/audit.mdx), never a request (vault/logical_system.go, 2.3.2+).
      expect(serverConfig(objects).audit).toEqual([{ file: { 'file-stdout': { description: 'Every request and response, HMAC-ed, to stdout', options: { file_path: 'stdout' } } } }]);
      expect(JSON.stringify(initConfig(objects))).not.toContain('sys/audit');
      expect(JSON.stringify(serverConfig(objects))).not.toContain('unsafe_allow_api_audit_creation');
      // Readiness excludes sealed and uninitialised servers.
      expect(server.readinessProbe.httpGet.path).toBe('/v1/sys/health?standbyok=true');
      // TMPDIR is disk-backed and as large as the Raft volume (snapshot restores use os.CreateTemp).
      expect(server.env).toContainEqual({ name: 'TMPDIR', value: '/openbao/scratch' });
      expect(pod.volumes.find((v: any) => v.name === 'scratch')).toEqual({ name: 'scratch', emptyDir: { sizeLimit: '10Gi' } });
      // A renewed listener certificate reaches the server: SIGHUP from a sidecar that shares the process namespace.
      expect(pod.shareProcessNamespace).toBe(true);
      expect(reloader).toMatchObject({ name: 'tls-reloader', command: ['/bin/sh', '-c', expect.stringContaining("pkill -HUP -f '^bao server '")] });
      expect(reloader.volumeMounts).toEqual([
        { name: 'tls', mountPath: '/openbao/tls', readOnly: true },
        { name: 'reloader-state', mountPath: '/openbao/reloader' },
      ]);
      // Node id from the pod name under its BAO_ name, and requests so the server is not BestEffort.
      expect(server.env).toContainEqual({ name: 'BAO_RAFT_NODE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
      expect(server.resources.requests).toEqual({ cpu: '250m', memory: '256Mi' });
    });

    test('the select-config init container asks the peers of its own StatefulSet, through the headless Service', () => {
      const [init] = podSpec(primary).initContainers;
      const env = Object.fromEntries(init.env.map((e: any) => [e.name, e.value ?? e.valueFrom.fieldRef.fieldPath]));
      expect(env).toMatchObject({ POD_NAME: 'metadata.name', REPLICAS: '3', PEER_DOMAIN: 'openbao-internal.openbao.svc', PEER_PORT: '8200', TEMPLATES: '/openbao/config-templates', CONFIG: '/openbao/config' });
      expect(init.volumeMounts.map((m: any) => `${m.name}:${m.mountPath}`)).toEqual([
        'config-templates:/openbao/config-templates',
        'config:/openbao/config',
        'tls:/openbao/tls',
        'trust-bundle:/openbao/trust-bundle',
        'break-glass-ca:/openbao/break-glass',
        'reloader-state:/openbao/reloader',
        'home:/tmp',
      ]);
      expect(env).toMatchObject({ TRUST_BUNDLE: '/openbao/trust-bundle/ca.crt', BREAK_GLASS_CA: '/openbao/break-glass/ca.crt', RELOADER_STATE: '/openbao/reloader' });
      // Its peers must be able to answer it while they wait to join: the headless Service publishes not-ready pods.
      expect(find(primary, 'Service', 'openbao-internal').spec.publishNotReadyAddresses).toBe(true);
    });

    test('a break-glass admin cert role, bound to an offline identity with its own CA, usable only from loopback', () => {
      const request = initConfig(primary).initialize.find((b: any) => b['cert-roles'])['cert-roles'].request.find((r: any) => r['cert-role-break-glass'])['cert-role-break-glass'];
      expect(request.data).toEqual({
        certificate: { eval_source: 'file', eval_type: 'string', path: '/openbao/break-glass/ca.crt' },
        allowed_common_names: ['openbao-break-glass'],
        token_policies: ['break-glass'],
        // cert auth refuses a login from outside these (builtin/credential/cert/path_login.go, v2.6.2).
        token_bound_cidrs: ['127.0.0.1/32', '::1/128'],
        token_ttl: '15m',
        token_max_ttl: '1h',
      });
      const policy = JSON.parse(initConfig(primary).initialize.find((b: any) => b.policies).policies.request.find((r: any) => r['policy-break-glass'])['policy-break-glass'].data.policy);
      expect(policy).toEqual({ path: { '*': { capabilities: ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'] } } });
      expect(podSpec(primary).volumes.find((v: any) => v.name === 'break-glass-ca').configMap).toEqual({ name: 'openbao-break-glass-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
      // No key, certificate body or token is ever inlined: the CA is read from the mounted file at init time.
      expect(JSON.stringify(primary)).not.toMatch(/PRIVATE KEY|-----BEGIN CERTIFICATE-----\\n|token":\s*"/);
    });

    test('the break-glass identity can be a SPIFFE ID with its own CA bundle', () => {
      const objects = regionObjects(twoRegions({ openbao: { breakGlass: { spiffeId: 'spiffe://omantel.example/break-glass', caBundle: { configMapName: 'offline-ca' } } } }), FSN);
      const request = initConfig(objects).initialize.find((b: any) => b['cert-roles'])['cert-roles'].request.find((r: any) => r['cert-role-break-glass'])['cert-role-break-glass'];
      expect(request.data.allowed_uri_sans).toEqual(['spiffe://omantel.example/break-glass']);
      expect(request.data.allowed_common_names).toBeUndefined();
      expect(podSpec(objects).volumes.find((v: any) => v.name === 'break-glass-ca').configMap.name).toBe('offline-ca');
    });

    test('fails on a break-glass identity that is both, or neither well-formed', () => {
      expect(() => resolveSovereignConfig(twoRegions({ openbao: { breakGlass: { commonName: 'admin', spiffeId: 'spiffe://x.example/admin' } } }))).toThrow('openbao.breakGlass: set commonName or spiffeId, not both');
      expect(() => resolveSovereignConfig(twoRegions({ openbao: { breakGlass: { spiffeId: 'admin' } } }))).toThrow('openbao.breakGlass.spiffeId: must be a SPIFFE ID');
      const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
      expect(
        () => new OpenBaoRegion(sovereign.regionChart(FSN), 'x', { namespace: 'openbao-x', seal: OpenBaoSeal.staticKey({ keyId: '1', secretName: 's' }), breakGlass: { commonName: 'c'.repeat(65), caBundle: { configMapName: 'Bad_Name', key: 'ca.crt' } } }),
      ).toThrow(/breakGlass\.commonName: "c{65}" must be 1 to 64 characters[\s\S]*breakGlass\.caBundle\.configMapName: "Bad_Name" is not a ConfigMap name/);
    });
  });

  describe('services', () => {
    const selector = { 'app.kubernetes.io/name': 'openbao', 'app.kubernetes.io/instance': 'openbao', component: 'server' };

    test('openbao, -active, -standby and -internal select the servers by role', () => {
      expect(find(primary, 'Service', 'openbao').spec.selector).toEqual(selector);
      expect(find(primary, 'Service', 'openbao-active').spec.selector).toEqual({ ...selector, 'openbao-active': 'true' });
      expect(find(primary, 'Service', 'openbao-standby').spec.selector).toEqual({ ...selector, 'openbao-active': 'false' });
      expect(find(primary, 'Service', 'openbao-internal').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector });
      expect(find(primary, 'Service', 'openbao').spec.ports.map((p: any) => [p.name, p.port])).toEqual([['http', 8200], ['https-internal', 8201]]);
    });

    test('in the primary region openbao-primary selects the active pod and is global', () => {
      const service = find(primary, 'Service', 'openbao-primary');
      expect(service.spec.selector).toEqual({ ...selector, 'openbao-active': 'true' });
      expect(service.metadata.annotations).toEqual({ 'service.cilium.io/global': 'true' });
    });

    test('in a replica region openbao-primary is a selector-less stub that shares nothing', () => {
      const service = find(replica, 'Service', 'openbao-primary');
      expect(service.spec.selector).toBeUndefined();
      expect(service.metadata.annotations).toEqual({ 'service.cilium.io/global': 'true', 'service.cilium.io/shared': 'false' });
    });

    test('the certificate covers every service name form and every pod behind openbao-internal', () => {
      const { dnsNames } = find(primary, 'Certificate', 'openbao-tls').spec;
      for (const name of ['openbao', 'openbao-active', 'openbao-standby', 'openbao-internal', 'openbao-primary', 'openbao-0.openbao-internal', 'openbao-2.openbao-internal']) {
        expect(dnsNames).toEqual(expect.arrayContaining([name, `${name}.openbao`, `${name}.openbao.svc`, `${name}.openbao.svc.cluster.local`]));
      }
      expect(dnsNames).not.toContain('openbao-3.openbao-internal');
    });
  });

  describe('workload', () => {
    const spec = find(primary, 'StatefulSet', 'openbao').spec;
    const pod = spec.template.spec;
    const container = pod.containers[0];

    test('3 voters in parallel, data retained, pinned to the region, spread over hosts and zones', () => {
      expect(spec).toMatchObject({ replicas: 3, podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' } });
      expect(spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
      expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
        { matchExpressions: [{ key: 'openova.io/region', operator: 'In', values: [FSN] }] },
      ]);
      expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
      expect(pod.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    });

    test('node id and addresses come from the pod name', () => {
      const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom.fieldRef.fieldPath]));
      // physical/raft/raft.go (openbao v2.6.2) reads BAO_RAFT_NODE_ID; the VAULT_ name only through a fallback.
      expect(env.BAO_RAFT_NODE_ID).toBe('metadata.name');
      expect(env.VAULT_RAFT_NODE_ID).toBeUndefined();
      expect(env.BAO_API_ADDR).toBe('https://$(POD_NAME).openbao-internal.openbao.svc:8200');
      expect(env.BAO_CLUSTER_ADDR).toBe('https://$(POD_NAME).openbao-internal.openbao.svc:8201');
    });

    test('restricted security context with a read-only root and writable mounts where needed', () => {
      expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
      const writable = container.volumeMounts.filter((m: any) => !m.readOnly).map((m: any) => m.mountPath);
      expect(writable).toEqual(['/openbao/data', '/openbao/scratch', '/tmp']);
      for (const helper of [...pod.initContainers, pod.containers[1]]) {
        expect(helper.securityContext).toEqual(container.securityContext);
      }
      expect(pod.automountServiceAccountToken).toBe(true);
    });

    test('readiness takes only unsealed, initialised servers; liveness restarts a sealed one; a startup probe covers first boot', () => {
      // http/sys_health.go (openbao v2.6.2): 200 active, 429 standby, 501 uninitialised, 503 sealed.
      const probe = (p: any) => ({ path: p.httpGet.path, scheme: p.httpGet.scheme, period: p.periodSeconds, failures: p.failureThreshold });
      expect(probe(container.readinessProbe)).toEqual({ path: '/v1/sys/health?standbyok=true', scheme: 'HTTPS', period: 5, failures: 2 });
      expect(probe(container.livenessProbe)).toEqual({ path: '/v1/sys/health?standbyok=true&uninitcode=204', scheme: 'HTTPS', period: 10, failures: 6 });
      // Liveness starts only once the server first answers unsealed (or uninitialised, waiting to join).
      expect(probe(container.startupProbe)).toEqual({ path: '/v1/sys/health?standbyok=true&uninitcode=204', scheme: 'HTTPS', period: 5, failures: 120 });
      expect(container.readinessProbe.httpGet.path).not.toMatch(/sealedcode|uninitcode/);
      expect(container.livenessProbe.httpGet.path).not.toMatch(/sealedcode/);
    });

    test('resource requests by default, replaced as a whole when configured', () => {
      expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } });
      const custom = podSpec(regionObjects(twoRegions({ openbao: { resources: { requests: { cpu: '1', memory: '2Gi' } } } }), FSN)).containers[0];
      expect(custom.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' } });
    });

    test('the PDB keeps quorum', () => {
      expect(find(primary, 'PodDisruptionBudget', 'openbao').spec.maxUnavailable).toBe(1);
      expect(find(regionObjects(twoRegions({ openbao: { replicas: 5 } }), FSN), 'PodDisruptionBudget', 'openbao').spec.maxUnavailable).toBe(2);
    });

    test('RBAC is namespaced: pods get/list/update/patch, nothing cluster-wide', () => {
      expect(find(primary, 'Role', 'openbao').rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'update', 'patch'] }]);
      const output = synthesizeSovereign(resolveSovereignConfig(twoRegions()));
      expect(output.regions.flatMap((r) => r.objects).filter((o) => ['ClusterRole', 'ClusterRoleBinding'].includes(o.kind))).toEqual([]);
    });
  });

  describe('network policy', () => {
    test('default deny, API from ESO, the replicator and the backup Job, cluster port only between servers, all pinned to the local cluster', () => {
      expect(find(primary, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      // Cilium <= 1.18 matches label selectors in every mesh cluster: each local peer names this region's cluster.
      const pin = { 'io.cilium.k8s.policy.cluster': 'fsn' };
      const ingress = find(primary, 'CiliumNetworkPolicy', 'openbao-server-ingress').spec.ingress;
      expect(ingress[0].toPorts).toEqual([{ ports: [{ port: '8200', protocol: 'TCP' }] }]);
      expect(ingress[0].fromEndpoints).toEqual([
        { matchLabels: { 'app.kubernetes.io/name': 'external-secrets', 'k8s:io.kubernetes.pod.namespace': 'external-secrets-system', ...pin } },
        { matchLabels: { 'app.kubernetes.io/name': 'openbao-replicator', 'k8s:io.kubernetes.pod.namespace': 'openbao', ...pin } },
        { matchLabels: { 'app.kubernetes.io/name': 'openbao-snapshot-backup', 'k8s:io.kubernetes.pod.namespace': 'openbao', ...pin } },
      ]);
      expect(ingress[1]).toEqual({
        fromEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'openbao', 'app.kubernetes.io/instance': 'openbao', component: 'server', 'k8s:io.kubernetes.pod.namespace': 'openbao', ...pin } }],
        toPorts: [{ ports: [{ port: '8200', protocol: 'TCP' }, { port: '8201', protocol: 'TCP' }] }],
      });
      expect(primary.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name).sort()).toEqual(['default-deny', 'openbao-egress']);
    });

    test('egress to DNS and, through Cilium, the Kubernetes API', () => {
      expect(find(primary, 'NetworkPolicy', 'openbao-egress').spec.egress[0].ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
      expect(find(primary, 'CiliumNetworkPolicy', 'openbao-kube-apiserver').spec.egress[0].toEntities).toEqual(['kube-apiserver']);
    });

    test('the primary admits ESO and replicators of the other clusters, naming io.cilium.k8s.policy.cluster', () => {
      const objects = regionObjects(threeRegions({ regions: [{ name: FSN, clusterName: 'fsn' }, { name: NBG, clusterName: 'nbg' }, { name: HEL }] }), FSN);
      const policy = find(objects, 'CiliumNetworkPolicy', 'openbao-primary-remote-callers');
      const [rule] = policy.spec.ingress;
      expect(rule.toPorts).toEqual([{ ports: [{ port: '8200', protocol: 'TCP' }] }]);
      for (const peer of rule.fromEndpoints) {
        expect(peer.matchExpressions).toEqual([{ key: 'io.cilium.k8s.policy.cluster', operator: 'In', values: ['nbg', HEL] }]);
      }
      expect(rule.fromEndpoints.map((p: any) => p.matchLabels['k8s:io.kubernetes.pod.namespace'])).toEqual(['external-secrets-system', 'openbao']);
    });

    test('replicas admit no cross-cluster callers', () => {
      expect(replica.find((o) => o.metadata.name === 'openbao-primary-remote-callers')).toBeUndefined();
    });
  });

  describe('options', () => {
    test('ServiceMonitor, audit volume, UI and a digest-pinned image', () => {
      const image = `quay.io/openbao/openbao:2.6.2@sha256:${'b'.repeat(64)}`;
      const objects = regionObjects(twoRegions({ openbao: { image, ui: true, serviceMonitor: true, auditStorage: { size: '5Gi' } } }), FSN);
      const monitor = find(objects, 'ServiceMonitor', 'openbao');
      expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http', scheme: 'https', path: '/v1/sys/metrics', tlsConfig: { ca: { secret: { name: 'openbao-tls', key: 'ca.crt' } } } });
      const config = serverConfig(objects);
      expect(config.ui).toBe(true);
      expect(config.listener[0].tcp.telemetry).toEqual({ unauthenticated_metrics_access: true });
      // Another destination is another device path: OpenBao refuses to modify a declared device (vault/audit.go).
      expect(config.audit).toEqual([{ file: { 'file-volume': { description: 'Every request and response, HMAC-ed, to the audit volume', options: { file_path: '/openbao/audit/audit.log' } } } }]);
      const sts = find(objects, 'StatefulSet', 'openbao');
      expect(sts.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['data', 'audit']);
      expect(sts.spec.template.spec.containers[0].image).toBe(image);
      expect(find(objects, 'CiliumNetworkPolicy', 'openbao-server-ingress').spec.ingress[0].fromEndpoints).toContainEqual({ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'monitoring', 'io.cilium.k8s.policy.cluster': 'fsn' } });
    });

    test('one replica is allowed with a warning, and gets no PDB', () => {
      const config = resolveSovereignConfig(twoRegions({ openbao: { replicas: 1 } }));
      const output = synthesizeSovereign(config);
      expectValidSovereign(output);
      expect(output.warnings).toContain(`OpenBao in ${FSN} runs 1 replica: no Raft quorum survives its loss; use 3 or 5 in production`);
      expect(output.regions[0].objects.find((o) => o.kind === 'PodDisruptionBudget')).toBeUndefined();
    });

    test('roles follow primaryRegion', () => {
      const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions({ primaryRegion: HEL })) });
      expect(sovereign.openBaoRegions.map((r) => r.role)).toEqual([RegionRole.REPLICA, RegionRole.PRIMARY]);
      expect(sovereign.openBaoRegions[0].primaryUrl).toBe('https://openbao-primary.openbao.svc:8200');
    });
  });

  describe('validation', () => {
    const build = (props: Partial<ConstructorParameters<typeof OpenBaoRegion>[2]>) => () => {
      const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
      return new OpenBaoRegion(sovereign.regionChart(FSN), 'extra', { seal: OpenBaoSeal.staticKey({ keyId: 'k1', secretName: 'seal' }), namespace: 'openbao-extra', ...props });
    };

    test.each([2, 4, 0])('fails when replicas is %d (must be odd)', (replicas) => {
      expect(build({ replicas })).toThrow(`replicas: must be an odd whole number (1, 3, 5) so a Raft quorum survives a minority loss (got ${replicas})`);
      expect(() => resolveSovereignConfig(twoRegions({ openbao: { replicas } }))).toThrow(/openbao\.replicas: must (be odd|be at least 1)/);
    });

    test('fails on a bad image and a bad storage quantity', () => {
      expect(build({ image: 'Not An Image', storageSize: '10 gigs' })).toThrow(/image: "Not An Image" is not an image reference[\s\S]*storageSize: "10 gigs" is not a Kubernetes quantity/);
    });

    test('fails when the static seal has no key id or a bad Secret name', () => {
      expect(() => OpenBaoSeal.staticKey({ keyId: '', secretName: 'seal' })).toThrow(/keyId "" must be non-empty/);
      expect(() => OpenBaoSeal.staticKey({ keyId: 'k', secretName: 'Seal_Secret' })).toThrow(/secretName "Seal_Secret" must be the name of a Secret/);
      expect(() => resolveSovereignConfig(twoRegions({ openbao: { seal: { static: { keyId: '', secretName: 'x' } } } as any }))).toThrow(/openbao\.seal\.static\.keyId: must not be empty/);
      expect(() => resolveSovereignConfig(twoRegions({ openbao: { seal: { static: { keyId: 'k' } } } as any }))).toThrow(/openbao\.seal\.static\.secretName: is required/);
    });

    test('fails without a region context', () => {
      expect(() => new OpenBaoRegion(new App(), 'x', { seal: OpenBaoSeal.staticKey({ keyId: 'k', secretName: 's' }) })).toThrow(
        "x has no region context: create it inside a Sovereign's RegionChart, or call RegionContext.provide(chart",
      );
    });

    test('a second cluster in its own namespace validates', () => {
      const created = build({})();
      const objects = created.node.findAll().filter((c: any) => typeof c.toJson === 'function' && c.apiVersion).map((c: any) => c.toJson());
      expect(objects.length).toBeGreaterThan(15);
      expect(objects.every((o: any) => o.metadata.namespace === 'openbao-extra')).toBe(true);
      expectValidManifests(objects);
    });
  });
});
