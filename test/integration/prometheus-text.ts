/** A sample of the Prometheus text exposition format: `name{labels} value`. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

/**
 * Parses Prometheus text format 0.0.4, strictly: every line must be a comment, blank, or a sample of a
 * family declared by # TYPE, with well-formed labels and a number. Throws on anything else, so a test
 * that parses a scrape also proves the scrape is valid.
 */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const help = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, what, name = '', rest = ''] = meta;
      if (what === 'HELP') help.set(name, rest);
      else families.set(name, { name, type: rest, help: help.get(name) ?? '', samples: [] });
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/.exec(line);
    if (!sample) throw new Error(`not a Prometheus sample line: ${line}`);
    const [, name = '', , labelText = '', valueText = ''] = sample;
    // Prometheus reads floats as Go's ParseFloat does: NaN in any case (prom-client writes 'Nan').
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText.toLowerCase() !== 'nan') throw new Error(`bad value in: ${line}`);
    const family = familyOf(families, name);
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    family.samples.push({ name, labels: parseLabels(labelText, line), value });
  }
  return families;
}

/** A histogram's `_bucket`, `_sum` and `_count` samples belong to the family without the suffix. */
function familyOf(families: Map<string, PromFamily>, sample: string): PromFamily | undefined {
  const direct = families.get(sample);
  if (direct) return direct;
  const base = sample.replace(/_(bucket|sum|count)$/, '');
  const family = families.get(base);
  return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
  let consumed = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    labels[match[1] ?? ''] = (match[2] ?? '').replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    consumed = pattern.lastIndex;
  }
  if (consumed !== text.length) throw new Error(`bad labels in: ${line}`);
  return labels;
}

/** The value of the sample `name` whose labels include `labels`; undefined if none. */
export function sampleValue(
  families: Map<string, PromFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) return sample.value;
    }
  }
  return undefined;
}
