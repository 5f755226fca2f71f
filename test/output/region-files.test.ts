import { parse } from 'yaml';
import { sortForApply } from '../../lib/output/object-order';
import { manifestFileName, renderRegionFiles } from '../../lib/output/region-files';
import type { KubeObject } from '../../lib/sovereign/synthesize';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
});

describe('region files', () => {
  test('orders Namespaces first, then core kinds, then custom resources, ties by identity', () => {
    const objects = [
      obj('postgresql.cnpg.io/v1', 'Cluster', 'db', 'a'),
      obj('apps/v1', 'StatefulSet', 'openbao', 'openbao'),
      obj('v1', 'Service', 'b', 'openbao'),
      obj('v1', 'Service', 'a', 'openbao'),
      obj('cert-manager.io/v1', 'Certificate', 'c', 'openbao'),
      obj('v1', 'Namespace', 'openbao'),
      obj('networking.k8s.io/v1', 'NetworkPolicy', 'deny', 'openbao'),
    ];
    expect(sortForApply(objects).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/openbao',
      'NetworkPolicy/deny',
      'Service/a',
      'Service/b',
      'StatefulSet/openbao',
      'Certificate/c',
      'Cluster/db',
    ]);
  });

  test('names files by kind, namespace and name', () => {
    expect(manifestFileName(obj('v1', 'Service', 'openbao-active', 'openbao'))).toBe('service_openbao_openbao-active.yaml');
    expect(manifestFileName(obj('v1', 'Namespace', 'openbao'))).toBe('namespace_openbao.yaml');
    // Objects from JavaScript may carry a null where the types say string: as Array.join writes it, an empty part.
    const loose = (metadata: object) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata }) as unknown as Parameters<typeof manifestFileName>[0];
    expect(manifestFileName(loose({ namespace: null, name: 'x' }))).toBe('configmap__x.yaml');
    expect(manifestFileName(loose({ namespace: 'n', name: null }))).toBe('configmap_n_.yaml');
  });

  test('writes a kustomization listing every file in apply order', () => {
    const files = renderRegionFiles({
      regions: [{ region: 'r1', objects: [obj('v1', 'Service', 'svc', 'ns'), obj('v1', 'Namespace', 'ns')] }],
    });
    expect([...files.keys()]).toEqual(['r1/namespace_ns.yaml', 'r1/service_ns_svc.yaml', 'r1/kustomization.yaml']);
    expect(parse(files.get('r1/kustomization.yaml')!)).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['namespace_ns.yaml', 'service_ns_svc.yaml'],
    });
  });

  test('fails when two objects would share a file', () => {
    const objects = [obj('v1', 'Service', 'x', 'ns'), obj('example.com/v1', 'Service', 'x', 'ns')];
    expect(() => renderRegionFiles({ regions: [{ region: 'r1', objects }] })).toThrow(/map to service_ns_x\.yaml/);
  });

  test('never folds long strings', () => {
    const long = 'x'.repeat(300);
    const files = renderRegionFiles({ regions: [{ region: 'r', objects: [{ ...obj('v1', 'ConfigMap', 'c', 'n'), data: { long } }] }] });
    expect(files.get('r/configmap_n_c.yaml')).toContain(`long: ${long}\n`);
  });
});
