import * as v from 'valibot';

/**
 * A request body read as JSON of `schema`'s shape, or what is wrong with it as a sentence for whoever sent
 * it: not JSON, or not the shape (`shape` says it, as the sender should write it).
 */
export function readJsonRequest<S extends v.GenericSchema>(
  text: string,
  schema: S,
  shape: string,
): v.InferOutput<S> | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `the body is not JSON: expected ${shape}`;
  }
  const parsed = v.safeParse(schema, body);
  return parsed.success ? parsed.output : `expected ${shape}`;
}
