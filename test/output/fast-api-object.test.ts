import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ApiObject, App, Chart, JsonPatch, Lazy, type IResolver, type ResolutionContext } from 'cdk8s';
import { FastApiObject, MIRRORED_CDK8S, renderedDirectly } from '../../lib/output/fast-api-object';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { loadSovereignConfig, resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { EXAMPLES, FSN, HEL, OMANTEL_YAML, threeRegions } from '../helpers/configs';

// FastApiObject must render exactly what cdk8s's ApiObject.toJson() renders, key order included, or leave the object
// to cdk8s: checked on every object the shipped examples and a large test config build, and on fuzzed objects.

// cdk8s's own rendering of the same object, or its error.
const cdk8sRendering = (object: ApiObject) => outcome(() => ApiObject.prototype.toJson.call(object));
function outcome(render: () => unknown): { json: string; value: unknown } | { error: string } {
  try {
    const value = render();
    return { json: JSON.stringify(value), value };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('FastApiObject', () => {
  test('mirrors the installed cdk8s release, so the direct rendering is in use', () => {
    const installed = JSON.parse(readFileSync(require.resolve('cdk8s/package.json'), 'utf8')).version;
    // A new cdk8s turns the direct rendering off (every object is rendered by cdk8s); re-read that release's
    // ApiObject.toJson, metadata toJson, resolve and sanitizeValue before raising MIRRORED_CDK8S.
    expect(MIRRORED_CDK8S).toBe(installed);
    const object = new FastApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' } });
    expect(renderedDirectly(object)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' } });
  });

  test('renders every object the examples build exactly as cdk8s does', () => {
    const configs = [
      loadSovereignConfig(OMANTEL_YAML),
      loadSovereignConfig(join(EXAMPLES, 'three-regions.yaml')),
      resolveSovereignConfig(
        threeRegions({
          hotStandby: { enabled: true, replicaRegion: HEL },
          tenants: [{ name: 'acme', namespaces: ['t-acme'] }],
          databases: [{ name: 'a', namespace: 't-acme' }, { name: 'b', namespace: 't-b', topology: 'distributed' }],
          pushSecrets: [{ name: 'p', namespace: 't-acme', secretName: 's', data: [{ secretKey: 'k', remoteKey: 'sovereign/omantel/acme/k' }] }],
          openbao: { serviceMonitor: true },
          primaryRegion: FSN,
        }),
      ),
    ];
    let direct = 0;
    for (const config of configs) {
      const app = new App();
      new Sovereign(app, config.name, { config });
      for (const object of app.node.findAll().filter((c): c is FastApiObject => c instanceof FastApiObject)) {
        const rendered = renderedDirectly(object);
        if (rendered !== undefined) direct++;
        const expected = cdk8sRendering(object);
        // The generated class converts what its base renders; the base is what must not change.
        expect([object.node.path, outcome(() => FastApiObject.prototype.toJson.call(object))]).toStrictEqual([object.node.path, expected]);
        if (rendered !== undefined) expect([object.node.path, JSON.stringify(rendered)]).toEqual([object.node.path, (expected as { json: string }).json]);
      }
    }
    expect(direct).toBeGreaterThan(150);
  });

  test('on fuzzed objects it renders exactly what cdk8s renders, Lazy values in the same order, or leaves them to cdk8s', () => {
    let seed = 7;
    // The high bits of the generator: its low bits repeat with a short period.
    const random = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n);
    // Each rendering starts the counter again, so a Lazy value tells in which order the values were produced.
    let produced = 0;
    class Quantity {
      public constructor(public readonly value: string | number) {}
    }
    class Opaque {
      public readonly field = 1;
    }
    const keys = ['a', 'b', 'Z', '10', '2', 'name', 'spec', 'x-y', 'a.b/c', '', 'value', 'resolve', 'toString', 'valueOf', '__proto__', 'constructor'];
    const value = (depth: number): unknown => {
      switch (random(depth > 3 ? 6 : 10)) {
        case 0:
          return ['text', '', 'true', 'a: b'][random(4)];
        case 1:
          return [0, 1, -2, 0.5][random(4)];
        case 2:
          return [true, false, null, undefined][random(4)];
        case 3: {
          // What a Lazy or a token gives is drawn now, so that every rendering gets the same.
          const inner = random(2) ? undefined : value(depth + 1);
          return Lazy.any({ produce: () => (inner === undefined ? produced++ : [produced++, inner]) });
        }
        case 4: {
          const inner = random(2) ? undefined : value(depth + 1);
          return { resolve: () => (inner === undefined ? `token-${produced++}` : inner) };
        }
        case 5:
          return random(3) === 0 ? [new Opaque(), new Date(0), Object.create(null)][random(3)] : new Quantity(random(2) ? '1Gi' : 3);
        case 6: {
          // A map with a non-enumerable `resolve` of its own, which Object.keys does not list but cdk8s calls.
          const inner = { a: value(depth + 1) };
          if (random(4) === 0) Object.defineProperty(inner, 'resolve', { value: () => `hidden-${produced++}`, enumerable: false });
          return inner;
        }
        case 7:
          return Object.fromEntries(Array.from({ length: random(5) }, () => [keys[random(keys.length)], value(depth + 1)]));
        default:
          return Array.from({ length: random(4) }, () => value(depth + 1));
      }
    };
    const map = () => Object.fromEntries(Array.from({ length: random(4) }, () => [keys[random(keys.length)], random(3) ? `v${random(9)}` : value(3)]));

    let direct = 0;
    let failures = 0;
    const runs = 3000;
    for (let i = 0; i < runs; i++) {
      const chart = new Chart(new App(), 'c', random(4) === 0 ? { labels: { chart: 'label' }, namespace: 'ns' } : {});
      const metadata = {
        name: `o${i}`,
        ...(random(2) ? { labels: map() } : {}),
        ...(random(2) ? { annotations: map() } : {}),
        ...(random(3) === 0 ? { finalizers: random(2) ? [] : ['f', Lazy.any({ produce: () => `f${produced++}` })] } : {}),
        ...(random(4) === 0 ? { ownerReferences: [] } : {}),
        ...(random(4) === 0 ? { generateName: 'g-', deletionGracePeriodSeconds: random(2) ? 30 : undefined } : {}),
      } as never;
      const object = new FastApiObject(chart, 'o', { apiVersion: 'example.io/v1', kind: 'Fuzz', metadata, spec: value(0), ...(random(2) ? { zeta: value(1), alpha: value(1) } : {}) } as never);
      produced = 0;
      const expected = cdk8sRendering(object);
      produced = 0;
      const rendered = renderedDirectly(object);
      produced = 0;
      expect([i, outcome(() => object.toJson())]).toStrictEqual([i, expected]);
      if (rendered !== undefined) {
        expect([i, JSON.stringify(rendered)]).toEqual([i, (expected as { json: string }).json]);
        direct++;
      }
      if ('error' in expected) failures++;
    }
    // Most take the direct path, and the ones cdk8s refuses are refused alike.
    expect(direct).toBeGreaterThan(runs * 0.6);
    expect(failures).toBeGreaterThan(20);
  });

  test('reads every value of a map before resolving the first, as cdk8s does', () => {
    // GIVEN a Lazy that changes its siblings, and props read after it
    const shared = { b: 'original' };
    let calls = 0;
    const data = { a: Lazy.any({ produce: () => ((shared.b = 'changed'), 'a') }), b: shared.b, c: shared, d: { get value() { return `read-${calls++}`; } } };
    const make = () => new FastApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o', valueOf: 'kept', labels: { toString: 'kept' } }, data, toString: 'kept' } as never);
    // WHEN both render the same object
    const object = make();
    const expected = JSON.stringify(ApiObject.prototype.toJson.call(object));
    shared.b = 'original';
    calls = 0;
    // THEN
    expect(JSON.stringify(renderedDirectly(object))).toBe(expected);
    expect(expected).toContain('"toString":"kept"');
    expect(expected).toContain('"valueOf":"kept"');
  });

  test('an object cdk8s renders but this does not take (a __proto__ key, a constructor of its own) is rendered by cdk8s functions, once', () => {
    let produced = 0;
    const value = { spec: JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as object, other: { constructor: { name: 'Object' }, x: 1 }, lazy: Lazy.any({ produce: () => produced++ }) };
    const object = new FastApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'X', metadata: { name: 'o' }, ...value } as never);
    const expected = outcome(() => ApiObject.prototype.toJson.call(object));
    produced = 0;
    const actual = outcome(() => FastApiObject.prototype.toJson.call(object));
    // isDeepStrictEqual: jest's type check would compare the two own `constructor` values by identity.
    expect([JSON.stringify(actual), isDeepStrictEqual(actual, expected)]).toEqual([JSON.stringify(expected), true]);
    expect(produced).toBe(1);
  });

  test('sorts keys only as cdk8s does when CDK8S_DISABLE_SORT is set', () => {
    const object = new FastApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o', labels: { z: '1', a: '2' } }, data: { z: '1', a: '2' } } as never);
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      const rendered = renderedDirectly(object);
      expect(JSON.stringify(rendered)).toBe(JSON.stringify(ApiObject.prototype.toJson.call(object)));
      expect(Object.keys((rendered as { data: object }).data)).toEqual(['z', 'a']);
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });

  test('leaves an object with a JSON patch, or in an app with resolvers of its own, to cdk8s', () => {
    const patched = new FastApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' }, data: { a: '1' } } as never);
    patched.addJsonPatch(JsonPatch.add('/data/b', '2'));
    expect(renderedDirectly(patched)).toBeUndefined();
    expect(patched.toJson()).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' }, data: { a: '1', b: '2' } });

    const upperCase: IResolver = { resolve: (context: ResolutionContext) => typeof context.value === 'string' && context.value !== context.value.toUpperCase() && context.replaceValue(context.value.toUpperCase()) };
    const custom = new FastApiObject(new Chart(new App({ resolvers: [upperCase] }), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' }, data: { a: 'x' } } as never);
    expect(renderedDirectly(custom)).toBeUndefined();
    expect(custom.toJson()).toEqual({ apiVersion: 'V1', kind: 'CONFIGMAP', metadata: { name: 'O' }, data: { a: 'X' } });

    const app = new App();
    (app.resolvers[0] as { resolve: unknown }).resolve = () => {};
    expect(renderedDirectly(new FastApiObject(new Chart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' } }))).toBeUndefined();
  });
});
