/**
 * The map's entries whose value is defined, each converted: what cdk8s import's generated converters compute with
 * `Object.entries(map).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: convert(i[1]) }), {})`, which
 * copies the result once per entry. Same keys in the same order, same values (a converted value may be undefined and
 * is kept, as there); `__proto__` stays an own key, as the spread defines it. `npm run import` writes the calls.
 */
export function definedEntries<T, U = T>(map: { readonly [key: string]: T }, convert: (value: T) => U = (value) => value as unknown as U): Record<string, U> {
  const result: Record<string, U> = {};
  for (const [key, value] of Object.entries(map)) {
    if (value === undefined) continue;
    if (key === '__proto__') Object.defineProperty(result, key, { value: convert(value), enumerable: true, writable: true, configurable: true });
    else result[key] = convert(value);
  }
  return result;
}
