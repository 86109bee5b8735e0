import { condition, defineSignal, metricMeter, proxyActivities, setHandler } from '@kairos/workflow';

const { recordActivityMetrics } = proxyActivities<{ recordActivityMetrics(n: number): Promise<void> }>({
  startToCloseTimeout: '10s',
});

export const releaseSignal = defineSignal('release');

/**
 * Records custom metrics before and after an activity, then waits for `release` when asked to. With the worker's
 * cache off, every task replays the code before the activity: replay must not count it again.
 */
export async function metricsWorkflow(waitForRelease: boolean): Promise<void> {
  let released = false;
  setHandler(releaseSignal, () => void (released = true));
  const counter = metricMeter.createCounter('workflow_custom_counter', 'runs', 'Counted by workflow code');
  const histogram = metricMeter.createHistogram('workflow_custom_histogram', 'float', 'ms');
  const gauge = metricMeter.createGauge('workflow_custom_gauge');
  const inFlight = metricMeter.createUpDownCounter!('workflow_custom_in_flight');
  counter.withTags({ step: 'before' }).add(1);
  inFlight.add(1);
  histogram.record(12.5);
  await recordActivityMetrics(3);
  counter.add(1, { step: 'after' });
  gauge.set(7);
  if (waitForRelease) await condition(() => released);
  inFlight.add(-1);
}
