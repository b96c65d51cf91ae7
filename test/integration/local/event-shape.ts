/**
 * Compares the shape (keys and value types, recursively) of an event with a real AWS sample.
 * `maps` lists paths whose objects are dictionaries (headers, query parameters): their keys are free,
 * only the types of their values count. `extras` lists the paths the local event may add.
 */
export interface ShapeRules {
  maps?: readonly string[];
  extras?: readonly string[];
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function mapValueType(value: unknown): string {
  if (Array.isArray(value)) return `array<${[...new Set(value.map(typeOf))].join('|') || 'string'}>`;
  return typeOf(value);
}

export function shapeDifferences(sample: unknown, actual: unknown, rules: ShapeRules, path = '$'): string[] {
  const sampleType = typeOf(sample);
  const actualType = typeOf(actual);
  if (sampleType !== actualType) return [`${path}: ${actualType} instead of ${sampleType}`];
  if (sampleType === 'array') {
    const items = actual as unknown[];
    const model = (sample as unknown[])[0];
    if (model === undefined) return [];
    return items.flatMap((item, i) => shapeDifferences(model, item, rules, `${path}[${i}]`));
  }
  if (sampleType !== 'object') return [];
  const s = sample as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  if (rules.maps?.includes(path)) {
    const expected = new Set(Object.values(s).map(mapValueType));
    return Object.entries(a)
      .filter(([, v]) => expected.size > 0 && !expected.has(mapValueType(v)))
      .map(([k, v]) => `${path}.${k}: ${mapValueType(v)} instead of ${[...expected].join('|')}`);
  }
  const differences: string[] = [];
  for (const key of Object.keys(s)) {
    if (!(key in a)) differences.push(`${path}.${key}: missing`);
    else differences.push(...shapeDifferences(s[key], a[key], rules, `${path}.${key}`));
  }
  for (const key of Object.keys(a)) {
    if (!(key in s) && !rules.extras?.includes(`${path}.${key}`))
      differences.push(`${path}.${key}: not in the sample`);
  }
  return differences;
}
