/*
 * The vehicle's size and handling. Units: world units (u), seconds (s), radians. Mass is 1, so an impulse
 * in these units equals the change of velocity it causes (u/s).
 */

/** Body length and width, for drawing: the collision shape is the circle below. */
export const VEHICLE_LENGTH = 2.5;
export const VEHICLE_WIDTH = 1.5;
/**
 * Collision circle radius. A circle rather than the 2.5 x 1.5 box keeps every contact cheap and
 * rotation-free; 1.0 sits between the half width (0.75) and half length (1.25).
 */
export const VEHICLE_RADIUS = 1;
export const VEHICLE_MASS = 1;

/** Forward acceleration at full throttle (u/s²); with DRAG it gives a top speed of 36 / 1.5 = 24 u/s. */
export const ENGINE_ACCEL = 36;
/** Backward acceleration at full reverse (u/s²): reverse top speed 15 / 1.5 = 10 u/s. */
export const REVERSE_ACCEL = 15;
/** Extra forward acceleration while boosting (u/s²): boosted top speed (36 + 30) / 1.5 = 44 u/s. */
export const BOOST_ACCEL = 30;
/** Air and engine drag on forward speed (1/s): the speed's time constant with no input is 1/1.5 s. */
export const DRAG = 1.5;
/** Deceleration of the brake, and of reverse throttle while still rolling forward (u/s²). */
export const BRAKE_DECEL = 45;
/** Rolling resistance with no throttle (u/s²): what brings a coasting car to a full stop. */
export const ROLL_DECEL = 3;
/** No speed beyond this (u/s): one tick's move (1 u) never exceeds VEHICLE_RADIUS, so walls can't be skipped. */
export const MAX_SPEED = 60;

/** Sideways acceleration the tyres can give while gripping (u/s²). */
export const GRIP = 32;
/** ... and while drifting (u/s²): the car slides until its sideways speed falls under DRIFT_EXIT_SLIP. */
export const DRIFT_GRIP = 12;
/** Sideways speed (u/s) past which the car breaks into a drift. */
export const DRIFT_ENTER_SLIP = 5;
/** Sideways speed (u/s) under which a drift ends (hysteresis, so a drift does not flicker on and off). */
export const DRIFT_EXIT_SLIP = 1.5;
/** Braking while steering at least half way above this speed (u/s) starts a drift at once. */
export const HANDBRAKE_TURN_MIN_SPEED = 8;

/** Yaw rate at full lock (rad/s) once the car rolls at FULL_TURN_SPEED, before the high-speed falloff. */
export const MAX_TURN_RATE = 3.2;
/** Speed (u/s) at which full steering authority is reached: a standing car cannot turn. */
export const FULL_TURN_SPEED = 5;
/** The yaw rate is divided by 1 + speed / TURN_FALLOFF_SPEED: at 24 u/s full lock gives 1.8 rad/s. */
export const TURN_FALLOFF_SPEED = 30;
/** Drifting cars rotate this much faster: the tail swings out. */
export const DRIFT_TURN_FACTOR = 1.3;
/**
 * Sine of the largest slip angle (between heading and velocity) that steering into a drift can reach:
 * 0.6 is about 37°. Past it the car holds its angle rather than spinning out.
 */
export const MAX_DRIFT_SLIP = 0.6;
/** How fast the yaw rate follows the steering (rad/s²): 0.12 s from straight to full lock at speed. */
export const YAW_ACCEL = 24;

/** Boost energy is an integer 0..BOOST_MAX: integers keep the bar exact on the wire and in the sim. */
export const BOOST_MAX = 1000;
/** Energy spent per boosting tick: a full bar lasts 1000 / 6 ticks ≈ 2.8 s. */
export const BOOST_DRAIN = 6;
/** Energy regained per tick while the boost button is up: empty to full in 500 ticks ≈ 8.3 s. */
export const BOOST_RECHARGE = 2;
