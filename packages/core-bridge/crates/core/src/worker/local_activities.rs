//! Local activities: runs them through the worker's activity poll (tokens start with
//! `local_act_`), retries failed attempts in core per their retry policy, hands long backoffs
//! back to the workflow (DoBackoff), enforces schedule-to-start, start-to-close and
//! schedule-to-close timeouts, and reports outcomes to the workflow side.
//!
//! One attempt's life: queued (after any retry backoff) → waiting for a local activity slot →
//! waiting in the dispatch queue for the worker's activity poll → handed out → completed,
//! cancelled or timed out. Schedule-to-start covers everything before the hand-out; an attempt
//! that is not handed out in time resolves as a SCHEDULE_TO_START timeout (not retried) and is
//! never handed out. When a run leaves the cache, its local activities are abandoned: queued
//! attempts are dropped, handed-out ones get a cancel task and their results are ignored.
use crate::errors::CoreError;
use crate::protos::kairos::core::activity::{
    ActivityCancelReason, ActivityCancellationDetails, ActivityTask, CancelActivity, StartActivity,
    activity_execution_result::Status, activity_task::Variant,
};
use crate::protos::temporal::api::common::v1::{RetryPolicy, WorkflowExecution};
use crate::protos::temporal::api::enums::v1::TimeoutType;
use crate::protos::temporal::api::failure::v1::{Failure, TimeoutFailureInfo, failure::FailureInfo};
use crate::telemetry::metrics::Metrics;
use crate::workflow::machines::local_activity::{LocalActivityOutcome, LocalActivityRequest, LocalActivityResolution};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

/// Token prefix that marks local activity tasks.
pub const LOCAL_ACTIVITY_TOKEN_PREFIX: &[u8] = b"local_act_";

/// Where a local activity's outcome goes: the run it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct LaResolution {
    pub run_id: String,
    pub resolution: LocalActivityResolution,
}

/// Workflow context a local activity task carries.
#[derive(Debug, Clone, Default)]
pub(crate) struct LaContext {
    pub namespace: String,
    pub workflow_id: String,
    pub workflow_type: String,
    pub run_id: String,
    pub task_queue: String,
}

struct Running {
    ctx: LaContext,
    req: LocalActivityRequest,
    attempt: u32,
    first_scheduled: SystemTime,
    started: Instant,
    /// The workflow no longer waits for this attempt (try-cancel/abandon, a timeout fired, or
    /// the run was evicted): its result is ignored.
    detached: bool,
    cancel_sent: bool,
    /// Fired when the worker's activity poll takes the task; `None` once it has.
    hand_out: Option<oneshot::Sender<()>>,
    /// The local activity slot, released when the attempt ends.
    _permit: OwnedSemaphorePermit,
    /// Dropped with the attempt, which ends its timeout timer.
    _done: oneshot::Sender<()>,
}

impl Running {
    fn handed_out(&self) -> bool {
        self.hand_out.is_none()
    }
}

/// The attempt a local activity is at.
struct Current {
    token: Vec<u8>,
    attempt: u32,
    first_scheduled: SystemTime,
}

pub(crate) struct LocalActivities {
    dispatch_tx: mpsc::UnboundedSender<ActivityTask>,
    dispatch_rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<ActivityTask>>,
    /// Attempts that hold a slot, by task token. Lock order: `running`, then `by_key`.
    running: Mutex<HashMap<Vec<u8>, Running>>,
    /// The current attempt of each local activity the workflow still waits for, by (run, seq).
    by_key: Mutex<HashMap<(String, u32), Current>>,
    resolutions: mpsc::UnboundedSender<LaResolution>,
    slots: Arc<Semaphore>,
    counter: std::sync::atomic::AtomicU64,
    metrics: Option<Arc<Metrics>>,
}

fn to_duration(d: Option<prost_types::Duration>) -> Option<Duration> {
    d.and_then(|d| Duration::try_from(d).ok()).filter(|d| !d.is_zero())
}

/// Backoff before attempt `attempt + 1`, or None when the policy allows no more attempts.
pub(crate) fn next_backoff(policy: &RetryPolicy, attempt: u32, failure: &Failure) -> Option<Duration> {
    if let Some(FailureInfo::ApplicationFailureInfo(info)) = &failure.failure_info {
        if info.non_retryable || policy.non_retryable_error_types.contains(&info.r#type) {
            return None;
        }
        if let Some(d) = to_duration(info.next_retry_delay) {
            return Some(d);
        }
    }
    if policy.maximum_attempts > 0 && attempt >= policy.maximum_attempts as u32 {
        return None;
    }
    let initial = to_duration(policy.initial_interval).unwrap_or(Duration::from_secs(1));
    let coefficient = if policy.backoff_coefficient >= 1.0 {
        policy.backoff_coefficient
    } else {
        2.0
    };
    let max = to_duration(policy.maximum_interval).unwrap_or(initial * 100);
    let factor = coefficient.powi(attempt.saturating_sub(1).min(64) as i32);
    Some(initial.mul_f64(factor.min(1e9)).min(max))
}

fn timeout_failure(kind: TimeoutType) -> Failure {
    Failure {
        message: "Activity timed out".into(),
        failure_info: Some(FailureInfo::TimeoutFailureInfo(TimeoutFailureInfo {
            timeout_type: kind as i32,
            last_heartbeat_details: None,
        })),
        ..Default::default()
    }
}

/// When an attempt that has not been handed out yet gives up: the schedule-to-start timeout, or
/// schedule-to-close if that comes first. Measured from `now`, with `elapsed` since the first
/// attempt was scheduled.
fn start_deadline(
    cmd: &crate::protos::kairos::core::commands::ScheduleLocalActivity,
    elapsed: Duration,
) -> Option<(Duration, TimeoutType)> {
    let to_start = to_duration(cmd.schedule_to_start_timeout).map(|d| (d, TimeoutType::ScheduleToStart));
    let to_close =
        to_duration(cmd.schedule_to_close_timeout).map(|d| (d.saturating_sub(elapsed), TimeoutType::ScheduleToClose));
    match (to_start, to_close) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

impl LocalActivities {
    pub(crate) fn new(
        max_concurrent: usize,
        resolutions: mpsc::UnboundedSender<LaResolution>,
        metrics: Option<Arc<Metrics>>,
    ) -> Arc<Self> {
        let (dispatch_tx, dispatch_rx) = mpsc::unbounded_channel();
        Arc::new(LocalActivities {
            metrics,
            dispatch_tx,
            dispatch_rx: tokio::sync::Mutex::new(dispatch_rx),
            running: Mutex::new(HashMap::new()),
            by_key: Mutex::new(HashMap::new()),
            resolutions,
            slots: Arc::new(Semaphore::new(max_concurrent)),
            counter: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// The slot pool, for the slot gauges.
    pub(crate) fn slots(&self) -> &Arc<Semaphore> {
        &self.slots
    }

    /// Counts `name` (labelled with the activity's namespace, task queue, workflow and activity
    /// type), and records `latency_ms` under `histogram` if given.
    fn record(
        &self,
        ctx: &LaContext,
        req: &LocalActivityRequest,
        counter: Option<&str>,
        histogram: Option<(&str, f64)>,
    ) {
        let Some(m) = &self.metrics else { return };
        let labels = [
            ("namespace", ctx.namespace.clone()),
            ("task_queue", ctx.task_queue.clone()),
            ("workflow_type", ctx.workflow_type.clone()),
            ("activity_type", req.cmd.activity_type.clone()),
        ];
        if let Some(name) = counter {
            m.add_counter(name, &labels, 1);
        }
        if let Some((name, ms)) = histogram {
            m.record_histogram(name, &labels, ms);
        }
    }

    pub(crate) fn is_local_token(token: &[u8]) -> bool {
        token.starts_with(LOCAL_ACTIVITY_TOKEN_PREFIX)
    }

    /// Starts a local activity unless an attempt of it is already under way (the workflow sent
    /// the same schedule again; the attempt under way provides the outcome).
    pub(crate) fn start(self: &Arc<Self>, ctx: LaContext, req: LocalActivityRequest) {
        let key = (ctx.run_id.clone(), req.cmd.seq);
        if self.by_key.lock().contains_key(&key) {
            return;
        }
        let attempt = req.cmd.attempt.max(1);
        let first = req
            .cmd
            .original_schedule_time
            .and_then(|t| SystemTime::try_from(t).ok())
            .unwrap_or_else(SystemTime::now);
        self.dispatch(ctx, req, attempt, first, Duration::ZERO);
    }

    /// Whether `token` is still the current attempt of (run, seq).
    fn is_current(&self, key: &(String, u32), token: &[u8]) -> bool {
        self.by_key.lock().get(key).is_some_and(|c| c.token == token)
    }

    fn dispatch(
        self: &Arc<Self>,
        ctx: LaContext,
        req: LocalActivityRequest,
        attempt: u32,
        first_scheduled: SystemTime,
        delay: Duration,
    ) {
        let me = self.clone();
        let n = self.counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut token = LOCAL_ACTIVITY_TOKEN_PREFIX.to_vec();
        token.extend_from_slice(format!("{}-{}-{}", req.cmd.seq, attempt, n).as_bytes());
        let key = (ctx.run_id.clone(), req.cmd.seq);
        me.by_key.lock().insert(
            key.clone(),
            Current {
                token: token.clone(),
                attempt,
                first_scheduled,
            },
        );
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            // Cancelled, or its run evicted, during the backoff.
            if !me.is_current(&key, &token) {
                return;
            }
            let elapsed = SystemTime::now().duration_since(first_scheduled).unwrap_or_default();
            let deadline = start_deadline(&req.cmd, elapsed).map(|(d, kind)| (tokio::time::Instant::now() + d, kind));
            let acquire = me.slots.clone().acquire_owned();
            let permit = match deadline {
                Some((at, kind)) => match tokio::time::timeout_at(at, acquire).await {
                    Ok(p) => p,
                    Err(_) => {
                        if me.is_current(&key, &token) {
                            me.resolve(
                                &ctx,
                                &req,
                                attempt,
                                first_scheduled,
                                Instant::now(),
                                LocalActivityOutcome::Failed(timeout_failure(kind)),
                            );
                        }
                        return;
                    }
                },
                None => acquire.await,
            };
            let Ok(permit) = permit else { return };
            if !me.is_current(&key, &token) {
                return;
            }
            let cmd = &req.cmd;
            let schedule_to_close = to_duration(cmd.schedule_to_close_timeout);
            let start_to_close = to_duration(cmd.start_to_close_timeout)
                .map(|s| schedule_to_close.map_or(s, |c| s.min(c)))
                .or(schedule_to_close);
            let task = ActivityTask {
                task_token: token.clone(),
                variant: Some(Variant::Start(StartActivity {
                    workflow_namespace: ctx.namespace.clone(),
                    workflow_type: ctx.workflow_type.clone(),
                    workflow_execution: Some(WorkflowExecution {
                        workflow_id: ctx.workflow_id.clone(),
                        run_id: ctx.run_id.clone(),
                    }),
                    activity_id: cmd.activity_id.clone(),
                    activity_type: cmd.activity_type.clone(),
                    headers: cmd.headers.clone(),
                    input: cmd.arguments.clone(),
                    heartbeat_details: vec![],
                    scheduled_time: Some(prost_types::Timestamp::from(first_scheduled)),
                    current_attempt_scheduled_time: Some(prost_types::Timestamp::from(SystemTime::now())),
                    started_time: Some(prost_types::Timestamp::from(SystemTime::now())),
                    attempt,
                    schedule_to_close_timeout: cmd.schedule_to_close_timeout,
                    start_to_close_timeout: start_to_close.and_then(|d| prost_types::Duration::try_from(d).ok()),
                    heartbeat_timeout: None,
                    retry_policy: Some(cmd.retry_policy.clone().unwrap_or_default()),
                    priority: None,
                    is_local: true,
                    task_queue: ctx.task_queue.clone(),
                    activity_run_id: String::new(),
                })),
            };
            let (hand_out_tx, hand_out_rx) = oneshot::channel();
            let (done_tx, done_rx) = oneshot::channel::<()>();
            me.running.lock().insert(
                token.clone(),
                Running {
                    ctx,
                    req: req.clone(),
                    attempt,
                    first_scheduled,
                    started: Instant::now(),
                    detached: false,
                    cancel_sent: false,
                    hand_out: Some(hand_out_tx),
                    _permit: permit,
                    _done: done_tx,
                },
            );
            let _ = me.dispatch_tx.send(task);
            let handed_out = match deadline {
                Some((at, kind)) => match tokio::time::timeout_at(at, hand_out_rx).await {
                    Ok(r) => r.is_ok(),
                    Err(_) => {
                        me.expire_before_hand_out(&token, kind);
                        return;
                    }
                },
                None => hand_out_rx.await.is_ok(),
            };
            if !handed_out {
                // Dropped before the worker took it (cancelled, or the run was evicted).
                return;
            }
            // Start-to-close runs from the hand-out, cut short by what is left of schedule-to-close.
            let timeout = start_to_close.map(|d| {
                let elapsed = SystemTime::now().duration_since(first_scheduled).unwrap_or_default();
                match schedule_to_close {
                    Some(c) if c.saturating_sub(elapsed) < d => {
                        (c.saturating_sub(elapsed), TimeoutType::ScheduleToClose)
                    }
                    _ => (d, TimeoutType::StartToClose),
                }
            });
            if let Some((after, kind)) = timeout {
                tokio::select! {
                    _ = tokio::time::sleep(after) => me.time_out(&token, kind),
                    _ = done_rx => {}
                }
            }
        });
    }

    /// The attempt was not handed out in time: it will never be, and the workflow is told.
    fn expire_before_hand_out(self: &Arc<Self>, token: &[u8], kind: TimeoutType) {
        let r = {
            let mut running = self.running.lock();
            match running.get(token) {
                Some(r) if !r.handed_out() => running.remove(token),
                _ => None,
            }
        };
        let Some(r) = r else { return };
        if !r.detached {
            self.resolve(
                &r.ctx,
                &r.req,
                r.attempt,
                r.first_scheduled,
                r.started,
                LocalActivityOutcome::Failed(timeout_failure(kind)),
            );
        }
    }

    fn time_out(self: &Arc<Self>, token: &[u8], kind: TimeoutType) {
        let running = {
            let mut running = self.running.lock();
            let Some(r) = running.get_mut(token) else { return };
            if r.detached {
                return;
            }
            r.detached = true;
            r.cancel_sent = true;
            (r.ctx.clone(), r.req.clone(), r.attempt, r.first_scheduled, r.started)
        };
        let _ = self
            .dispatch_tx
            .send(cancel_task(token, ActivityCancelReason::TimedOut));
        let (ctx, req, attempt, first, started) = running;
        self.record(&ctx, &req, Some("local_activity_execution_failed"), None);
        self.settle(
            ctx,
            req,
            attempt,
            first,
            started,
            Err(timeout_failure(kind)),
            kind == TimeoutType::StartToClose,
        );
    }

    /// Next task for the activity poll. Start tasks whose attempt was dropped or timed out before
    /// being handed out are skipped.
    pub(crate) async fn next(&self) -> Option<ActivityTask> {
        let mut rx = self.dispatch_rx.lock().await;
        loop {
            let task = rx.recv().await?;
            if !matches!(task.variant, Some(Variant::Start(_))) {
                return Some(task);
            }
            let mut running = self.running.lock();
            let Some(r) = running.get_mut(&task.task_token) else {
                continue;
            };
            if let Some(tx) = r.hand_out.take() {
                let _ = tx.send(());
                r.started = Instant::now();
                self.record(&r.ctx, &r.req, Some("local_activity_total"), None);
                return Some(task);
            }
        }
    }

    /// Cancels the local activity `seq` of `run_id`. With `wait`, the workflow waits for the
    /// attempt's cancelled result; otherwise it has already been told and the result is ignored.
    pub(crate) fn cancel(self: &Arc<Self>, run_id: &str, seq: u32, wait: bool) {
        let key = (run_id.to_string(), seq);
        let Some((token, attempt, first)) = self
            .by_key
            .lock()
            .get(&key)
            .map(|c| (c.token.clone(), c.attempt, c.first_scheduled))
        else {
            return;
        };
        let mut running = self.running.lock();
        match running.get_mut(&token) {
            Some(r) if r.handed_out() => {
                if !wait {
                    r.detached = true;
                }
                if !r.cancel_sent {
                    r.cancel_sent = true;
                    let _ = self
                        .dispatch_tx
                        .send(cancel_task(&token, ActivityCancelReason::Cancelled));
                }
                return;
            }
            // Queued for the poll but not taken: the worker never sees it.
            Some(_) => {
                running.remove(&token);
            }
            // Backing off before a retry, or waiting for a slot.
            None => {}
        }
        drop(running);
        self.by_key.lock().remove(&key);
        if wait {
            let _ = self.resolutions.send(LaResolution {
                run_id: run_id.to_string(),
                resolution: LocalActivityResolution {
                    seq,
                    status: LocalActivityOutcome::Cancelled(cancelled_failure()),
                    attempt,
                    original_schedule_time: Some(prost_types::Timestamp::from(first)),
                    runtime: Duration::ZERO,
                },
            });
        }
    }

    /// The run left the cache: its local activities are abandoned. Attempts not handed out yet
    /// are dropped; handed-out ones get a cancel task (the worker must still complete them) and
    /// their results are ignored. Scheduling them again (the run came back) starts new attempts.
    pub(crate) fn abandon_run(&self, run_id: &str) {
        let mut running = self.running.lock();
        let tokens: Vec<Vec<u8>> = {
            let mut by_key = self.by_key.lock();
            let keys: Vec<(String, u32)> = by_key.keys().filter(|(r, _)| r == run_id).cloned().collect();
            keys.iter().filter_map(|k| by_key.remove(k)).map(|c| c.token).collect()
        };
        for token in tokens {
            let Some(r) = running.get_mut(&token) else { continue };
            if !r.handed_out() {
                running.remove(&token);
                continue;
            }
            r.detached = true;
            if !r.cancel_sent {
                r.cancel_sent = true;
                let _ = self
                    .dispatch_tx
                    .send(cancel_task(&token, ActivityCancelReason::Cancelled));
            }
        }
    }

    /// The worker completed a local activity attempt.
    pub(crate) fn complete(self: &Arc<Self>, token: &[u8], status: Status) -> Result<(), CoreError> {
        let Some(r) = self.running.lock().remove(token) else {
            return Err(CoreError::UnknownTaskToken(String::from_utf8_lossy(token).into_owned()));
        };
        if r.detached {
            let key = (r.ctx.run_id.clone(), r.req.cmd.seq);
            let mut by_key = self.by_key.lock();
            if by_key.get(&key).is_some_and(|c| c.token == token) {
                by_key.remove(&key);
            }
            return Ok(());
        }
        let outcome = match status {
            Status::Completed(s) => Ok(Ok(s.result)),
            Status::Failed(f) => Err(f.failure.unwrap_or_default()),
            Status::Cancelled(c) => Ok(Err(c.failure.unwrap_or_default())),
            Status::WillCompleteAsync(_) => {
                return Err(CoreError::InvalidInput(
                    "local activities cannot complete asynchronously".into(),
                ));
            }
        };
        let execution = (
            "local_activity_execution_latency",
            r.started.elapsed().as_secs_f64() * 1000.0,
        );
        match &outcome {
            Ok(Ok(_)) => {
                self.record(&r.ctx, &r.req, None, Some(execution));
                let end_to_end = SystemTime::now().duration_since(r.first_scheduled).unwrap_or_default();
                self.record(
                    &r.ctx,
                    &r.req,
                    None,
                    Some((
                        "local_activity_succeed_endtoend_latency",
                        end_to_end.as_secs_f64() * 1000.0,
                    )),
                );
            }
            Ok(Err(_)) => self.record(
                &r.ctx,
                &r.req,
                Some("local_activity_execution_cancelled"),
                Some(execution),
            ),
            Err(_) => self.record(&r.ctx, &r.req, Some("local_activity_execution_failed"), Some(execution)),
        }
        match outcome {
            Ok(Ok(result)) => self.resolve(
                &r.ctx,
                &r.req,
                r.attempt,
                r.first_scheduled,
                r.started,
                LocalActivityOutcome::Completed(result),
            ),
            Ok(Err(f)) => self.resolve(
                &r.ctx,
                &r.req,
                r.attempt,
                r.first_scheduled,
                r.started,
                LocalActivityOutcome::Cancelled(f),
            ),
            Err(f) => self.settle(r.ctx, r.req, r.attempt, r.first_scheduled, r.started, Err(f), true),
        }
        Ok(())
    }

    /// A failed attempt: retry in core, hand a long backoff to the workflow, or give up.
    #[allow(clippy::too_many_arguments)]
    fn settle(
        self: &Arc<Self>,
        ctx: LaContext,
        req: LocalActivityRequest,
        attempt: u32,
        first: SystemTime,
        started: Instant,
        failure: Result<(), Failure>,
        retryable: bool,
    ) {
        let Err(failure) = failure else { return };
        let policy = req.cmd.retry_policy.clone().unwrap_or_default();
        let backoff = if retryable {
            next_backoff(&policy, attempt, &failure)
        } else {
            None
        };
        let elapsed = SystemTime::now().duration_since(first).unwrap_or_default();
        let within_deadline =
            |b: Duration| to_duration(req.cmd.schedule_to_close_timeout).is_none_or(|c| elapsed + b < c);
        let threshold = to_duration(req.cmd.local_retry_threshold).unwrap_or(Duration::from_secs(60));
        match backoff {
            Some(b) if within_deadline(b) && b <= threshold => self.dispatch(ctx, req, attempt + 1, first, b),
            Some(b) if within_deadline(b) => {
                let backoff = prost_types::Duration::try_from(b).unwrap_or_default();
                self.resolve(
                    &ctx,
                    &req,
                    attempt,
                    first,
                    started,
                    LocalActivityOutcome::Backoff {
                        failure,
                        next_attempt: attempt + 1,
                        backoff,
                    },
                );
            }
            _ => self.resolve(
                &ctx,
                &req,
                attempt,
                first,
                started,
                LocalActivityOutcome::Failed(failure),
            ),
        }
    }

    fn resolve(
        &self,
        ctx: &LaContext,
        req: &LocalActivityRequest,
        attempt: u32,
        first: SystemTime,
        started: Instant,
        status: LocalActivityOutcome,
    ) {
        self.by_key.lock().remove(&(ctx.run_id.clone(), req.cmd.seq));
        let _ = self.resolutions.send(LaResolution {
            run_id: ctx.run_id.clone(),
            resolution: LocalActivityResolution {
                seq: req.cmd.seq,
                status,
                attempt,
                original_schedule_time: Some(prost_types::Timestamp::from(first)),
                runtime: started.elapsed(),
            },
        });
    }

    /// Local activities not finished yet: attempts holding a slot (including abandoned ones the
    /// worker still has to complete) and ones waiting for a retry or a slot.
    pub(crate) fn running_count(&self) -> usize {
        let running = self.running.lock();
        let waiting = self
            .by_key
            .lock()
            .values()
            .filter(|c| !running.contains_key(&c.token))
            .count();
        running.len() + waiting
    }
}

fn cancelled_failure() -> Failure {
    crate::workflow::machines::cancelled_failure("Activity cancelled")
}

fn cancel_task(token: &[u8], reason: ActivityCancelReason) -> ActivityTask {
    ActivityTask {
        task_token: token.to_vec(),
        variant: Some(Variant::Cancel(CancelActivity {
            reason: reason as i32,
            details: Some(ActivityCancellationDetails {
                is_cancelled: reason == ActivityCancelReason::Cancelled,
                is_timed_out: reason == ActivityCancelReason::TimedOut,
                ..Default::default()
            }),
        })),
    }
}

#[cfg(test)]
mod tests;
