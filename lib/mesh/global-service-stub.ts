import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
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
