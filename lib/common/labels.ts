/** Label and annotation keys this library writes; one place so tooling and tests agree on them. */
export const LABEL_PREFIX = 'sovereign.openova.io';
export const SOVEREIGN_LABEL = `${LABEL_PREFIX}/sovereign`;
export const REGION_LABEL = `${LABEL_PREFIX}/region`;
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'sovereign-cdk8s' } as const;

/** Pod Security admission labels that make a namespace enforce, audit and warn at `restricted`. */
export const POD_SECURITY_RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
} as const;
