import { ApiObject, App, ApiObjectMetadataDefinition, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver, resolve } from 'cdk8s';
// cdk8s's own key sorting and filtering, for the parts of an object left to it (not exported from its index).
import { sanitizeValue } from 'cdk8s/lib/_util';

// The base of every generated class in imports/ (`npm run import` makes them extend it). Its toJson() gives exactly
// what cdk8s's ApiObject.toJson() gives, in one pass instead of three: cdk8s 2.70.106 resolves every value through a
// new ResolutionContext, a new key path and an `App.of` walk up the tree (lib/resolve.js `resolve`), then copies the
// result again to sort its keys (lib/_util.js `sanitizeValue`), about a quarter of synth at 10,000 pairs. What this
// mirrors is that release's source, read line by line, so it is used only with that release; with any other cdk8s,
// and for a JSON patch or custom resolvers, cdk8s renders the object itself; a value that is not plain data is
// rendered by cdk8s's own resolve and sanitizeValue (both work value by value, so the result is the same), and on any
// error cdk8s renders the object again to report its own. Tests compare both on every rendered object and on fuzzed
// values.

/** The cdk8s release whose rendering this mirrors. */
export const MIRRORED_CDK8S = '2.70.106';

// Every cdk8s class carries its release in jsii's runtime type info.
const JSII_RTTI = Symbol.for('jsii.rtti');
const releaseOf = (type: object) => (type as { [JSII_RTTI]?: { version?: string } })[JSII_RTTI]?.version;
const MIRRORS_INSTALLED_CDK8S = [ApiObject, ApiObjectMetadataDefinition, App, Lazy].every((type) => releaseOf(type) === MIRRORED_CDK8S);

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

// How one `sanitizeValue(resolve(...))` call of cdk8s renders: its object, and its sanitizeValue options.
interface Rendering {
  readonly object: ApiObject;
  readonly sortKeys: boolean;
  readonly filterEmpty: boolean;
}

/**
 * `object.toJson()` as cdk8s 2.70.106's ApiObject renders it, or undefined when cdk8s is to render it instead. Exported
 * for the tests that hold it to cdk8s's own rendering.
 */
export function renderedDirectly(object: ApiObject): Record<string, unknown> | undefined {
  const { props, patches } = object as unknown as ApiObjectInternals;
  if (!MIRRORS_INSTALLED_CDK8S || !Array.isArray(patches) || patches.length > 0 || !hasDefaultResolvers(App.of(object) as App) || !ordinaryPrototypes()) return undefined;
  try {
    // lib/api-object.js toJson: `{ ...this.props, metadata: this.metadata.toJson() }`, so props are read first.
    const data = spreadEntries(props, { metadata: undefined });
    // lib/metadata.js toJson: sanitizeValue's own default sorts keys; empty arrays and maps are dropped.
    const metadata = object.metadata as unknown as MetadataInternals;
    const metadataEntries = spreadEntries(metadata._additionalAttributes, {
      name: metadata.name,
      namespace: metadata.namespace,
      annotations: metadata.annotations,
      finalizers: metadata.finalizers,
      ownerReferences: metadata.ownerReferences,
      labels: metadata.labels,
    });
    data.values[data.keys.indexOf('metadata')] = resolvedSpread(metadataEntries, { object, sortKeys: true, filterEmpty: true });
    // Keys sorted unless CDK8S_DISABLE_SORT is set, no patch to apply (fast-json-patch returns the document itself),
    // then apiVersion, kind and metadata first.
    const json = resolvedSpread(data, { object, sortKeys: process.env.CDK8S_DISABLE_SORT ? false : true, filterEmpty: false }) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const key of FIRST_KEYS) {
      if (json[key] !== undefined) result[key] = json[key];
    }
    for (const key of Object.keys(json)) {
      if (!FIRST_KEYS.includes(key)) result[key] = json[key];
    }
    return result;
  } catch {
    // cdk8s renders it again and reports its own error.
    return undefined;
  }
}

// App's resolvers are exactly the three built-in ones, in their order (lib/app.js constructor), unsubclassed and
// with their own resolve methods.
const BUILT_IN_RESOLVERS = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver].map((type) => ({ type, resolve: type.prototype.resolve }));
function hasDefaultResolvers(app: App): boolean {
  const resolvers: unknown = app.resolvers;
  return (
    Array.isArray(resolvers) &&
    resolvers.length === BUILT_IN_RESOLVERS.length &&
    BUILT_IN_RESOLVERS.every(({ type, resolve: method }, index) => resolvers[index]?.constructor === type && resolvers[index].resolve === method)
  );
}

// The top-level keys ApiObject.toJson() puts first (`key in json`, where Object.prototype, being ordinary, has none).
const FIRST_KEYS = ['apiVersion', 'kind', 'metadata'];
// The prototypes a value's `resolve`, `value` and `constructor` are looked up on when the value has no such property
// of its own. While none of them defines `resolve` or `value` (nothing patched them), a string, number or boolean is
// rendered as it is, and a plain map needs those looked up only when it has such a property itself.
const PROTOTYPES = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype];
const ordinaryPrototypes = () =>
  Object.prototype.constructor === Object && PROTOTYPES.every((prototype) => !('resolve' in prototype) && !('value' in prototype)) && FIRST_KEYS.every((key) => !(key in Object.prototype));

// A map's own enumerable keys and their values, read in that order, as Object.entries and an object spread read them.
interface Entries {
  readonly keys: string[];
  readonly values: unknown[];
}

/**
 * The entries of `{ ...base, ...overrides }` without building it: base's own enumerable keys, then those of
 * `overrides` that base lacks, each value read once, in that order. `overrides` is a literal of this file.
 */
function spreadEntries(base: Record<string, unknown>, overrides: Record<string, unknown>): Entries {
  const keys = Object.keys(base);
  const values = keys.map((key) => (Object.hasOwn(overrides, key) ? overrides[key] : base[key]));
  for (const key of Object.keys(overrides)) {
    if (!keys.includes(key)) {
      keys.push(key);
      values.push(overrides[key]);
    }
  }
  return { keys, values };
}

// A spread's entries as resolvedMap renders the object the spread builds (own enumerable data properties, so a key
// list says it all); cdk8s renders that object when it has a key resolvedMap leaves to cdk8s.
const CDK8S_KEYS = ['resolve', 'constructor', '__proto__'];
function resolvedSpread(entries: Entries, rendering: Rendering): unknown {
  if (entries.keys.some((key) => CDK8S_KEYS.includes(key))) return byCdk8s(Object.fromEntries(entries.keys.map((key, index) => [key, entries.values[index]])), rendering);
  return resolvedEntries(entries, rendering);
}

/**
 * `sanitizeValue(resolve([], value, object), { sortKeys, filterEmptyArrays: filterEmpty, filterEmptyObjects: filterEmpty })`
 * with the default resolvers, in one pass, for ordinary prototypes. Values are read and resolved in the order `resolve`
 * reads and resolves them, so Lazy values are produced in cdk8s's order.
 */
function resolved(value: any, rendering: Rendering): unknown {
  if (value === null || value === undefined) return undefined;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return value;
  // A plain map: every resolver leaves it alone unless it has a `resolve` or `constructor` of its own, and resolvedMap
  // hands those to cdk8s.
  if (type === 'object' && Object.getPrototypeOf(value) === Object.prototype) return resolvedMap(value, rendering);
  return resolvedByResolvers(value, rendering);
}

// Any value, as the resolvers see it: in App's order, each replacing the value and starting over: LazyResolver,
// ImplicitTokenResolver, NumberStringUnionResolver (which leaves plain maps alone).
function resolvedByResolvers(value: any, rendering: Rendering): unknown {
  if (value instanceof Lazy) return resolved(value.produce(), rendering);
  if (typeof value.resolve === 'function') return resolved(value.resolve(), rendering);
  if (value.constructor !== Object) {
    const inner = typeof value.value;
    if (inner === 'number' || inner === 'string') return resolved({ value: value.value }, rendering);
    if (Array.isArray(value)) {
      if (rendering.filterEmpty && value.length === 0) return undefined;
      return value.map((item) => resolved(item, rendering));
    }
    // A string, number, boolean or function is kept as it is; any other object is cdk8s's to render (or refuse).
    if (typeof value === 'object') return byCdk8s(value, rendering);
    return value;
  }
  return resolvedMap(value, rendering);
}

// A map the resolvers left alone, copied key by key as resolve() copies it, unless it has an own `resolve`,
// `constructor` or `__proto__` (resolve's assignment would set the prototype): cdk8s renders those.
function resolvedMap(value: any, rendering: Rendering): unknown {
  const keys = Object.keys(value);
  if (keys.includes('__proto__') || Object.hasOwn(value, 'resolve') || Object.hasOwn(value, 'constructor')) return byCdk8s(value, rendering);
  // Object.entries reads every value before resolve() resolves the first.
  return resolvedEntries({ keys, values: keys.map((key) => value[key]) }, rendering);
}

// resolve() and sanitizeValue() each work value by value, so cdk8s's own rendering of one value is that value's part
// of the whole.
function byCdk8s(value: unknown, { object, sortKeys, filterEmpty }: Rendering): unknown {
  return sanitizeValue(resolve([], value, object), { sortKeys, filterEmptyArrays: filterEmpty, filterEmptyObjects: filterEmpty });
}

// A plain map's entries resolved in key order as `resolve` does, then written in sorted order as `sanitizeValue` does.
function resolvedEntries({ keys, values }: Entries, rendering: Rendering): unknown {
  const items = values.map((item) => resolved(item, rendering));
  let order: number[] | undefined;
  if (rendering.sortKeys && keys.some((key, index) => index > 0 && keys[index - 1] > key)) {
    order = keys.map((_, index) => index).sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
  }
  const result: Record<string, unknown> = {};
  let kept = 0;
  for (let position = 0; position < keys.length; position++) {
    const index = order === undefined ? position : order[position];
    const item = items[index];
    if (item !== null && item !== undefined) {
      result[keys[index]] = item;
      kept++;
    }
  }
  return rendering.filterEmpty && kept === 0 ? undefined : result;
}
