/**
 * What a car looks like, derived from its health alone so every client shows the same from the synced
 * health: intact (70..100), damaged (35..69: smoke), critical (1..34: fire), wrecked (0).
 */
export type DamageState = 'intact' | 'damaged' | 'critical' | 'wrecked';

export const DAMAGED_BELOW = 70;
export const CRITICAL_BELOW = 35;

export function damageStateOf(health: number): DamageState {
  if (health <= 0) return 'wrecked';
  if (health < CRITICAL_BELOW) return 'critical';
  if (health < DAMAGED_BELOW) return 'damaged';
  return 'intact';
}
