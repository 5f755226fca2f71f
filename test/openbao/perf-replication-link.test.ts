import { App } from 'cdk8s';
import { OpenBaoRegion } from '../../lib/openbao/openbao-region';
import { PerfReplicationLink } from '../../lib/openbao/perf-replication-link';
import { raftPeerProblems, replicationGraphProblems } from '../../lib/openbao/replication-graph';
import { CronExpressionParser } from 'cron-parser';
import { dailyGapSeconds } from '../../lib/common/cron-gap';
import { longestGapSeconds, ReplicationMechanism } from '../../lib/openbao/replication-mechanism';
import { OpenBaoSeal } from '../../lib/openbao/seal';
import type { SovereignConfigInput } from '../../lib/sovereign/config-types';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { formatSummary } from '../../lib/sovereign/synth-to-folder';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { FSN, HEL, NBG, threeRegions, twoRegions } from '../helpers/configs';
import { expectValidSovereign } from '../helpers/manifests';

function synth(config: SovereignConfigInput) {
  const output = synthesizeSovereign(resolveSovereignConfig(config));
  expectValidSovereign(output);
  return output;
}
const objectsOf = (output: ReturnType<typeof synth>, region: string) => output.regions.find((r) => r.region === region)!.objects as any[];
const find = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('PerfReplicationLink (raftSnapshot)', () => {
  const output = synth(threeRegions({ regions: [{ name: FSN, clusterName: 'fsn' }, { name: NBG, clusterName: 'nbg' }, { name: HEL, clusterName: 'hel' }] }));

  const statefulSet = (region: string) => find(objectsOf(output, region), 'StatefulSet', 'openbao');
  const agent = (region: string) => statefulSet(region).spec.template.spec.containers.find((c: any) => c.name === 'snapshot-restore');
  const envOf = (container: any) => Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
  const initConfig = (region: string) => JSON.parse(find(objectsOf(output, region), 'ConfigMap', 'openbao-config').data['initialize.json']);
  const roleData = (region: string, role: string) =>
    initConfig(region).initialize.find((b: any) => b['cert-roles'])['cert-roles'].request.find((r: any) => r[`cert-role-${role}`])[`cert-role-${role}`].data;

  test('a 3-region Sovereign has 2 links rooted at the primary: restores run beside each replica\'s servers', () => {
    expect(output.replication.map((l) => [l.source, l.target, l.mechanism])).toEqual([
      [FSN, NBG, 'raftSnapshot'],
      [FSN, HEL, 'raftSnapshot'],
    ]);
    expect(agent(FSN)).toBeUndefined();
    expect(agent(NBG)).toBeDefined();
    expect(agent(HEL)).toBeDefined();
    expect(find(objectsOf(output, FSN), 'CronJob', 'openbao-replication-verifier')).toBeUndefined();
    expect(find(objectsOf(output, HEL), 'CronJob', 'openbao-replication-verifier')).toBeDefined();
  });

  test('snapshot: the replication objects of a replica region', () => {
    expect([...objectsOf(output, HEL).filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'openbao-replicator'), agent(HEL)]).toMatchSnapshot();
  });

  test('the agent pulls from openbao-primary, restores over loopback and only counts a run once the heartbeat reads back', () => {
    const env = envOf(agent(HEL));
    expect(env).toMatchObject({
      PRIMARY_ADDR: 'https://openbao-primary.openbao.svc:8200',
      LOCAL_ADDR: 'https://127.0.0.1:8200',
      PULL_ROLE: 'replication-pull',
      RESTORE_ROLE: 'replication-restore',
      HEARTBEAT_KEY: `sovereign/omantel/_replication/heartbeat/${HEL}`,
      INTERVAL_SECONDS: '300',
    });
    const script = agent(HEL).command[2];
    expect(script).toContain('bao operator raft snapshot save "$SNAPSHOT"');
    expect(script).toContain('bao operator raft snapshot restore "$SNAPSHOT"');
    expect(script).not.toContain('-force');
    expect(script).toContain('restore not verified: heartbeat $beat does not read back');
    // Disk-backed space for the snapshot, as large as the Raft volume by default; the SVIDs are optional volumes.
    const volumes = statefulSet(HEL).spec.template.spec.volumes;
    expect(volumes).toContainEqual({ name: 'replication-snapshot', emptyDir: { sizeLimit: '10Gi' } });
    expect(volumes.find((v: any) => v.name === 'replication-restore-svid').secret).toMatchObject({ optional: true, defaultMode: 0o400 });
    // Only the CA of the listener certificate, never its key.
    expect(volumes.find((v: any) => v.name === 'replication-ca').secret.items).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
  });

  test('pulling and restoring are different identities; the restorer is accepted from loopback only, in every region', () => {
    for (const region of [FSN, NBG, HEL]) {
      expect(roleData(region, 'replication-pull').allowed_uri_sans).toEqual(['spiffe://omantel.example/ns/openbao/sa/openbao-replication-pull']);
      expect(roleData(region, 'replication-pull').token_bound_cidrs).toBeUndefined();
      expect(roleData(region, 'replication-restore')).toMatchObject({
        allowed_uri_sans: ['spiffe://omantel.example/ns/openbao/sa/openbao-replication-restore'],
        token_bound_cidrs: ['127.0.0.1/32', '::1/128'],
      });
    }
    const objects = objectsOf(output, HEL);
    expect(find(objects, 'Certificate', 'openbao-replication-pull-svid').spec).toMatchObject({ commonName: 'openbao-replication-pull.openbao', uris: ['spiffe://omantel.example/ns/openbao/sa/openbao-replication-pull'] });
    expect(find(objects, 'Certificate', 'openbao-replication-restore-svid').spec.uris).toEqual(['spiffe://omantel.example/ns/openbao/sa/openbao-replication-restore']);
    expect(find(objectsOf(output, FSN), 'Certificate', 'openbao-replication-restore-svid')).toBeUndefined();
  });

  test('the verifier CronJob succeeds only while the replica serves a recent heartbeat; it reads its 0400 SVID through fsGroup', () => {
    const cron = find(objectsOf(output, HEL), 'CronJob', 'openbao-replication-verifier');
    expect(cron.spec).toMatchObject({ schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(envOf(pod.containers[0])).toMatchObject({ LOCAL_ADDR: 'https://openbao-active.openbao.svc:8200', VERIFY_ROLE: 'replication-verify', FRESH_SECONDS: '1200' });
    expect(pod.securityContext).toMatchObject({ runAsUser: 100, runAsGroup: 1000, fsGroup: 1000 });
    expect(pod.volumes.find((v: any) => v.name === 'svid').secret.defaultMode).toBe(0o400);
    expect(find(objectsOf(output, HEL), 'ServiceAccount', 'openbao-replication-verifier').automountServiceAccountToken).toBe(false);
  });

  test('the replica\'s servers may reach the primary cluster\'s servers, named by cluster; the primary admits them', () => {
    const policy = find(objectsOf(output, HEL), 'CiliumNetworkPolicy', 'openbao-replication-to-primary');
    expect(policy.spec.endpointSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'openbao', 'app.kubernetes.io/instance': 'openbao', component: 'server' });
    expect(policy.spec.egress[0].toEndpoints[0].matchLabels['io.cilium.k8s.policy.cluster']).toBe('fsn');
    const remote = find(objectsOf(output, FSN), 'CiliumNetworkPolicy', 'openbao-primary-remote-callers').spec.ingress[0].fromEndpoints;
    expect(remote.map((e: any) => e.matchLabels['app.kubernetes.io/name'])).toEqual(['external-secrets', 'openbao']);
  });

  test('the PrometheusRule is driven by the verifier and fires at 3 schedule intervals', () => {
    const rule = find(objectsOf(output, HEL), 'PrometheusRule', 'openbao-replication').spec.groups[0].rules[0];
    expect(rule.expr).toBe('time() - kube_cronjob_status_last_successful_time{namespace="openbao",cronjob="openbao-replication-verifier"} > 900');
    const hourly = synth(twoRegions({ openbao: { replication: { schedule: '17 * * * *' } } }));
    expect(find(objectsOf(hourly, HEL), 'PrometheusRule', 'openbao-replication').spec.groups[0].rules[0].expr).toMatch(/ > 10800$/);
  });

  test('the lag bound is the schedule interval, never sub-second', () => {
    expect(output.replication[0].lagBound).toBe('up to 5m plus two runs (the interval, "*/5 * * * *", and twice the time a pull and restore take)');
    expect(JSON.stringify(output)).not.toMatch(/sub-second|< ?1 ?s/);
  });

  test('the synth summary says what each restore costs the replica, next to its lag bound', () => {
    expect(output.replication[0].runImpact).toBe("each restore blocks the replica's active node while it runs and drops the tokens it issued (ESO logs in again); size the schedule with that in mind");
    const summary = formatSummary({ output }, 'dist');
    expect(summary).toContain(`replication ${FSN} -> ${HEL}: raftSnapshot, replica lag (RPO) up to 5m`);
    expect(summary).toContain("    note: each restore blocks the replica's active node while it runs");
  });

  test.each([
    ['*/5 * * * *', 300],
    ['0 */6 * * *', 21600],
    ['0,30 * * * *', 1800],
    ['0 9-17 * * 1-5', 64 * 3600], // Friday 17:00 to Monday 09:00
  ])('longest gap of %s is %d seconds', (schedule, seconds) => {
    expect(longestGapSeconds(schedule)).toBe(seconds);
  });

  test('the daily fast path agrees with cron-parser on every schedule form it reads (fuzzed)', () => {
    // GIVEN cron-parser's own walk over two weeks, the reference the fast path replaces
    const walked = (schedule: string) => {
      const runs = CronExpressionParser.parse(schedule, { currentDate: new Date('2026-01-05T00:00:00Z'), tz: 'UTC' });
      let previous = runs.next().getTime();
      let longest = 0;
      while (previous < Date.parse('2026-01-19T00:00:00Z')) {
        const next = runs.next().getTime();
        longest = Math.max(longest, next - previous);
        previous = next;
      }
      return longest / 1000;
    };
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const part = (max: number): string => {
      switch (random(5)) {
        case 0:
          return '*';
        case 1:
          return `*/${1 + random(max)}`;
        case 2:
          return String(random(max + 1));
        case 3: {
          const a = random(max + 1);
          return `${a}-${a + random(max + 1 - a)}${random(2) ? `/${1 + random(max)}` : ''}`;
        }
        default:
          return `${random(max + 1)}/${1 + random(max)}`;
      }
    };
    const field = (max: number) => Array.from({ length: 1 + random(3) }, () => part(max)).join(',');
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const schedule = `${field(59)} ${field(23)} * * *`;
      const fast = dailyGapSeconds(schedule);
      // THEN wherever the fast path answers, it answers as cron-parser does
      if (fast !== undefined) {
        expect([schedule, fast]).toEqual([schedule, walked(schedule)]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    for (const common of ["*/5 * * * *", "*/10 * * * *", "0 * * * *", "15 */2 * * *", "0 3 * * *", "0,30 8-18 * * *"]) expect(dailyGapSeconds(common)).toBe(walked(common));
    expect(dailyGapSeconds('0 9-17 * * 1-5')).toBeUndefined();
  });

  test('fails on a bad schedule or scratch size', () => {
    expect(() => ReplicationMechanism.raftSnapshot({ schedule: '* * *' })).toThrow('must be a five-field cron expression');
    expect(() => ReplicationMechanism.raftSnapshot({ schedule: '99 * * * *' })).toThrow(/is not a valid cron expression/);
    expect(() => ReplicationMechanism.raftSnapshot({ scratchSize: '1.5G' })).toThrow(/scratchSize "1.5G" must be a whole number of Mi or Gi/);
  });
});

describe('PerfReplicationLink (nativePerformance)', () => {
  const output = synth(twoRegions({ openbao: { replication: { mechanism: 'nativePerformance' } } }));

  test('an idempotent Job activates the replica, failing clearly where the API is missing', () => {
    const job = find(objectsOf(output, HEL), 'Job', 'openbao-performance-secondary');
    const script = job.spec.template.spec.containers[0].command[2];
    expect(script).toContain('sys/replication/performance/status');
    expect(script).toContain('sys/replication/performance/primary/secondary-token id="$REPLICA_ID"');
    expect(script).toContain('sys/replication/performance/secondary/enable');
    expect(script).toContain('already a performance secondary');
    expect(script).toContain('Open-source OpenBao has no performance replication; use the raftSnapshot mechanism instead.');
    expect(job.spec.template.spec.containers[0].env).toContainEqual({ name: 'REPLICA_ID', value: HEL });
    expect(find(objectsOf(output, HEL), 'CronJob', 'openbao-replicator')).toBeUndefined();
  });

  test('the replicator policy grants the replication API instead of snapshots', () => {
    const config = JSON.parse(find(objectsOf(output, FSN), 'ConfigMap', 'openbao-config').data['initialize.json']);
    const policy = JSON.parse(config.initialize.find((b: any) => b.policies).policies.request.find((r: any) => r['policy-replicator'])['policy-replicator'].data.policy);
    expect(Object.keys(policy.path)).toEqual([
      'sys/replication/performance/status',
      'sys/replication/performance/primary/enable',
      'sys/replication/performance/primary/secondary-token',
      'sys/replication/performance/secondary/enable',
    ]);
  });
});

describe('replication graph validation', () => {
  const regions = [FSN, NBG, HEL];
  test('a star from the single primary is valid', () => {
    expect(replicationGraphProblems(regions, [FSN], [{ source: FSN, target: NBG }, { source: FSN, target: HEL }])).toEqual([]);
  });
  test.each([
    ['no primary', [], [], 'a Sovereign has exactly one OpenBao primary; found none'],
    ['two primaries', [FSN, HEL], [{ source: FSN, target: NBG }], `a Sovereign has exactly one OpenBao primary; found ${FSN}, ${HEL}`],
    ['a link into the primary', [FSN], [{ source: FSN, target: NBG }, { source: FSN, target: HEL }, { source: NBG, target: FSN }], 'replicates into the primary'],
    ['a link from a non-primary', [FSN], [{ source: FSN, target: NBG }, { source: NBG, target: HEL }], `starts at ${NBG}, which is not the primary (${FSN})`],
    ['a link to itself', [FSN], [{ source: FSN, target: FSN }, { source: FSN, target: NBG }, { source: FSN, target: HEL }], 'links a region to itself'],
    ['two links into one replica', [FSN], [{ source: FSN, target: NBG }, { source: FSN, target: NBG }, { source: FSN, target: HEL }], `${NBG} is the target of 2 links`],
    ['an unfed replica', [FSN], [{ source: FSN, target: NBG }], `${HEL} is a replica with no link from the primary`],
  ])('fails on %s', (_, primaries, links, message) => {
    expect(replicationGraphProblems(regions, primaries, links).join('\n')).toContain(message);
  });

  test('fails when a Raft peer could be found outside the region', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const config = sovereign.openBaoRegions[0].serverConfig;
    expect(raftPeerProblems(FSN, 'openbao', config)).toEqual([]);
    const stretched = { ...config, storage: { raft: { ...config.storage.raft, retry_join: [{ ...config.storage.raft.retry_join[0], leader_api_addr: 'https://openbao-0.hel:8200' } as any] } } };
    expect(raftPeerProblems(FSN, 'openbao', stretched)).toEqual([`${FSN}: retry_join[0] names a leader address; peers are discovered only inside the region`]);
    expect(raftPeerProblems(FSN, 'openbao-hel', config)).toEqual([`${FSN}: retry_join[0] does not discover peers with provider=k8s in the region's own namespace openbao-hel`]);
  });

  describe('construct-level checks', () => {
    const setup = (sealOfHel = OpenBaoSeal.staticKey({ keyId: '1', secretName: 'openbao-seal' })) => {
      const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
      const primary = sovereign.openBaoRegions[0];
      const other = new OpenBaoRegion(sovereign.regionChart(HEL), 'second', { namespace: 'openbao-2', seal: sealOfHel });
      return { sovereign, primary, replica: sovereign.openBaoRegions[1], other };
    };

    test('fails on a replica with a different seal', () => {
      const { primary, other } = setup(OpenBaoSeal.staticKey({ keyId: '2026-12', secretName: 'other-seal' }));
      expect(() => new PerfReplicationLink(other, 'link', { source: primary, target: other })).toThrow(
        /hz-hel-rtz-prod uses a different seal than the primary \(static:2026-12:other-seal:key vs static:1:openbao-seal:key\)/,
      );
    });

    test('nativePerformance does not need a shared seal', () => {
      const { primary, other } = setup(OpenBaoSeal.staticKey({ keyId: 'x', secretName: 'x' }));
      expect(() => new PerfReplicationLink(other, 'native', { source: primary, target: other, mechanism: ReplicationMechanism.nativePerformance() })).not.toThrow();
    });

    test('fails on a link from a replica, into the primary, or to itself', () => {
      const { primary, replica } = setup();
      expect(() => new PerfReplicationLink(primary, 'back', { source: replica, target: primary })).toThrow(/the source hz-hel-rtz-prod is not the Sovereign's primary[\s\S]*the target hz-fsn-rtz-prod is the primary/);
      expect(() => new PerfReplicationLink(primary, 'self', { source: primary, target: primary })).toThrow(/to itself replicates nothing/);
    });

    test('fails in config when a region uses a different seal with raftSnapshot', () => {
      expect(() =>
        resolveSovereignConfig(twoRegions({ regions: [{ name: FSN }, { name: HEL, seal: { static: { keyId: 'other', secretName: 'openbao-seal' } } }] })),
      ).toThrow(/regions\[1\]\.seal: differs from the primary's seal; raftSnapshot replication restores the primary's data/);
    });
  });
});
