import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { formatViolation } from '../../lib/validate/violation';
import { FSN, twoRegions } from '../helpers/configs';
import { sharedValidator } from '../helpers/manifests';

// The validator's OpenBao rules: what a schema cannot see but keeps a region from booting or staying healthy.
// Each case takes today's OpenBaoRegion rendering (which passes), reintroduces one defect, and expects the rule.

function region(replicas = 3): any[] {
  const output = synthesizeSovereign(resolveSovereignConfig(twoRegions({ openbao: { replicas } })));
  return structuredClone(output.regions.find((r) => r.region === FSN)!.objects) as KubeObject[] as any[];
}
const statefulSet = (objects: any[]) => objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'openbao');
const pod = (objects: any[]) => statefulSet(objects).spec.template.spec;
const server = (objects: any[]) => pod(objects).containers[0];
const configMap = (objects: any[]) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'openbao-config');
const openbaoViolations = (objects: any[]) =>
  sharedValidator()
    .validateObjects(objects)
    .filter((v) => v.rule === 'openbao')
    .map(formatViolation);

describe('OpenBao rules', () => {
  test.each([1, 3, 5])('pass the OpenBaoRegion rendering with %d replicas', (replicas) => {
    expect(sharedValidator().validateObjects(region(replicas)).map(formatViolation)).toEqual([]);
  });

  describe('self-init reaching more than one pod', () => {
    // Today's defect: the server loads the ConfigMap, initialize included, on every pod.
    const loadEverywhere = (objects: any[]) => {
      server(objects).command = ['bao', 'server', '-config=/openbao/config-templates'];
      server(objects).volumeMounts.push({ name: 'config-templates', mountPath: '/openbao/config-templates', readOnly: true });
      return objects;
    };

    test('fails when every pod loads the initialize stanza', () => {
      expect(openbaoViolations(loadEverywhere(region()))).toEqual([
        expect.stringContaining('StatefulSet/openbao/openbao: spec.template.spec.containers[0].command: every one of the 3 pods loads the initialize stanza (ConfigMap openbao-config key initialize.json)'),
      ]);
    });

    test('passes a single server that loads it (there is nobody to diverge from)', () => {
      expect(openbaoViolations(loadEverywhere(region(1)))).toEqual([]);
    });
  });

  describe('API audit requests', () => {
    test('fails on a sys/audit self-init request', () => {
      const objects = region();
      const init = JSON.parse(configMap(objects).data['initialize.json']);
      init.initialize.unshift({ audit: { request: [{ 'enable-file-audit': { operation: 'update', path: 'sys/audit/file', data: { type: 'file' } } }] } });
      configMap(objects).data['initialize.json'] = JSON.stringify(init);
      expect(openbaoViolations(objects)).toEqual([expect.stringContaining('enables audit with a self-init request to sys/audit/file: OpenBao refuses it since 2.3.2')]);
    });

    test('fails on unsafe_allow_api_audit_creation', () => {
      const objects = region();
      configMap(objects).data['server.json'] = JSON.stringify({ ...JSON.parse(configMap(objects).data['server.json']), unsafe_allow_api_audit_creation: true });
      expect(openbaoViolations(objects)).toEqual([expect.stringContaining('sets unsafe_allow_api_audit_creation')]);
    });
  });

  describe('probes that accept a sealed server', () => {
    test('fails when readiness counts sealed and uninitialised servers as ready (today\'s probe)', () => {
      const objects = region();
      server(objects).readinessProbe.httpGet.path = '/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204';
      expect(openbaoViolations(objects)).toEqual([expect.stringContaining('readinessProbe.httpGet.path: "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204" counts a sealed or uninitialised server as ready')]);
    });

    test('fails when there is no readiness probe, or liveness accepts sealed', () => {
      const objects = region();
      delete server(objects).readinessProbe;
      server(objects).livenessProbe.httpGet.path = '/v1/sys/health?standbyok=true&sealedcode=204';
      expect(openbaoViolations(objects)).toEqual([
        expect.stringContaining('readinessProbe: no readiness probe'),
        expect.stringContaining('livenessProbe.httpGet.path: "/v1/sys/health?standbyok=true&sealedcode=204" never restarts a sealed server'),
      ]);
    });
  });

  describe('a memory-backed $TMPDIR', () => {
    test('fails when TMPDIR defaults to a memory emptyDir at /tmp (today\'s rendering)', () => {
      const objects = region();
      server(objects).env = server(objects).env.filter((e: any) => e.name !== 'TMPDIR');
      expect(openbaoViolations(objects)).toEqual([expect.stringContaining('env: $TMPDIR (/tmp) is a memory-backed emptyDir')]);
    });

    test('fails when TMPDIR is on the read-only root filesystem', () => {
      const objects = region();
      server(objects).env.find((e: any) => e.name === 'TMPDIR').value = '/var/tmp';
      expect(openbaoViolations(objects)).toEqual([expect.stringContaining('env: $TMPDIR (/var/tmp) is on the read-only root filesystem')]);
    });
  });

  describe('no certificate reload path', () => {
    test('fails without the SIGHUP sidecar (today\'s rendering)', () => {
      const objects = region();
      pod(objects).containers.pop();
      expect(openbaoViolations(objects)).toEqual([expect.stringContaining('containers[0]: nothing reloads the listener certificate')]);
    });

    test('fails when the sidecar cannot see the server process', () => {
      const objects = region();
      pod(objects).shareProcessNamespace = false;
      expect(openbaoViolations(objects)).toEqual([expect.stringContaining('nothing reloads the listener certificate')]);
    });

    test('passes a listener with tls_auto_reload (OpenBao releases after 2.6.2) and no sidecar', () => {
      const objects = region();
      pod(objects).containers.pop();
      const config = JSON.parse(configMap(objects).data['server.json']);
      config.listener[0].tcp.tls_auto_reload = true;
      configMap(objects).data['server.json'] = JSON.stringify(config);
      expect(openbaoViolations(objects)).toEqual([]);
    });
  });
});
