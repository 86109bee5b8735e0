// Kept in the repository so tests and benchmarks work on a fresh clone (same generator as the team's shared tool).
// Generate a proto3-JSON history (the format the Temporal CLI and UI export) of a workflow
//   timerLoop(n): for (let i = 0; i < n; i++) await sleep(1000); return n;
// run on task queue "bench", with one workflow task per timer. Usage:
//   node gen-timer-history.js N > history.json      (events = 5N + 5)
// Replays cleanly in the official SDK (checked with N = 1 and N = 2000).
const n = Number(process.argv[2] || 2000);
const b64 = (s) => Buffer.from(s).toString('base64');
const payload = (v) => ({ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(v)) });
const t0 = Date.parse('2026-01-01T00:00:00Z');
const events = [];
let clock = t0;
function add(type, attrsKey, attrs) {
  const eventId = events.length + 1;
  events.push({
    eventId: String(eventId),
    eventTime: new Date(clock).toISOString(),
    eventType: type,
    taskId: String(1048576 + eventId),
    [attrsKey]: attrs,
  });
  clock += 5;
  return eventId;
}
function workflowTask() {
  const scheduled = add('EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'workflowTaskScheduledEventAttributes', {
    taskQueue: { name: 'bench', kind: 'TASK_QUEUE_KIND_NORMAL' },
    startToCloseTimeout: '10s',
    attempt: 1,
  });
  const started = add('EVENT_TYPE_WORKFLOW_TASK_STARTED', 'workflowTaskStartedEventAttributes', {
    scheduledEventId: String(scheduled),
    identity: 'bench-worker',
    requestId: `req-${scheduled}`,
    historySizeBytes: '1024',
  });
  return add('EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 'workflowTaskCompletedEventAttributes', {
    scheduledEventId: String(scheduled),
    startedEventId: String(started),
    identity: 'bench-worker',
  });
}
add('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'workflowExecutionStartedEventAttributes', {
  workflowType: { name: 'timerLoop' },
  taskQueue: { name: 'bench', kind: 'TASK_QUEUE_KIND_NORMAL' },
  input: { payloads: [payload(n)] },
  workflowExecutionTimeout: '0s',
  workflowRunTimeout: '0s',
  workflowTaskTimeout: '10s',
  originalExecutionRunId: '00000000-0000-4000-8000-000000000001',
  identity: 'bench-client',
  firstExecutionRunId: '00000000-0000-4000-8000-000000000001',
  attempt: 1,
  header: {},
  workflowId: 'bench-timer-loop',
});
let completed = workflowTask();
for (let i = 1; i <= n; i++) {
  const started = add('EVENT_TYPE_TIMER_STARTED', 'timerStartedEventAttributes', {
    timerId: String(i),
    startToFireTimeout: '1s',
    workflowTaskCompletedEventId: String(completed),
  });
  clock += 1000;
  add('EVENT_TYPE_TIMER_FIRED', 'timerFiredEventAttributes', { timerId: String(i), startedEventId: String(started) });
  completed = workflowTask();
}
add('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED', 'workflowExecutionCompletedEventAttributes', {
  result: { payloads: [payload(n)] },
  workflowTaskCompletedEventId: String(completed),
});
process.stdout.write(JSON.stringify({ events }));
