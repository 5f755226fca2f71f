import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SovereignConfigInput } from '../../lib/sovereign/config-types';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { synthTofuToFolder } from '../../lib/tofu/synth-tofu';
import { FSN, HEL, NBG, OMANTEL_YAML, threeRegions, twoRegions } from '../helpers/configs';

const ROOT = join(__dirname, '..', '..');

function stacks(config: SovereignConfigInput, env: Record<string, string> = {}) {
  const resolved = resolveSovereignConfig(config, { env });
  const out = join(mkdtempSync(join(tmpdir(), 'tofu-')), 'out');
  const written = synthTofuToFolder(resolved, out);
  const read = (region: string) => JSON.parse(readFileSync(join(out, 'stacks', region, 'cdk.tf.json'), 'utf8'));
  return { resolved, out, written, read };
}

describe('RegionClusterStack', () => {
  const { written, read, resolved, out } = stacks(threeRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ name: 'db', namespace: 'tenant-a' }], tenants: [{ name: 'a', namespaces: ['tenant-a'] }] }));

  test('one stack per region cluster', () => {
    expect(written).toEqual([`stacks/${FSN}/cdk.tf.json`, `stacks/${HEL}/cdk.tf.json`, `stacks/${NBG}/cdk.tf.json`]);
  });

  test('snapshot of one stack', () => {
    expect(read(HEL)).toMatchSnapshot();
  });

  test('the provider source is fully qualified and configured only from variables', () => {
    const stack = read(FSN);
    expect(stack.terraform.required_providers).toEqual({ kubernetes: { source: 'hashicorp/kubernetes', version: '~> 2.38' } });
    expect(stack.provider.kubernetes).toEqual([{ config_path: '${var.kubeconfig_path}', config_context: '${var.kube_context}' }]);
    expect(stack.variable.kube_context.default).toBe(FSN);
    expect(stack.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
  });

  test('every namespace the region’s manifests use exists in its stack with the Pod Security labels', () => {
    const manifests = synthesizeSovereign(resolved);
    for (const region of manifests.regions) {
      const used = new Set(region.objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined));
      const namespaces = Object.values(read(region.region).resource.kubernetes_namespace_v1) as any[];
      expect(namespaces.map((n) => n.metadata.name).sort()).toEqual([...used].sort());
      for (const ns of namespaces) {
        expect(ns.metadata.labels).toMatchObject({
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        });
      }
    }
    const openbao = read(FSN).resource.kubernetes_namespace_v1.namespace_openbao;
    expect(openbao.metadata.annotations).toEqual({ 'clustermesh.cilium.io/global': 'true' });
    expect(Object.keys(read(NBG).resource.kubernetes_namespace_v1)).not.toContain('namespace_tenant-a');
  });

  test.each([
    ['the file', {}, { SOVEREIGN_ENABLE_HOT_STANDBY: 'true', SOVEREIGN_PRIMARY_REGION: FSN, SOVEREIGN_REPLICA_REGION: HEL }],
    ['a degenerate environment', { SOVEREIGN_ENABLE_HOT_STANDBY: 'yes', SOVEREIGN_PRIMARY_REGION: HEL, SOVEREIGN_REPLICA_REGION: HEL }, { SOVEREIGN_ENABLE_HOT_STANDBY: 'false', SOVEREIGN_PRIMARY_REGION: HEL, SOVEREIGN_REPLICA_REGION: '' }],
    ['an environment override', { SOVEREIGN_ENABLE_HOT_STANDBY: 'on', SOVEREIGN_PRIMARY_REGION: ` ${HEL}`, SOVEREIGN_REPLICA_REGION: FSN }, { SOVEREIGN_ENABLE_HOT_STANDBY: 'true', SOVEREIGN_PRIMARY_REGION: HEL, SOVEREIGN_REPLICA_REGION: FSN }],
  ])('the knob ConfigMap carries what the cdk8s side used (%s)', (_, env, expected) => {
    const result = stacks(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ name: 'db', namespace: 'd' }] }), env as Record<string, string>);
    const manifests = synthesizeSovereign(result.resolved);
    const clusters = manifests.regions.flatMap((r) => r.objects.filter((o) => o.kind === 'Cluster').map((o) => `${r.region}/${o.metadata.name}`));
    expect(clusters.length).toBe(expected.SOVEREIGN_ENABLE_HOT_STANDBY === 'true' ? 2 : 1);
    for (const region of [FSN, HEL]) {
      const data = result.read(region).resource.kubernetes_config_map_v1.sovereign_fqdn.data;
      expect(data).toEqual({ ...expected, SOVEREIGN_NAME: 'omantel', SOVEREIGN_DOMAIN: 'omantel.example', SOVEREIGN_REGION: region, SOVEREIGN_OPENBAO_PRIMARY_REGION: FSN });
      expect(result.read(region).resource.kubernetes_config_map_v1.sovereign_fqdn.metadata).toMatchObject({ name: 'sovereign-fqdn', namespace: 'flux-system' });
    }
  });

  test('region labels on the listed nodes, and an output that says when none are listed', () => {
    const result = stacks(twoRegions({ regionLabelKey: 'openova.io/region', tofu: { regionNodes: { [FSN]: ['fsn-1', 'fsn-2'] } } }));
    const labels = Object.values(result.read(FSN).resource.kubernetes_labels) as any[];
    expect(labels.map((l) => [l.kind, l.metadata.name, l.labels])).toEqual([
      ['Node', 'fsn-1', { 'openova.io/region': FSN }],
      ['Node', 'fsn-2', { 'openova.io/region': FSN }],
    ]);
    expect(result.read(HEL).resource.kubernetes_labels).toBeUndefined();
    expect(result.read(HEL).output.labelled_nodes.description).toContain(`label them openova.io/region=${HEL} at provisioning`);
  });

  test('RBAC for the DR promoter: suspend replication, read OpenBao, patch CNPG Clusters', () => {
    const resources = read(FSN).resource;
    expect(resources.kubernetes_service_account_v1.dr_promoter.metadata).toMatchObject({ name: 'sovereign-dr-promoter', namespace: 'openbao' });
    expect(resources.kubernetes_cluster_role_v1.dr_promoter_role.rule).toContainEqual({ api_groups: ['postgresql.cnpg.io'], resources: ['clusters'], verbs: ['get', 'list', 'patch'] });
    expect(resources.kubernetes_cluster_role_binding_v1.dr_promoter_binding.subject).toEqual([{ kind: 'ServiceAccount', name: 'sovereign-dr-promoter', namespace: 'openbao' }]);
  });

  test('outputs', () => {
    expect(Object.keys(read(FSN).output).sort()).toEqual(['cluster_name', 'dr_promoter_service_account', 'knob_config_map', 'labelled_nodes', 'namespaces', 'openbao_role', 'region']);
    expect(read(FSN).output.openbao_role.value).toBe('primary');
    expect(read(HEL).output.openbao_role.value).toBe('replica');
  });

  test('an S3 backend keeps one state per region; credentials are not in the config', () => {
    const result = stacks(twoRegions({ tofu: { backend: { type: 's3', bucket: 'state', region: 'eu-central', endpoint: 'https://s3.example' } } }));
    expect(result.read(HEL).terraform.backend.s3).toMatchObject({ bucket: 'state', key: `sovereign/omantel/${HEL}.tfstate`, region: 'eu-central' });
    expect(() => resolveSovereignConfig(twoRegions({ tofu: { backend: { type: 's3', bucket: 'b', region: 'r', accessKey: 'AKIA' } as any } }))).toThrow(/unknown key "accessKey"/);
  });

  test('no credentials or secret values in the JSON', () => {
    const text = readdirSync(join(out, 'stacks')).map((r) => readFileSync(join(out, 'stacks', r, 'cdk.tf.json'), 'utf8')).join('\n');
    expect(text).not.toMatch(/client_key|client_certificate|cluster_ca_certificate|"token"|password|PRIVATE KEY|"host"/i);
  });

  test('identical input gives byte-identical output', () => {
    const again = stacks(threeRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ name: 'db', namespace: 'tenant-a' }] }));
    for (const region of [FSN, NBG, HEL]) {
      expect(readFileSync(join(again.out, 'stacks', region, 'cdk.tf.json'), 'utf8')).toBe(readFileSync(join(out, 'stacks', region, 'cdk.tf.json'), 'utf8'));
    }
  });

  test('fails on a node list for an unknown region', () => {
    expect(() => resolveSovereignConfig(twoRegions({ tofu: { regionNodes: { 'hz-x': ['n'] } } }))).toThrow(/tofu\.regionNodes\.hz-x: is not a region of this Sovereign/);
  });
});

describe('tofu entry points', () => {
  const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

  test('the cdktf code never loads the provider package root', () => {
    const probe = join(mkdtempSync(join(tmpdir(), 'probe-')), 'probe.ts');
    writeFileSync(probe, [
      `require(${JSON.stringify(join(ROOT, 'lib', 'tofu', 'synth-tofu'))});`,
      `require(${JSON.stringify(join(ROOT, 'lib', 'tofu', 'index'))});`,
      "const loaded = Object.keys(require.cache).filter((k) => k.includes('@cdktf/provider-kubernetes'));",
      "console.log(JSON.stringify({ root: loaded.some((k) => /provider-kubernetes[\\\\/]lib[\\\\/]index\\.js$/.test(k)), count: loaded.length }));",
    ].join('\n'));
    const result = spawnSync(TSX, [probe], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const { root, count } = JSON.parse(result.stdout);
    expect(root).toBe(false);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(20);
  });

  test('only lib/tofu imports cdktf', () => {
    const offenders = ['lib', 'apps']
      .flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name)))
      .filter((file) => !file.includes(`${join('lib', 'tofu')}`) && /from '(cdktf|@cdktf\/[^']+)'/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  test('sovereign tofu writes DIR/stacks/<region>/cdk.tf.json', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tofu-cli-')), 'out');
    const result = spawnSync(TSX, [join(ROOT, 'apps', 'cli.ts'), 'tofu', '--config', OMANTEL_YAML, '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readdirSync(join(out, 'stacks')).sort()).toEqual([FSN, HEL]);
    expect(result.stdout).toContain('2 OpenTofu stack(s) written');
  });

  test('the cdktf app honours SOVEREIGN_CONFIG and CDKTF_OUTDIR', () => {
    const out = mkdtempSync(join(tmpdir(), 'cdktf-app-'));
    const result = spawnSync(TSX, [join(ROOT, 'apps', 'tofu.ts')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SOVEREIGN_CONFIG: OMANTEL_YAML, CDKTF_OUTDIR: out } });
    expect(result.status).toBe(0);
    expect(readdirSync(join(out, 'stacks')).sort()).toEqual([FSN, HEL]);
  });
});

describe('sovereign-cdk8s/tofu without its optional peers', () => {
  test('fails with the install command when cdktf is missing', () => {
    // GIVEN a Node process in which cdktf cannot be resolved (as when a consumer never installed the optional peer)
    const hideCdktf =
      "const M = require('module'); const resolve = M._resolveFilename; M._resolveFilename = function (request, ...rest) { if (/^cdktf(\\/|$)/.test(request)) { const e = new Error(`Cannot find module '${request}'`); e.code = 'MODULE_NOT_FOUND'; throw e; } return resolve.call(this, request, ...rest); };";
    // WHEN the entry point is loaded
    const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', `${hideCdktf} require('./lib/tofu');`], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
    // THEN it stops with a message naming the peer and how to install it
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('sovereign-cdk8s/tofu needs the optional peer dependencies cdktf, which are not installed. Install them with: npm install --save-dev cdktf@"^0.21.0"');
  });
});
