/**
 * The renderer main thread's busy share from two Performance.getMetrics answers: Chromium's counters
 * TaskDuration (all main-thread tasks) and ScriptDuration (JavaScript in them) are cumulative seconds, and
 * Timestamp is the moment of the reading (seconds), so the deltas over the Timestamp delta are the share
 * of each second the thread spent busy. Under CPU throttling the suspended time falls inside the tasks,
 * so the share is the one a device that much slower would see.
 */

export interface Metric {
  name: string;
  value: number;
}

export interface BusyShare {
  /** Seconds between the two readings. */
  seconds: number;
  /** Main-thread task time per second (0..1). */
  task: number;
  /** JavaScript time per second (0..1). */
  script: number;
}

function metricValue(metrics: readonly Metric[], name: string): number {
  const found = metrics.find((metric) => metric.name === name);
  if (!found) throw new Error(`Performance.getMetrics gave no ${name}`);
  return found.value;
}

export function busyShare(before: readonly Metric[], after: readonly Metric[]): BusyShare {
  const seconds = metricValue(after, 'Timestamp') - metricValue(before, 'Timestamp');
  if (!(seconds > 0)) throw new Error(`readings ${seconds} s apart: no window`);
  const per = (name: string) => (metricValue(after, name) - metricValue(before, name)) / seconds;
  return { seconds, task: per('TaskDuration'), script: per('ScriptDuration') };
}
