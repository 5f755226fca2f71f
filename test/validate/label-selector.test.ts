import { labelsLookup, selectorMatches } from '../../lib/validate/label-selector';

const pod = labelsLookup({ app: 'db', tier: 'backend' });

describe('label selectors', () => {
  test('follow Kubernetes: matchLabels and every requirement must hold, NotIn is met by an absent label', () => {
    expect(selectorMatches({}, pod)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'db' } }, pod)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'db', tier: 'frontend' } }, pod)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend', 'cache'] }] }, pod)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, pod)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, pod)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] }, pod)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, pod)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, pod)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 'db' }, matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, pod)).toBe(false);
  });

  test('only own keys are labels: Object.prototype names are absent', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, pod)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'DoesNotExist' }] }, pod)).toBe(true);
  });

  test('a requirement on a label the manifests cannot tell counts as met', () => {
    const unknownCluster = (key: string) => (key === 'cluster' ? { known: false } : pod(key));
    expect(selectorMatches({ matchLabels: { app: 'db', cluster: 'other' } }, unknownCluster)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web', cluster: 'other' } }, unknownCluster)).toBe(false);
  });

  test('never matches what is malformed: unknown operators, missing values, non-string labels', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['db'] }] }, pod)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: 'db' }] }, pod)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 1 } }, pod)).toBe(false);
    expect(selectorMatches({ matchLabels: 'app=db' }, pod)).toBe(false);
    expect(selectorMatches({ matchExpressions: { key: 'app', operator: 'Exists' } }, pod)).toBe(false);
  });
});
