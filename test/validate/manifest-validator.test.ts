import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManifestValidator } from '../../lib/validate/manifest-validator';
import { SchemaRegistry } from '../../lib/validate/schema-registry';
import { formatViolation } from '../../lib/validate/violation';
import { sharedValidator } from '../helpers/manifests';

const validator = sharedValidator();

/** A Deployment whose pod template meets Pod Security `restricted`. */
function restrictedDeployment(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'web',
              image: 'nginx:1.27',
              ports: [{ containerPort: 8080 }],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
            },
          ],
        },
      },
    },
  };
}

function check(object: unknown): string[] {
  return validator.validateObjects([object]).map(formatViolation);
}

describe('ManifestValidator', () => {
  test('passes a restricted-compliant Deployment', () => {
    expect(check(restrictedDeployment())).toEqual([]);
  });

  test('catches an unknown field', () => {
    const object = restrictedDeployment();
    object.spec.template.spec.containers[0].imagePullPolice = 'Always';
    expect(check(object)).toEqual(['Deployment/apps/web: spec.template.spec.containers[0].imagePullPolice: unknown field (not in the schema) [schema]']);
  });

  test('catches a wrong type', () => {
    const object = restrictedDeployment();
    object.spec.replicas = 'three';
    expect(check(object)).toEqual(['Deployment/apps/web: spec.replicas: must be integer [schema]']);
  });

  test('catches a missing required field', () => {
    const object = restrictedDeployment();
    delete object.spec.selector;
    expect(check(object)).toEqual(['Deployment/apps/web: spec.selector: required field is missing [schema]']);
  });

  test('catches a bad enum value in a CRD', () => {
    const certificate = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'c', namespace: 'x' },
      spec: { secretName: 's', issuerRef: { name: 'ca' }, privateKey: { rotationPolicy: 'Sometimes' } },
    };
    expect(check(certificate)).toEqual(['Certificate/x/c: spec.privateKey.rotationPolicy: must be one of: "Never", "Always" [schema]']);
  });

  test('catches an unknown field in CRD metadata (validated as ObjectMeta)', () => {
    const certificate = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c', lables: {} }, spec: { secretName: 's', issuerRef: { name: 'ca' } } };
    expect(check(certificate)).toEqual(['Certificate/c: metadata.lables: unknown field (not in the schema) [schema]']);
  });

  test('catches an unknown kind', () => {
    expect(check({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'Widget/w: apiVersion: no schema for example.com/v1 Widget: it is neither a Kubernetes 1.28 core kind nor in a vendored CRD [schema]',
    ]);
  });

  test('catches a version the pinned CRD no longer serves (ESO v1beta1)', () => {
    const store = { apiVersion: 'external-secrets.io/v1beta1', kind: 'ClusterSecretStore', metadata: { name: 's' }, spec: { provider: {}, conditions: [{ namespaces: ['apps'] }] } };
    expect(check(store)).toEqual([
      'ClusterSecretStore/s: apiVersion: external-secrets.io/v1beta1 ClusterSecretStore is not served by the pinned CRD (the version is deprecated or removed); use a served version [schema]',
    ]);
  });

  test('catches a privileged container', () => {
    const object = restrictedDeployment();
    object.spec.template.spec.containers[0].securityContext.privileged = true;
    expect(check(object)).toEqual([
      'Deployment/apps/web: spec.template.spec.containers[0].securityContext.privileged: privileged containers are not allowed (baseline) [pod-security]',
    ]);
  });

  test('catches every restricted gap of a bare pod template', () => {
    const object = restrictedDeployment();
    object.spec.template.spec.securityContext = {};
    object.spec.template.spec.containers[0].securityContext = {};
    object.spec.template.spec.volumes = [{ name: 'host', hostPath: { path: '/' } }];
    expect(check(object)).toEqual([
      'Deployment/apps/web: spec.template.spec.volumes[0].hostPath: volume type hostPath is not allowed (restricted allows configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret) [pod-security]',
      'Deployment/apps/web: spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: allowPrivilegeEscalation must be false [pod-security]',
      'Deployment/apps/web: spec.template.spec.containers[0].securityContext.runAsNonRoot: runAsNonRoot must be true (on the pod or the container) [pod-security]',
      'Deployment/apps/web: spec.template.spec.containers[0].securityContext.seccompProfile.type: seccompProfile.type must be RuntimeDefault or Localhost (on the pod or the container) [pod-security]',
      'Deployment/apps/web: spec.template.spec.containers[0].securityContext.capabilities.drop: capabilities.drop must include ALL [pod-security]',
    ]);
  });

  test('checks CronJob pod templates too', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'j', namespace: 'x' },
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', hostNetwork: true, containers: [{ name: 'c', image: 'busybox' }] } } } } },
    };
    expect(check(job)).toEqual(expect.arrayContaining(['CronJob/x/j: spec.jobTemplate.spec.template.spec.hostNetwork: hostNetwork must not be true (baseline) [pod-security]']));
  });

  test('catches a Secret with data', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'x' }, data: { password: 'aHVudGVyMg==' } };
    expect(check(secret)).toEqual([
      'Secret/x/s: data: Secret carries data; reference an existing Secret (or an ExternalSecret) instead of rendering values [secret-data]',
    ]);
  });

  test('catches a literal credential env value and a PEM private key', () => {
    const object = restrictedDeployment();
    object.spec.template.spec.containers[0].env = [
      { name: 'DB_PASSWORD', value: 'hunter2' },
      { name: 'LOG_LEVEL', value: 'debug' },
    ];
    // The PEM header is assembled at run time so the repository itself holds no private-key marker.
    const pemHeader = ['-----BEGIN', 'PRIVATE', 'KEY-----'].join(' ');
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'x' }, data: { key: `${pemHeader}\nMII...` } };
    expect(check(object)).toEqual([
      'Deployment/apps/web: spec.template.spec.containers[0].env[0].value: env DB_PASSWORD has a literal value; use valueFrom.secretKeyRef [secret-data]',
    ]);
    expect(check(configMap)).toEqual(['ConfigMap/x/c: data.key: contains a PEM private key [secret-data]']);
  });

  test('evaluates CRD CEL rules', () => {
    // PushSecret: remoteKey and rewrite are mutually exclusive (x-kubernetes-validations)
    const push = {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: 'p', namespace: 'x' },
      spec: {
        secretStoreRefs: [{ name: 'bao-primary', kind: 'ClusterSecretStore' }],
        selector: { secret: { name: 's' } },
        data: [{ match: { secretKey: 'k', remoteRef: { remoteKey: 'sovereign/x/k' } } }],
        dataTo: [{ storeRef: { name: 'bao-primary' }, remoteKey: 'a', rewrite: [{ regexp: { source: 'a', target: 'b' } }] }],
      },
    };
    expect(check(push)).toEqual([expect.stringMatching(/^PushSecret\/x\/p: spec\.dataTo\[0\]: remoteKey and rewrite are mutually exclusive.*\[cel\]$/)]);
  });

  test('accepts int-or-string in both forms and keeps preserve-unknown-fields open', () => {
    const pdb = (maxUnavailable: unknown) => ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'p', namespace: 'x' },
      spec: { maxUnavailable, selector: { matchLabels: { a: 'b' } } },
    });
    expect(check(pdb(1))).toEqual([]);
    expect(check(pdb('50%'))).toEqual([]);
    expect(check(pdb(true))).not.toEqual([]);
  });

  test('validates a folder and reports file, object and path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    writeFileSync(join(dir, 'ok.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: ok }\n');
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: bad }\nspec: { finalizer: [] }\n');
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [ok.yaml]\n');
    const result = validator.validateDirectory(dir);
    expect(result.files).toBe(2);
    expect(result.objects).toBe(2);
    expect(result.violations.map((v) => [v.file?.endsWith('bad.yaml'), v.object, v.path])).toEqual([[true, 'Namespace/bad', 'spec.finalizer']]);
  });
});

/** A folder holding one CRD, example.com Widget: v1 served (an odd integer size, a lowercase name), v1beta1 not. */
function widgetCrdFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'extra-crds-'));
  const schema = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        properties: {
          size: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self % 2 == 1', message: 'size must be odd' }] },
          name: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.matches('^[a-z]+$') && self.startsWith('w')", message: 'name must be lowercase and start with w' }] },
        },
      },
    },
  };
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: { kind: 'Widget', plural: 'widgets' },
      scope: 'Cluster',
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } },
        { name: 'v1beta1', served: false, storage: false, schema: { openAPIV3Schema: schema } },
      ],
    },
  };
  writeFileSync(join(dir, 'widgets.yaml'), JSON.stringify(crd));
  return dir;
}

describe('ManifestValidator duplicate objects', () => {
  const configMap = (name: string, apiVersion = 'v1') => ({ apiVersion, kind: 'ConfigMap', metadata: { name, namespace: 'apps' } });

  test('catches the same object twice in one cluster, whatever its version', () => {
    expect(validator.validateObjects([configMap('a'), configMap('b'), configMap('a')]).map(formatViolation)).toEqual([
      'ConfigMap/apps/a: metadata.name: the same object is rendered twice; applying both, the second replaces the first — rename one of them [duplicate]',
    ]);
  });

  test('looks for duplicates per folder: one per region folder is fine, two in one folder are not', () => {
    // GIVEN two region folders with the same ConfigMap, and a third that holds it twice
    const root = mkdtempSync(join(tmpdir(), 'validate-duplicates-'));
    for (const region of ['fsn', 'hel', 'nbg']) mkdirSync(join(root, region));
    const yaml = (object: unknown) => `${JSON.stringify(object)}\n`;
    writeFileSync(join(root, 'fsn', 'a.yaml'), yaml(configMap('a')));
    writeFileSync(join(root, 'hel', 'a.yaml'), yaml(configMap('a')));
    writeFileSync(join(root, 'nbg', 'a.yaml'), yaml(configMap('a')));
    writeFileSync(join(root, 'nbg', 'b.yaml'), yaml(configMap('a')));
    // WHEN the folder is validated
    const result = validator.validateDirectory(root);
    // THEN only the folder with two copies has a violation, naming both files
    expect(result.violations.map((v) => [v.file?.replace(/.*validate-duplicates-[^/]+\//, ''), v.rule, v.message.includes('(first in ') && v.message.includes('nbg/a.yaml')])).toEqual([['nbg/b.yaml', 'duplicate', true]]);
  });
});

describe('SchemaRegistry', () => {
  test('fails when the extra CRD folder is missing, saying what to pass', () => {
    expect(() => SchemaRegistry.shipped({ extraCrds: '/nonexistent' })).toThrow(/no CRD folder at \/nonexistent: --crds DIR must be a folder of CustomResourceDefinition YAML files/);
  });

  test('adds the kinds of an extra CRD folder, strict and with their CEL rules, beside the shipped ones', () => {
    const extended = new ManifestValidator(SchemaRegistry.shipped({ extraCrds: widgetCrdFolder() }));
    const widget = (spec: Record<string, unknown>, apiVersion = 'example.com/v1') => ({ apiVersion, kind: 'Widget', metadata: { name: 'w' }, spec });
    const checkExtended = (object: unknown) => extended.validateObjects([object]).map(formatViolation);
    expect(checkExtended(widget({ size: 3, name: 'wheel' }))).toEqual([]);
    expect(checkExtended(widget({ size: 4, name: 'Wheel', colour: 'red' }))).toEqual([
      'Widget/w: spec.colour: unknown field (not in the schema) [schema]',
      'Widget/w: spec.size: size must be odd [cel]',
      'Widget/w: spec.name: name must be lowercase and start with w [cel]',
    ]);
    expect(checkExtended(widget({}, 'example.com/v1beta1'))).toEqual([
      'Widget/w: apiVersion: example.com/v1beta1 Widget is not served by the pinned CRD (the version is deprecated or removed); use a served version [schema]',
    ]);
    expect(checkExtended(restrictedDeployment())).toEqual([]);
  });
});

describe('ManifestValidator with composed schemas', () => {
  const policy = (spec: Record<string, unknown>) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'p', namespace: 'x' }, spec });

  test('anyOf/oneOf branches constrain without closing the object (CiliumNetworkPolicy)', () => {
    expect(check(policy({ endpointSelector: {}, egress: [{ toEntities: ['kube-apiserver'] }] }))).toEqual([]);
  });

  test('still rejects an unknown field and an unmet oneOf', () => {
    expect(check(policy({ endpointSelector: {}, egress: [], egres: [] }))).toContain('CiliumNetworkPolicy/x/p: spec.egres: unknown field (not in the schema) [schema]');
    expect(check(policy({ egress: [] }))).toContain('CiliumNetworkPolicy/x/p: spec.endpointSelector: required field is missing [schema]');
  });
});
