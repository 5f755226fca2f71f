// A Kubernetes label selector evaluated against the labels the manifests show, with Kubernetes' own operators
// (apimachinery pkg/labels/selector.go, `Requirement.Matches`): `In` needs the label present with one of the values,
// `NotIn` is met by an absent label, `Exists`/`DoesNotExist` test presence; every entry must hold. Selectors come from
// manifests that may not be valid, so anything malformed is read as Kubernetes would never match it.

type Obj = { readonly [key: string]: unknown };

/** What a selector sees of one label: its value (undefined when absent), or `known: false` when the manifests cannot tell. */
export type LabelLookup = (key: string) => { readonly known: boolean; readonly value?: string };

/** The lookup of a plain label map: only its own keys are labels. */
export function labelsLookup(labels: Readonly<Record<string, string>>): LabelLookup {
  return (key) => ({ known: true, value: Object.hasOwn(labels, key) ? labels[key] : undefined });
}

const isMap = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const obj = (value: unknown): Obj => (isMap(value) ? value : {});
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** Whether `selector` (`matchLabels`, `matchExpressions`) selects; a requirement on a label the lookup cannot tell counts as met. */
export function selectorMatches(selector: unknown, label: LabelLookup): boolean {
  const { matchLabels, matchExpressions } = obj(selector);
  if ((matchLabels !== undefined && !isMap(matchLabels)) || (matchExpressions !== undefined && !Array.isArray(matchExpressions))) return false;
  const requirements = [
    ...Object.entries(obj(matchLabels)).map(([key, value]) => ({ key, operator: 'In', values: typeof value === 'string' ? [value] : [] })),
    ...(Array.isArray(matchExpressions) ? matchExpressions.map(obj) : []).map((e) => ({ key: String(e.key), operator: e.operator, values: strings(e.values) })),
  ];
  return requirements.every(({ key, operator, values }) => {
    const { known, value } = label(key);
    if (!known) return true;
    switch (operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}
