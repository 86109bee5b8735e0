import { enums } from '../internal/proto';
import { HistoryEngine } from './engine';
import { Execution, isRunning } from './mutable-state';
import { activityDeadline, checkActivityTimeouts } from './activities';
import { checkWorkflowTaskTimeouts, workflowTaskDeadline } from './workflow-tasks';
import { timeOutRun } from './workflow-lifecycle';
import { checkNexusTimeouts, nexusDeadline } from '../nexus/nexus-operations';

const ET = enums.EventType;

function runDeadline(ex: Execution): number | undefined {
  const s = ex.state;
  let min = s.executionExpirationTime;
  if (s.runTimeoutMs > 0) {
    const run = s.executionTime + s.runTimeoutMs;
    if (min === undefined || run < min) min = run;
  }
  return min;
}

/** The earliest time anything of a run is due: timers, timeouts, backoffs. */
export function executionDeadline(ex: Execution): number | undefined {
  const s = ex.state;
  if (!isRunning(s)) return undefined;
  let min: number | undefined;
  const consider = (t: number | undefined) => {
    if (t !== undefined && (min === undefined || t < min)) min = t;
  };
  consider(runDeadline(ex));
  consider(s.firstWftAt);
  consider(workflowTaskDeadline(ex));
  consider(activityDeadline(ex));
  consider(nexusDeadline(ex));
  for (const t of Object.values(s.timers)) consider(t.fireAt);
  return min;
}

/** Handles everything of a run that is due now, as one transaction. */
export function processDeadlines(engine: HistoryEngine, ex: Execution): void {
  engine.tx((tx) => {
    const s = ex.state;
    if (!isRunning(s)) return;
    const runEnd = runDeadline(ex);
    if (runEnd !== undefined && tx.now >= runEnd) {
      timeOutRun(engine, tx, ex);
      return;
    }
    if (s.firstWftAt !== undefined && tx.now >= s.firstWftAt) {
      engine.scheduleWorkflowTask(ex, tx);
    }
    checkWorkflowTaskTimeouts(engine, tx, ex);
    checkActivityTimeouts(engine, tx, ex);
    checkNexusTimeouts(engine, tx, ex);
    const due = Object.values(s.timers)
      .filter((t) => tx.now >= t.fireAt)
      .sort((a, b) => a.fireAt - b.fireAt || a.startedEventId - b.startedEventId);
    for (const t of due) {
      delete s.timers[t.timerId];
      engine.addExternalEvent(ex, tx, ET.EVENT_TYPE_TIMER_FIRED, {
        timerId: t.timerId,
        startedEventId: t.startedEventId,
      });
    }
    // Stored, but a transition only if something above wrote one (a due backoff alone is none).
    tx.touchInMemory(ex);
  });
}
