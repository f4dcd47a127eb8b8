const TURN = 2 * Math.PI;

/**
 * The signed turn (radians, in [-π, π]) from heading `from` to heading `to` the short way round: what to
 * interpolate across, so a vehicle crossing ±π does not spin the long way. Drawing code only: the
 * simulation never calls it (game/sim avoids engine-dependent math).
 */
export function shortTurn(from: number, to: number): number {
  let turn = (to - from) % TURN;
  if (turn > Math.PI) turn -= TURN;
  else if (turn < -Math.PI) turn += TURN;
  return turn;
}
