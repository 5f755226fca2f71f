// The only folder that imports cdktf: CDKTF was deprecated by its vendor (2025-12-10, 0.21.0 final), so a later
// move (to a fork or to plain Terraform JSON) touches this folder alone.
// Provider resources come from their submodules: the package root loads every resource class (~1 s at start-up).
import './peer-dependencies';
import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { ClusterRoleV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-v1';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Labels } from '@cdktf/provider-kubernetes/lib/labels';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import type { KubeObject } from '../sovereign/synthesize';
import type { SovereignConfig, SovereignRegion } from '../sovereign/sovereign-config';
import { hotStandbyKnob, KNOB_CONFIG_MAP } from './hot-standby-knob';

/** The kubernetes provider these stacks are generated against (@cdktf/provider-kubernetes 12.x). */
export const KUBERNETES_PROVIDER = { source: 'hashicorp/kubernetes', version: '~> 2.38' } as const;
export const DR_PROMOTER = 'sovereign-dr-promoter';

export interface RegionClusterStackProps {
  readonly sovereign: SovereignConfig;
  readonly region: SovereignRegion;
  /** The Namespaces the region's manifests use, as the cdk8s side rendered them (labels and annotations). */
  readonly namespaces: readonly KubeObject[];
}

/**
 * The baseline of one region cluster (§9): provider from variables (no credentials in code), the namespaces the
 * region's manifests need with Pod Security labels, the `sovereign-fqdn` knob ConfigMap, region labels on the
 * listed nodes, and RBAC for the DR promoter.
 */
export class RegionClusterStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: RegionClusterStackProps) {
    super(scope, id);
    const { sovereign, region } = props;
    const backend = sovereign.tofu.backend;
    if (backend.type === 's3') {
      new S3Backend(this, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix}/${sovereign.name}/${region.name}.tfstate`,
        region: backend.region,
        ...(backend.endpoint !== undefined ? { endpoints: { s3: backend.endpoint }, usePathStyle: true } : {}),
      });
    } else {
      // A relative path keeps the state beside the stack (where `tofu init` runs) and the output machine-independent.
      new LocalBackend(this, { path: backend.path ?? 'terraform.tfstate' });
    }
    this.addOverride('terraform.required_providers.kubernetes', KUBERNETES_PROVIDER);

    const kubeconfig = new TerraformVariable(this, 'kubeconfig_path', {
      type: 'string',
      default: '~/.kube/config',
      description: 'Path of the kubeconfig that reaches this region cluster',
    });
    const context = new TerraformVariable(this, 'kube_context', {
      type: 'string',
      default: region.clusterName,
      description: 'kubeconfig context of this region cluster',
    });
    const provider = new KubernetesProvider(this, 'kubernetes', { configPath: kubeconfig.stringValue, configContext: context.stringValue });

    const managedBy = { 'app.kubernetes.io/managed-by': 'sovereign-tofu' };
    const namespaces = props.namespaces.map((ns) => {
      const metadata = ns.metadata as { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
      return new NamespaceV1(this, `namespace_${metadata.name}`, {
        provider,
        metadata: { name: metadata.name, labels: { ...metadata.labels, ...managedBy }, ...(metadata.annotations ? { annotations: metadata.annotations } : {}) },
      });
    });

    new ConfigMapV1(this, 'sovereign_fqdn', {
      provider,
      metadata: { name: KNOB_CONFIG_MAP, namespace: sovereign.tofu.knobNamespace, labels: managedBy },
      data: {
        ...hotStandbyKnob(sovereign),
        SOVEREIGN_NAME: sovereign.name,
        SOVEREIGN_DOMAIN: sovereign.domain,
        SOVEREIGN_REGION: region.name,
        SOVEREIGN_OPENBAO_PRIMARY_REGION: sovereign.primaryRegion,
      },
    });

    const nodes = sovereign.tofu.regionNodes[region.name] ?? [];
    for (const node of nodes) {
      new Labels(this, `region_label_${node}`, {
        provider,
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: node },
        labels: { [sovereign.regionLabelKey]: region.name },
        fieldManager: 'sovereign-tofu',
      });
    }

    // The DR promoter (a sovereign admin's tooling or a failover controller) fences and promotes: it suspends the
    // snapshot CronJob, reads OpenBao status, and sets CNPG promotion fields. Nothing beyond that.
    const promoterNamespace = 'openbao';
    new ServiceAccountV1(this, 'dr_promoter', {
      provider,
      metadata: { name: DR_PROMOTER, namespace: promoterNamespace, labels: managedBy },
      automountServiceAccountToken: false,
      dependsOn: namespaces.filter((n) => n.node.id === `namespace_${promoterNamespace}`),
    });
    new ClusterRoleV1(this, 'dr_promoter_role', {
      provider,
      metadata: { name: DR_PROMOTER, labels: managedBy },
      rule: [
        { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['get', 'list', 'patch'] },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'create'] },
        { apiGroups: [''], resources: ['pods', 'services', 'endpoints'], verbs: ['get', 'list'] },
        { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list'] },
        { apiGroups: ['postgresql.cnpg.io'], resources: ['clusters'], verbs: ['get', 'list', 'patch'] },
        { apiGroups: ['postgresql.cnpg.io'], resources: ['clusters/status'], verbs: ['get'] },
      ],
    });
    new ClusterRoleBindingV1(this, 'dr_promoter_binding', {
      provider,
      metadata: { name: DR_PROMOTER, labels: managedBy },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: DR_PROMOTER },
      subject: [{ kind: 'ServiceAccount', name: DR_PROMOTER, namespace: promoterNamespace }],
    });

    new TerraformOutput(this, 'region', { value: region.name });
    new TerraformOutput(this, 'cluster_name', { value: region.clusterName });
    new TerraformOutput(this, 'openbao_role', { value: region.name === sovereign.primaryRegion ? 'primary' : 'replica' });
    new TerraformOutput(this, 'namespaces', { value: props.namespaces.map((n) => n.metadata.name) });
    new TerraformOutput(this, 'knob_config_map', { value: `${sovereign.tofu.knobNamespace}/${KNOB_CONFIG_MAP}` });
    new TerraformOutput(this, 'labelled_nodes', {
      value: nodes,
      description: nodes.length === 0 ? `no nodes listed under tofu.regionNodes; label them ${sovereign.regionLabelKey}=${region.name} at provisioning` : 'nodes labelled with the region',
    });
    new TerraformOutput(this, 'dr_promoter_service_account', { value: `${promoterNamespace}/${DR_PROMOTER}` });
  }
}
