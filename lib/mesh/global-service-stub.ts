import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { labelNameProblem, labelsProblems, throwIfProblems } from '../common/problems';
import { globalStubAnnotations } from './cluster-mesh';

export interface GlobalServiceStubPort {
  /** Port name; must match the name on the backing Service. */
  readonly name: string;
  readonly port: number;
}

export interface GlobalServiceStubProps {
  /** Service name; must equal the backing Service's name in the other cluster. */
  readonly name: string;
  readonly namespace: string;
  /** Ports, as on the backing Service (ClusterMesh merges by name and port). */
  readonly ports: readonly GlobalServiceStubPort[];
  /** Labels for the Service. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A selector-less ClusterMesh global Service that shares no local backends. ClusterMesh only merges a global
 * service into a cluster where a Service of that name exists, so the cluster without backends needs this stub.
 */
export class GlobalServiceStub extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: GlobalServiceStubProps) {
    super(scope, id);
    throwIfProblems(`GlobalServiceStub ${props.namespace}/${props.name}`, [
      ...[labelNameProblem('name', props.name), labelNameProblem('namespace', props.namespace)].filter((p): p is string => p !== undefined),
      ...(props.ports.length === 0 ? ['ports: list at least one port, as on the backing Service'] : []),
      ...props.ports.flatMap((p, i) => [
        ...(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535 ? [] : [`ports[${i}].port: ${p.port} must be a whole number from 1 to 65535`]),
        ...(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name) && p.name.length <= 15 ? [] : [`ports[${i}].name: ${JSON.stringify(p.name)} must be a port name (lowercase letters, digits, '-', at most 15)`]),
      ]),
      ...labelsProblems('labels', props.labels),
    ]);
    this.name = props.name;
    new k8s.KubeService(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels, annotations: globalStubAnnotations() },
      spec: {
        type: 'ClusterIP',
        ports: props.ports.map((p) => ({ name: p.name, port: p.port, protocol: 'TCP' })),
      },
    });
  }
}
