/**
 * A bad schema declaration: an empty range, a zero precision, a duplicate enum value... Thrown by
 * `entity()` while it builds the type, so a mistake surfaces at module load, not at the first encode.
 */
export class SchemaError extends Error {
  /** The declaration at fault: `vehicle.x`, `vehicle.pos.y`, or the entity name alone. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'SchemaError';
    this.field = field;
  }
}
