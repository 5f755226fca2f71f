import { ApiObject, App, ApiObjectMetadataDefinition, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

// The base of every generated class in imports/ (`npm run import` makes them extend it). Its toJson() gives exactly
// what cdk8s's ApiObject.toJson() gives, in one pass instead of three: cdk8s 2.70.106 resolves every value through a
// new ResolutionContext, a new key path and an `App.of` walk up the tree (lib/resolve.js `resolve`), then copies the
// result again to sort its keys (lib/_util.js `sanitizeValue`), about a quarter of synth at 10,000 pairs. What this
// mirrors is that release's source, read line by line, so it is used only with that release; with any other cdk8s,
// and for anything out of the ordinary (a JSON patch, custom resolvers, a value that is not plain data once resolved,
// any error), cdk8s renders the object itself. Tests compare both on every rendered object and on fuzzed values.

/** The cdk8s release whose rendering this mirrors. */
export const MIRRORED_CDK8S = '2.70.106';

// Every cdk8s class carries its release in jsii's runtime type info.
const JSII_RTTI = Symbol.for('jsii.rtti');
const releaseOf = (type: object) => (type as { [JSII_RTTI]?: { version?: string } })[JSII_RTTI]?.version;
const MIRRORS_INSTALLED_CDK8S = [ApiObject, ApiObjectMetadataDefinition, App, Lazy].every((type) => releaseOf(type) === MIRRORED_CDK8S);

/** Thrown where cdk8s might render or fail differently: the caller lets cdk8s render the object. */
class LeaveToCdk8s extends Error {}

// The fields ApiObject.toJson() and ApiObjectMetadataDefinition.toJson() read, private in cdk8s's types.
interface ApiObjectInternals {
  readonly props: Record<string, unknown>;
  readonly patches: readonly unknown[];
}
interface MetadataInternals {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels: Record<string, unknown>;
  readonly annotations: Record<string, unknown>;
  readonly finalizers: unknown[];
  readonly ownerReferences: unknown[];
  readonly _additionalAttributes: Record<string, unknown>;
}

/** An ApiObject whose toJson() renders plain data directly; see the comment at the top of this file. */
export class FastApiObject extends ApiObject {
  public override toJson(): any {
    return renderedDirectly(this) ?? super.toJson();
  }
}

/**
 * `object.toJson()` as cdk8s 2.70.106's ApiObject renders it, or undefined when cdk8s is to render it instead. Exported
 * for the tests that hold it to cdk8s's own rendering.
 */
export function renderedDirectly(object: ApiObject): Record<string, unknown> | undefined {
  const { props, patches } = object as unknown as ApiObjectInternals;
  if (!MIRRORS_INSTALLED_CDK8S || !Array.isArray(patches) || patches.length > 0 || !hasDefaultResolvers(App.of(object) as App) || !ordinaryPrototypes()) return undefined;
  try {
    // lib/metadata.js toJson: sanitizeValue's own default sorts keys; empty arrays and maps are dropped.
    const metadata = object.metadata as unknown as MetadataInternals;
    const metadataJson = resolvedSpread(
      metadata._additionalAttributes,
      { name: metadata.name, namespace: metadata.namespace, annotations: metadata.annotations, finalizers: metadata.finalizers, ownerReferences: metadata.ownerReferences, labels: metadata.labels },
      true,
      true,
    );
    // lib/api-object.js toJson: props with the rendered metadata, keys sorted unless CDK8S_DISABLE_SORT is set, no
    // patch to apply (fast-json-patch returns the document itself), then apiVersion, kind and metadata first.
    const json = resolvedSpread(props, { metadata: metadataJson }, process.env.CDK8S_DISABLE_SORT ? false : true, false) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const key of FIRST_KEYS) {
      if (json[key] !== undefined) result[key] = json[key];
    }
    for (const key of Object.keys(json)) {
      if (!FIRST_KEYS.includes(key)) result[key] = json[key];
    }
    return result;
  } catch {
    // cdk8s renders it again: the same value, or its own error with its own message.
    return undefined;
  }
}

// App's resolvers are exactly the three built-in ones, in their order (lib/app.js constructor) and unsubclassed.
function hasDefaultResolvers(app: App): boolean {
  const resolvers: unknown = app.resolvers;
  return (
    Array.isArray(resolvers) &&
    resolvers.length === 3 &&
    resolvers[0]?.constructor === LazyResolver &&
    resolvers[1]?.constructor === ImplicitTokenResolver &&
    resolvers[2]?.constructor === NumberStringUnionResolver
  );
}

// The prototypes a value's `resolve`, `value` and `constructor` are looked up on when the value has no such property
// of its own. While none of them defines `resolve` or `value` (nothing patched them), a string, number or boolean is
// rendered as it is, and a plain map needs those looked up only when it has such a key itself.
// The top-level keys ApiObject.toJson() puts first (`key in json`, where Object.prototype, being ordinary, has none).
const FIRST_KEYS = ['apiVersion', 'kind', 'metadata'];
const PROTOTYPES = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype];
const ordinaryPrototypes = () =>
  Object.prototype.constructor === Object && PROTOTYPES.every((prototype) => !('resolve' in prototype) && !('value' in prototype)) && FIRST_KEYS.every((key) => !(key in Object.prototype));

/**
 * `resolved({ ...base, ...overrides })` without building the spread object: its keys are base's own enumerable keys,
 * then those of `overrides` that base lacks. Both are plain data here: cdk8s's metadata options, and props spread
 * into a new object by the generated constructor.
 */
function resolvedSpread(base: Record<string, unknown>, overrides: Record<string, unknown>, sortKeys: boolean, filterEmpty: boolean): unknown {
  const keys = Object.keys(base);
  for (const key of Object.keys(overrides)) {
    if (!keys.includes(key)) keys.push(key);
  }
  let ordered = true;
  for (let index = 0; index < keys.length; index++) {
    if (ENTRY_KEYS.has(keys[index])) return resolved({ ...base, ...overrides }, sortKeys, filterEmpty);
    if (sortKeys && index > 0 && keys[index - 1] > keys[index]) ordered = false;
  }
  return resolvedMap(base, keys, ordered, sortKeys, filterEmpty, overrides);
}

/**
 * `sanitizeValue(resolve([], value, object), { sortKeys, filterEmptyArrays: filterEmpty, filterEmptyObjects: filterEmpty })`
 * with the default resolvers, in one pass, for ordinary prototypes. Values are resolved in the order `resolve` visits
 * them, so Lazy values are produced in cdk8s's order.
 */
// `resolve` assigns each key to a new object, where `__proto__` would set the prototype instead; a map with its own
// `resolve` or `constructor` may be one a resolver replaces.
const ENTRY_KEYS = new Set(['__proto__', 'resolve', 'constructor']);

function resolved(value: any, sortKeys: boolean, filterEmpty: boolean): unknown {
  if (value === null || value === undefined) return undefined;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return value;
  if (type === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const keys = Object.keys(value);
    let ordered = true;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      if (ENTRY_KEYS.has(key)) return resolvedByResolvers(value, sortKeys, filterEmpty);
      if (sortKeys && index > 0 && keys[index - 1] > key) ordered = false;
    }
    return resolvedMap(value, keys, ordered, sortKeys, filterEmpty);
  }
  return resolvedByResolvers(value, sortKeys, filterEmpty);
}

// Any value, as the resolvers see it: in App's order, each replacing the value and starting over: LazyResolver,
// ImplicitTokenResolver, NumberStringUnionResolver (which leaves plain maps alone).
function resolvedByResolvers(value: any, sortKeys: boolean, filterEmpty: boolean): unknown {
  if (value instanceof Lazy) return resolved(value.produce(), sortKeys, filterEmpty);
  if (typeof value.resolve === 'function') return resolved(value.resolve(), sortKeys, filterEmpty);
  if (value.constructor !== Object) {
    const inner = typeof value.value;
    if (inner === 'number' || inner === 'string') return resolved({ value: value.value }, sortKeys, filterEmpty);
    if (Array.isArray(value)) {
      if (filterEmpty && value.length === 0) return undefined;
      return value.map((item) => resolved(item, sortKeys, filterEmpty));
    }
    // A string, number, boolean or function is kept as it is; any other object sanitizeValue would refuse or copy
    // unresolved.
    if (typeof value === 'object') throw new LeaveToCdk8s();
    return value;
  }
  const keys = Object.keys(value);
  let ordered = true;
  for (let index = 0; index < keys.length; index++) {
    if (keys[index] === '__proto__') throw new LeaveToCdk8s();
    if (sortKeys && index > 0 && keys[index - 1] > keys[index]) ordered = false;
  }
  return resolvedMap(value, keys, ordered, sortKeys, filterEmpty);
}

// A plain map's entries resolved in key order as `resolve` does, then written in sorted order as `sanitizeValue` does.
function resolvedMap(value: any, keys: string[], ordered: boolean, sortKeys: boolean, filterEmpty: boolean, overrides?: Record<string, unknown>): unknown {
  const result: Record<string, unknown> = {};
  let kept = 0;
  if (ordered) {
    for (const key of keys) {
      const item = resolved(overrides !== undefined && key in overrides ? overrides[key] : value[key], sortKeys, filterEmpty);
      if (item !== null && item !== undefined) {
        result[key] = item;
        kept++;
      }
    }
  } else {
    const items = keys.map((key) => resolved(overrides !== undefined && key in overrides ? overrides[key] : value[key], sortKeys, filterEmpty));
    const order = keys.map((_, index) => index).sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
    for (const index of order) {
      const item = items[index];
      if (item !== null && item !== undefined) {
        result[keys[index]] = item;
        kept++;
      }
    }
  }
  return filterEmpty && kept === 0 ? undefined : result;
}
