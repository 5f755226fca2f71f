import type { Violation } from './violation';

// The part of cdk8s-cli's plugin contract (cdk8s-cli lib/plugins/validation.d.ts, 2.207) this plugin uses, restated
// structurally so the package needs no dependency on cdk8s-cli.
/** What `cdk8s synth` hands a validation plugin. */
export interface Cdk8sValidationContext {
  /** Paths of the synthesized manifests. */
  readonly manifests: readonly string[];
  readonly report: {
    addViolation(violation: {
      readonly ruleName: string;
      readonly recommendation: string;
      readonly fix: string;
      readonly violatingResources: readonly { readonly resourceName: string; readonly locations: readonly string[]; readonly manifestPath: string }[];
    }): void;
    submit(status: 'success' | 'failure', metadata?: { readonly [key: string]: string }): void;
  };
  readonly logger: { log(message: string): void };
}

/** The `properties` of the plugin's entry in `cdk8s.yaml`. */
export interface SovereignValidationProps {
  /** A folder of further CRD YAML files for kinds the package does not ship. @default - the shipped schemas only */
  readonly extraCrds?: string;
}

const FIXES: Record<Violation['rule'], string> = {
  schema: 'Fix the field so the object matches the pinned upstream schema of its kind (unknown fields are dropped by the API server).',
  cel: "Satisfy the CRD's validation rule; the API server would reject the object.",
  'pod-security': 'Make the pod template meet Pod Security Standards "restricted".',
  'secret-data': 'Reference secrets by name and key; never render their values.',
  duplicate: 'Give one of the objects another name or namespace.',
  openbao: 'Change the OpenBao server pod or its config as the message says; it would not boot, or not stay healthy, as rendered.',
  tenancy: 'Scope the store, role or policy to exactly one tenant: its namespaces, its own identity and its own key prefix.',
  'global-service': 'Select the backends of the ClusterMesh-global Service with an ingress NetworkPolicy or CiliumNetworkPolicy that admits only their clients.',
  backup: 'Render the ObjectStore (with its credentials Secret reference) that the Cluster or backup names, in the same namespace and cluster.',
};

/**
 * A cdk8s CLI validation plugin: `cdk8s synth` runs the library's manifest validator (strict schema with CEL rules,
 * Pod Security `restricted`, no secret data, no duplicate objects) on every manifest it wrote. Declare it in
 * `cdk8s.yaml`:
 *
 * ```yaml
 * validations:
 *   - package: ./node_modules/sovereign-cdk8s
 *     version: 0.1.0
 *     class: SovereignValidation
 * ```
 *
 * Exported from the main entry because cdk8s loads plugin classes from it; the validator itself is loaded only
 * when `validate` runs.
 */
export class SovereignValidation {
  constructor(private readonly props: SovereignValidationProps = {}) {}

  public async validate(context: Cdk8sValidationContext): Promise<void> {
    // Loaded here, not at the top: the main entry exports this class, and importing the constructs must not load the
    // validator. `require` (not `import()`) keeps it CommonJS under tsc, tsx and jest alike.
    const { ManifestValidator } = require('./manifest-validator') as typeof import('./manifest-validator');
    const { SchemaRegistry } = require('./schema-registry') as typeof import('./schema-registry');
    const validator = new ManifestValidator(SchemaRegistry.shipped({ extraCrds: this.props.extraCrds }));
    // kustomization.yaml files list manifests; they are not objects of a cluster.
    const manifests = context.manifests.filter((file) => !/(^|[\\/])kustomization\.ya?ml$/.test(file));
    const result = validator.validateFiles(manifests);
    context.logger.log(`sovereign-cdk8s: ${result.objects} objects in ${result.files} manifests, ${result.violations.length} violation(s)`);
    for (const violation of result.violations) {
      context.report.addViolation({
        ruleName: `sovereign-cdk8s/${violation.rule}`,
        recommendation: `${violation.object}: ${violation.path || '<root>'}: ${violation.message}`,
        fix: FIXES[violation.rule],
        violatingResources: [{ resourceName: violation.object, locations: [violation.path || '<root>'], manifestPath: violation.file ?? '' }],
      });
    }
    context.report.submit(result.violations.length === 0 ? 'success' : 'failure', {
      manifests: String(result.files),
      objects: String(result.objects),
      violations: String(result.violations.length),
    });
  }
}
