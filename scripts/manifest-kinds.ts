// The apiVersion/kinds whose schemas ship in schema/manifests/: exactly what the library can render, plus the
// few kinds its tests and its next planned work need. Adding a kind here and running `npm run schemas` is
// all it takes to validate it; a test checks that the examples render nothing outside this list.

/** Kubernetes 1.28 core kinds. */
export const CORE_KINDS: readonly string[] = [
  // Rendered by lib/ through cdk8s-plus-28's k8s.Kube* classes.
  'v1 Namespace',
  'v1 ServiceAccount',
  'v1 ConfigMap',
  'v1 Service',
  'rbac.authorization.k8s.io/v1 Role',
  'rbac.authorization.k8s.io/v1 RoleBinding',
  'apps/v1 StatefulSet',
  'policy/v1 PodDisruptionBudget',
  'networking.k8s.io/v1 NetworkPolicy',
  'batch/v1 CronJob',
  'batch/v1 Job',
  // Fed to the validator by its tests (a generic workload, and a Secret for the secret-data check).
  'apps/v1 Deployment',
  'v1 Secret',
];

/** CRD kinds, from the pinned upstream CRDs. */
export const CRD_KINDS: readonly string[] = [
  // Rendered by lib/ through the imports/ classes.
  'cert-manager.io/v1 Certificate',
  'cilium.io/v2 CiliumNetworkPolicy',
  'external-secrets.io/v1 ClusterSecretStore',
  'external-secrets.io/v1 ExternalSecret',
  'external-secrets.io/v1alpha1 PushSecret',
  'monitoring.coreos.com/v1 PrometheusRule',
  'monitoring.coreos.com/v1 ServiceMonitor',
  'monitoring.coreos.com/v1 PodMonitor',
  'postgresql.cnpg.io/v1 Cluster',
  'barmancloud.cnpg.io/v1 ObjectStore',
  'postgresql.cnpg.io/v1 ScheduledBackup',
  'policy.cert-manager.io/v1alpha1 CertificateRequestPolicy',
  // Vendored for the next planned work (on-demand backups in runbooks, image catalogs).
  'postgresql.cnpg.io/v1 Backup',
  'postgresql.cnpg.io/v1 ImageCatalog',
  'postgresql.cnpg.io/v1 ClusterImageCatalog',
];
