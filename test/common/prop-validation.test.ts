import { App, Chart, Testing } from 'cdk8s';
import { CnpgHotStandbyPair } from '../../lib/cnpg/cnpg-hot-standby-pair';
import { RegionContext } from '../../lib/common/region-context';
import { GlobalServiceStub } from '../../lib/mesh/global-service-stub';
import { OpenBaoSeal } from '../../lib/openbao/seal';
import { BaoClusterSecretStore } from '../../lib/secrets/bao-cluster-secret-store';
import { SecretAccess } from '../../lib/secrets/tenancy';
import { WorkloadIdentity } from '../../lib/secrets/workload-identity';
import { FSN } from '../helpers/configs';

// Every public construct validates its props eagerly and lists every problem at once (STYLE rule 7).
function chart(): Chart {
  const c = new Chart(Testing.app(), 'c');
  RegionContext.provide(c, { sovereign: 'acme', region: FSN, trustDomain: 'acme.example' });
  return c;
}

describe('prop validation', () => {
  test('fails when a GlobalServiceStub has a bad name, no ports or a bad port', () => {
    expect(() => new GlobalServiceStub(chart(), 's', { name: 'Mesh', namespace: 'apps', ports: [] })).toThrow(
      'GlobalServiceStub apps/Mesh is invalid:\n  - name: "Mesh" must be a DNS-1123 label (lowercase letters, digits, \'-\') of at most 63 characters\n  - ports: list at least one port, as on the backing Service',
    );
    expect(() => new GlobalServiceStub(chart(), 's', { name: 'mesh', namespace: 'apps', ports: [{ name: 'Postgres_Port', port: 70000 }] })).toThrow(
      '  - ports[0].port: 70000 must be a whole number from 1 to 65535\n  - ports[0].name: "Postgres_Port" must be a port name',
    );
  });

  test('fails when a BaoClusterSecretStore has a bad access, a region the tenant has no store in, or a foreign SVID', () => {
    const credentials = { spiffeId: 'spiffe://acme.example/ns/eso/sa/eso', commonName: 'eso.eso', duration: '1h', issuer: { kind: 'ClusterIssuer', name: 'spiffe-ca' }, namespace: 'eso', secretName: 'eso-svid', certificateKey: 'tls.crt', privateKeyKey: 'tls.key' } as const;
    const openbao = { namespace: 'openbao', localUrl: 'https://x', primaryUrl: 'https://y', caSecretName: 'openbao-tls' } as any;
    const tenant = { name: 'apps', namespaces: ['apps'], keyPrefix: 'sovereign/acme/apps/', readRegions: ['hz-x'], pushRegions: [], system: false };
    expect(() => new BaoClusterSecretStore(chart(), 's', { tenant, access: 'write' as SecretAccess, openbao, credentials })).toThrow('access: "write" must be SecretAccess.READ or SecretAccess.PUSH');
    expect(() => new BaoClusterSecretStore(chart(), 's', { tenant, access: SecretAccess.READ, openbao, credentials })).toThrow(
      /tenant: apps has no read store in region .* \(its read regions: hz-x\); its OpenBao role would refuse this store's login\n  - credentials: the SVID is spiffe:\/\/acme.example\/ns\/eso\/sa\/eso, but the tenant's read role in .* admits only spiffe:\/\/acme.example\/ns\/external-secrets-system\/sa\/external-secrets\/tenant\/apps\/read\/region\//,
    );
    expect(() => new BaoClusterSecretStore(chart(), 's', { tenant: { ...tenant, keyPrefix: 'sovereign/other/' }, access: SecretAccess.READ, openbao, credentials })).toThrow(
      'tenant.keyPrefix: "sovereign/other/" must be a folder below "sovereign/acme/" ending in "/"',
    );
  });

  test('fails when a static seal names a bad Secret key', () => {
    expect(() => OpenBaoSeal.staticKey({ keyId: '1', secretName: 'seal', secretKey: 'a/b' })).toThrow('static seal secretKey "a/b" must be a Secret data key');
  });

  test('fails when a CnpgHotStandbyPair has a bad image, major or storage class', () => {
    const c = chart();
    expect(() => new CnpgHotStandbyPair(c, 'p', { name: 'db', namespace: 'apps', primaryRegion: c, imageName: 'Postgres:16', postgresMajor: 12, storageClass: 'Fast_SSD' })).toThrow(
      [
        '  - imageName: "Postgres:16" is not an image reference such as "ghcr.io/cloudnative-pg/postgresql:16.14-system-trixie"',
        '  - postgresMajor: must be a supported PostgreSQL major, 13 or newer (got 12)',
        '  - storageClass: "Fast_SSD" is not a StorageClass name',
      ].join('\n'),
    );
  });

  test('fails when a workload identity is bound with a bad trust domain or issuer', () => {
    expect(() =>
      WorkloadIdentity.spiffeCertificate().bind(new App(), 'id', {
        workload: { namespace: 'apps', serviceAccount: 'api' },
        trustDomain: 'Not A Domain',
        issuer: { kind: 'ClusterIssuer', name: 'Spiffe CA' },
      }),
    ).toThrow('workload identity apps/api is invalid:\n  - trustDomain: "Not A Domain" must be a SPIFFE trust domain such as "omantel.example"\n  - issuer.name: "Spiffe CA" must be a DNS-1123 subdomain');
  });
});
