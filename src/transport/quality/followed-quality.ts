import { type Disposer, Emitter } from '../../common/index.js';
import type { QualityGrade } from './grade.js';
import type { LinkQuality, QualityChange, QualityView } from './quality-monitor.js';

/**
 * The quality of whichever path a link uses now (a failover link's direct or fallback path): one
 * object to subscribe to, whose `change` fires when the followed path's grade changes or when the link
 * moves to a path with another grade.
 */
export class FollowedQuality implements QualityView {
  readonly #events = new Emitter<{ change: QualityChange }>();
  #source: QualityView;
  #dispose: Disposer;
  #grade: QualityGrade;

  constructor(source: QualityView) {
    this.#source = source;
    this.#grade = source.grade;
    this.#dispose = source.on('change', () => this.#refresh());
  }

  get grade(): QualityGrade {
    return this.#grade;
  }

  snapshot(): LinkQuality {
    return this.#source.snapshot();
  }

  on(event: 'change', listener: (change: QualityChange) => void): Disposer {
    return this.#events.on(event, listener);
  }

  follow(source: QualityView): void {
    if (source === this.#source) return;
    this.#dispose();
    this.#source = source;
    this.#dispose = source.on('change', () => this.#refresh());
    this.#refresh();
  }

  #refresh(): void {
    const grade = this.#source.grade;
    if (grade === this.#grade) return;
    const previous = this.#grade;
    this.#grade = grade;
    this.#events.emit('change', { grade, previous, quality: this.#source.snapshot() });
  }
}
