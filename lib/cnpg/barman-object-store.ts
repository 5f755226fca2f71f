import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ObjectStore, type ObjectStoreSpec } from '../../imports/objectstores-barmancloud.cnpg.io';
import { dataKeyProblem, labelsProblems, labelNameProblem, objectNameProblem, throwIfProblems } from '../common/problems';
import { RegionContext } from '../common/region-context';

/** The Secret (in the database namespace) holding S3 credentials, by name and keys; never the values. */
export interface S3CredentialsRef {
  /** Name of the Secret. */
  readonly secretName: string;
  /** Key of the access key id. @default 'ACCESS_KEY_ID' */
  readonly accessKeyIdKey?: string;
  /** Key of the secret access key. @default 'ACCESS_SECRET_KEY' */
  readonly secretAccessKeyKey?: string;
}

/** A region's S3-compatible object store, as the Sovereign config's `regions[].objectStore` describes it. */
export interface S3ObjectStore {
  /** `https://` endpoint of the S3-compatible service. */
  readonly endpoint: string;
  /** Bucket name. */
  readonly bucket: string;
  /** Folder in the bucket (no leading or trailing `/`); each namespace gets a folder below it. */
  readonly path: string;
  /** S3 region name, for providers that need one. @default - none */
  readonly s3Region?: string;
  /** The credentials Secret of this store. */
  readonly credentials: S3CredentialsRef;
  /** A Secret with the CA of the endpoint's certificate, when it is not publicly trusted. @default - the system trust store */
  readonly caBundle?: { readonly secretName: string; readonly key?: string };
  /** How long base backups (and the WAL they need) are kept, Barman form `<n>d|w|m`. @default - nothing is deleted */
  readonly retention?: { readonly databases?: string };
}

export interface BarmanObjectStoreProps {
  /** Name of the ObjectStore; Clusters name it in `barmanObjectName`. */
  readonly name: string;
  /** Namespace of the Clusters that use it (the plugin looks it up in the Cluster's namespace). */
  readonly namespace: string;
  /** Where the archives live: endpoint, bucket and folder (`s3://<bucket>/<path>/<namespace>/`), and the endpoint's CA. */
  readonly location: S3ObjectStore;
  /** The namespace folder below `location.path` the archives live in. @default - `namespace` */
  readonly folderNamespace?: string;
  /** Credentials the Clusters of this region use. @default - `location.credentials` */
  readonly credentials?: S3CredentialsRef;
  /**
   * Retention the Cluster that archives here enforces (Barman `<n>d|w|m`). Only a Cluster that has this store as its
   * own `barmanObjectName` runs retention (plugin-barman-cloud `internal/cnpgi/instance/retention.go`, v0.14.0).
   * @default - none: nothing is deleted
   */
  readonly retentionPolicy?: string;
  /** Labels of the object. @default - the region's common labels */
  readonly labels?: Readonly<Record<string, string>>;
}

const HTTPS_ENDPOINT = /^https:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?\/?$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const FOLDER = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Barman's retention form (plugin-barman-cloud api/v1/objectstore_types.go RetentionPolicy pattern, v0.14.0).
const RETENTION = /^[1-9][0-9]*[dwm]$/;

/**
 * The folder a namespace's archives live in: `s3://<bucket>/<path>/<namespace>/`. Barman appends the server name
 * (the Cluster's name) to it, so each Cluster writes to `.../<namespace>/<cluster>/{wals,base}` and credentials can be
 * scoped to one namespace's folder.
 */
export function destinationPath(location: S3ObjectStore, namespace: string): string {
  return `s3://${location.bucket}/${location.path}/${namespace}/`;
}

/**
 * A Barman Cloud plugin `ObjectStore` (`barmancloud.cnpg.io/v1`, plugin v0.14.0): where the Clusters of one namespace
 * archive WAL and base backups, or read another Cluster's archive from. Credentials and CA are references to Secrets.
 */
export class BarmanObjectStore extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** `s3://<bucket>/<path>/<namespace>/` */
  public readonly destinationPath: string;
  public readonly retentionPolicy?: string;
  /** The rendered `barmancloud.cnpg.io/v1` ObjectStore. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: BarmanObjectStoreProps) {
    super(scope, id);
    const credentials = props.credentials ?? props.location.credentials;
    throwIfProblems(`BarmanObjectStore ${props.namespace}/${props.name}`, [
      ...[
        objectNameProblem('name', props.name),
        labelNameProblem('namespace', props.namespace),
        props.folderNamespace === undefined ? undefined : labelNameProblem('folderNamespace', props.folderNamespace),
      ].filter((p): p is string => p !== undefined),
      ...s3ObjectStoreProblems(props.location, 'location.'),
      ...credentialsProblems(credentials, props.credentials === undefined ? 'location.credentials.' : 'credentials.'),
      ...(props.retentionPolicy !== undefined && !RETENTION.test(props.retentionPolicy) ? [`retentionPolicy: "${props.retentionPolicy}" must be a Barman retention such as "30d", "4w" or "6m"`] : []),
      ...labelsProblems('labels', props.labels),
    ]);
    this.name = props.name;
    this.namespace = props.namespace;
    this.destinationPath = destinationPath(props.location, props.folderNamespace ?? props.namespace);
    this.retentionPolicy = props.retentionPolicy;

    const location = props.location;
    const spec: ObjectStoreSpec = {
      configuration: {
        // BarmanObjectStoreConfiguration (cloudnative-pg/barman-cloud pkg/api, as vendored by plugin v0.14.0): no serverName
        // here — the CRD forbids it; each Cluster passes its own in the plugin parameters.
        destinationPath: this.destinationPath,
        endpointUrl: location.endpoint.replace(/\/$/, ''),
        ...(location.caBundle !== undefined ? { endpointCa: { name: location.caBundle.secretName, key: location.caBundle.key ?? 'ca.crt' } } : {}),
        s3Credentials: {
          accessKeyId: { name: credentials.secretName, key: credentials.accessKeyIdKey ?? 'ACCESS_KEY_ID' },
          secretAccessKey: { name: credentials.secretName, key: credentials.secretAccessKeyKey ?? 'ACCESS_SECRET_KEY' },
        },
      },
      ...(props.retentionPolicy !== undefined ? { retentionPolicy: props.retentionPolicy } : {}),
      // barman-cloud reads the region from AWS_DEFAULT_REGION (its s3Credentials.region is a Secret reference instead,
      // pkg/credentials/env.go); the plugin passes this env to the sidecar of every pod using the store
      // (internal/cnpgi/operator/lifecycle_envs.go, v0.14.0).
      ...(location.s3Region !== undefined ? { instanceSidecarConfiguration: { env: [{ name: 'AWS_DEFAULT_REGION', value: location.s3Region }] } } : {}),
    };
    this.resource = new ObjectStore(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...(props.labels ?? RegionContext.of(this).commonLabels) } },
      spec,
    });
  }
}

/** Problems with an object store description, each field prefixed with `prefix`. */
export function s3ObjectStoreProblems(location: S3ObjectStore, prefix = ''): string[] {
  const problems: string[] = [];
  const field = (name: string) => `${prefix}${name}`;
  if (typeof location?.endpoint !== 'string' || !HTTPS_ENDPOINT.test(location.endpoint)) {
    problems.push(`${field('endpoint')}: ${JSON.stringify(location?.endpoint)} must be an https:// URL of an S3-compatible endpoint (scheme and host, optional port)`);
  }
  if (typeof location?.bucket !== 'string' || !BUCKET.test(location.bucket)) {
    problems.push(`${field('bucket')}: ${JSON.stringify(location?.bucket)} must be an S3 bucket name: 3-63 lowercase letters, digits, "." and "-"`);
  }
  if (typeof location?.path !== 'string' || !FOLDER.test(location.path)) {
    problems.push(`${field('path')}: ${JSON.stringify(location?.path)} must be a folder path such as "omantel" or "backups/omantel" (no leading or trailing "/")`);
  }
  if (location?.s3Region !== undefined && (typeof location.s3Region !== 'string' || !/^\S+$/.test(location.s3Region))) {
    problems.push(`${field('s3Region')}: ${JSON.stringify(location.s3Region)} must be an S3 region name such as "eu-central-1"`);
  }
  if (location?.credentials === undefined) {
    problems.push(`${field('credentials')}: is required; name the Secret holding the S3 credentials (never the values)`);
  }
  if (location?.caBundle !== undefined) {
    const name = objectNameProblem(field('caBundle.secretName'), location.caBundle.secretName);
    if (name !== undefined) problems.push(name);
    const key = location.caBundle.key === undefined ? undefined : dataKeyProblem(field('caBundle.key'), location.caBundle.key);
    if (key !== undefined) problems.push(key);
  }
  const retention = location?.retention?.databases;
  if (retention !== undefined && !RETENTION.test(retention)) problems.push(`${field('retention.databases')}: "${retention}" must be a Barman retention such as "30d", "4w" or "6m"`);
  return problems;
}

function credentialsProblems(credentials: S3CredentialsRef | undefined, prefix: string): string[] {
  if (credentials === undefined) return [];
  return [
    objectNameProblem(`${prefix}secretName`, credentials.secretName),
    credentials.accessKeyIdKey === undefined ? undefined : dataKeyProblem(`${prefix}accessKeyIdKey`, credentials.accessKeyIdKey),
    credentials.secretAccessKeyKey === undefined ? undefined : dataKeyProblem(`${prefix}secretAccessKeyKey`, credentials.secretAccessKeyKey),
  ].filter((p): p is string => p !== undefined);
}
