import type { BitReader, BitWriter } from '../../protocol/index.js';
import type { Field, FieldDeclaration } from '../field.js';
import { FloatField, type FloatOptions } from './float.js';
import type { RelativeCodec } from './relative.js';

export interface Vec2 {
  x: number;
  y: number;
}

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

/** Two floats of one spec, written x then y: 2 × the float's bits. Each component clamps on its own. */
export function vec2(options: FloatOptions): FieldDeclaration<Vec2, readonly number[]> {
  return { kind: 'vec2', compile: (path) => new VectorField<Vec2>('vec2', path, options, ['x', 'y']) };
}

/** Three floats of one spec, written x, y, z: 3 × the float's bits. Each component clamps on its own. */
export function vec3(options: FloatOptions): FieldDeclaration<Vec3, readonly number[]> {
  return { kind: 'vec3', compile: (path) => new VectorField<Vec3>('vec3', path, options, ['x', 'y', 'z']) };
}

class VectorField<Vector extends Vec2 | Vec3> implements Field<Vector, readonly number[]> {
  readonly kind: 'vec2' | 'vec3';
  readonly path: string;
  readonly bits: number;
  readonly #components: readonly { readonly axis: string; readonly float: FloatField }[];
  readonly relative?: RelativeCodec<readonly number[]>;
  readonly wireDetail: string;

  constructor(kind: 'vec2' | 'vec3', path: string, options: FloatOptions, axes: readonly string[]) {
    this.kind = kind;
    this.path = path;
    // One float per axis, so an error names the component: `vehicle.position.y: NaN cannot be quantized`.
    this.#components = axes.map((axis) => ({ axis, float: new FloatField(`${path}.${axis}`, options) }));
    this.bits = this.#components.reduce((sum, { float }) => sum + float.bits, 0);
    this.wireDetail = JSON.stringify((this.#components[0] as { float: FloatField }).float.grid);
    const relatives = this.#components.map(({ float }) => float.relative);
    if (relatives.every((relative) => relative !== undefined)) {
      this.relative = new VectorRelativeCodec(relatives as NonNullable<(typeof relatives)[number]>[]);
    }
  }

  quantize(value: Vector): readonly number[] {
    if (typeof value !== 'object' || value === null) {
      const axes = this.#components.map(({ axis }) => axis).join(', ');
      throw new TypeError(`${this.path}: expected {${axes}}, got ${value === null ? 'null' : typeof value}`);
    }
    const components = value as unknown as Record<string, number>;
    return this.#components.map(({ axis, float }) => float.quantize(components[axis] as number));
  }

  dequantize(code: readonly number[]): Vector {
    this.#checkLength(code);
    const vector: Record<string, number> = {};
    this.#components.forEach(({ axis, float }, index) => {
      vector[axis] = float.dequantize(code[index] as number);
    });
    return vector as unknown as Vector;
  }

  equals(a: readonly number[], b: readonly number[]): boolean {
    return a.length === b.length && a.every((code, index) => code === b[index]);
  }

  bitLength(code: readonly number[]): number {
    let bits = 0;
    this.#components.forEach(({ float }, index) => {
      bits += float.bitLength(code[index] as number);
    });
    return bits;
  }

  write(writer: BitWriter, code: readonly number[]): void {
    this.#checkLength(code);
    // Every component is checked before the first is written, so a refused code leaves the writer as it was.
    this.#components.forEach(({ float }, index) => {
      if (!float.isCode(code[index] as number)) {
        throw new RangeError(`${float.path}: ${String(code[index])} is not a code of this field`);
      }
    });
    this.#components.forEach(({ float }, index) => {
      float.write(writer, code[index] as number);
    });
  }

  read(reader: BitReader): readonly number[] {
    return this.#components.map(({ float }) => float.read(reader));
  }

  /** Whether `write` takes this code, for checks before a code is kept (codes-check.ts). */
  isCode(code: unknown): boolean {
    const components = this.#components;
    if (!Array.isArray(code) || code.length !== components.length) return false;
    for (let index = 0; index < components.length; index++) {
      if (!(components[index] as { float: FloatField }).float.isCode(code[index])) return false;
    }
    return true;
  }

  #checkLength(code: readonly number[]): void {
    if (!Array.isArray(code) || code.length !== this.#components.length) {
      throw new RangeError(`${this.path}: expected ${this.#components.length} component codes`);
    }
  }
}

/** Each component relative to the baseline's, in order (an unchanged component costs its class bits). */
class VectorRelativeCodec implements RelativeCodec<readonly number[]> {
  readonly #components: readonly RelativeCodec<number>[];

  constructor(components: readonly RelativeCodec<number>[]) {
    this.#components = components;
  }

  bitLength(code: readonly number[], baseline: readonly number[]): number {
    let bits = 0;
    this.#components.forEach((component, index) => {
      bits += component.bitLength(code[index] as number, baseline[index] as number);
    });
    return bits;
  }

  write(writer: BitWriter, code: readonly number[], baseline: readonly number[]): void {
    if (!Array.isArray(code) || code.length !== this.#components.length) {
      throw new RangeError(`expected ${this.#components.length} component codes`);
    }
    this.#components.forEach((component, index) => {
      component.write(writer, code[index] as number, baseline[index] as number);
    });
  }

  read(reader: BitReader, baseline: readonly number[]): readonly number[] {
    return this.#components.map((component, index) => component.read(reader, baseline[index] as number));
  }

  predict(
    baseline: readonly number[],
    before: readonly number[],
    ahead: number,
    span: number,
  ): readonly number[] {
    return this.#components.map((component, index) =>
      component.predict(baseline[index] as number, before[index] as number, ahead, span),
    );
  }
}
