import { checkCelRules, evaluateCelRule } from '../../lib/validate/cel-rules';
import { toCelValue } from '../../lib/validate/cel-values';

const rules = (...list: { rule: string; message?: string }[]) => ({ 'x-kubernetes-validations': list });
const schema = {
  type: 'object',
  properties: {
    replicas: { type: 'integer', ...rules({ rule: 'self % 2 == 1', message: 'replicas must be odd' }, { rule: 'self <= 7', message: 'at most 7 replicas' }) },
    ratio: { type: 'number', ...rules({ rule: 'self < 1.0', message: 'ratio must be below 1' }) },
    name: { type: 'string', ...rules({ rule: "self.matches('^[a-z0-9-]+$') && self.startsWith('sov-')", message: 'name must be a lowercase sov- name' }) },
    immutable: { type: 'string', ...rules({ rule: 'self == oldSelf', message: 'immutable' }) },
    size: { type: 'string', ...rules({ rule: "quantity(self).isGreaterThan(quantity('1Gi'))", message: 'too small' }) },
  },
};
const check = (value: unknown) => checkCelRules(schema, value, 'Widget/w').map((v) => `${v.path}: ${v.message} [${v.rule}]`);

describe('CEL rules', () => {
  test('an integer field is a CEL int: arithmetic and int literals evaluate', () => {
    expect(check({ replicas: 3 })).toEqual([]);
    expect(check({ replicas: 4 })).toEqual(['replicas: replicas must be odd [cel]']);
    expect(check({ replicas: 9 })).toEqual(['replicas: at most 7 replicas [cel]']);
  });

  test('a number field stays a CEL double, even when its value is whole', () => {
    expect(check({ ratio: 0.5 })).toEqual([]);
    expect(check({ ratio: 2 })).toEqual(['ratio: ratio must be below 1 [cel]']);
  });

  test('string rules with matches and startsWith evaluate', () => {
    expect(check({ name: 'sov-primary' })).toEqual([]);
    expect(check({ name: 'Primary' })).toEqual(['name: name must be a lowercase sov- name [cel]']);
  });

  test('skips transition rules and rules this evaluator cannot run, since only false proves a violation', () => {
    expect(check({ immutable: 'a', size: '1Mi' })).toEqual([]);
    expect(evaluateCelRule("quantity(self).isGreaterThan(quantity('1Gi'))", '1Mi')).toBeUndefined();
    expect(evaluateCelRule('self.', 'x')).toBeUndefined();
  });

  test('converts by schema: integers to bigint, numbers stay numbers, undescribed whole numbers are ints', () => {
    const converted = toCelValue({ type: 'object', properties: { n: { type: 'integer' }, d: { type: 'number' }, list: { type: 'array', items: { type: 'integer' } } } }, { n: 2, d: 2, list: [1], other: { x: 3 } });
    expect(converted).toEqual({ n: 2n, d: 2, list: [1n], other: { x: 3n } });
  });
});
