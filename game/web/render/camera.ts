/** World units visible across the shorter side of the view: the whole fight nearby, not the arena. */
const UNITS_ACROSS = 64;

/**
 * Maps world units to CSS pixels, centred on a point (the own car). The canvas's backing store follows
 * devicePixelRatio, so lines stay sharp on high-density screens; drawing is in CSS pixels.
 */
export class Camera {
  x = 0;
  y = 0;
  /** CSS pixels per world unit. */
  scale = 10;
  width = 0;
  height = 0;

  /** Resizes the canvas to its box; true when it changed (the context's transform was reset). */
  fit(canvas: HTMLCanvasElement, ratio = window.devicePixelRatio || 1): boolean {
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    const pixelWidth = Math.max(1, Math.round(width * ratio));
    const pixelHeight = Math.max(1, Math.round(height * ratio));
    this.width = width;
    this.height = height;
    this.scale = Math.max(2, Math.min(width, height) / UNITS_ACROSS);
    if (canvas.width === pixelWidth && canvas.height === pixelHeight) return false;
    canvas.width = pixelWidth;
    canvas.height = pixelHeight;
    return true;
  }

  follow(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  /** Sets the context so that world units can be drawn directly. */
  apply(context: CanvasRenderingContext2D, ratio: number): void {
    const scale = this.scale * ratio;
    context.setTransform(
      scale,
      0,
      0,
      scale,
      (this.width / 2 - this.x * this.scale) * ratio,
      (this.height / 2 - this.y * this.scale) * ratio,
    );
  }

  /** A world point in CSS pixels of the canvas. */
  toScreen(x: number, y: number): { x: number; y: number } {
    return { x: (x - this.x) * this.scale + this.width / 2, y: (y - this.y) * this.scale + this.height / 2 };
  }

  /** Whether a circle around a world point is on screen at all (what is not is not drawn). */
  sees(x: number, y: number, radius: number): boolean {
    const at = this.toScreen(x, y);
    const r = radius * this.scale;
    return at.x > -r && at.y > -r && at.x < this.width + r && at.y < this.height + r;
  }
}
