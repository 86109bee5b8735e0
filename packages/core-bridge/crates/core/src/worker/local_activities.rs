//! Local activities: runs them through the worker's activity poll (tokens start with
//! `local_act_`), retries failed attempts in core per their retry policy, hands long backoffs
//! back to the workflow (DoBackoff), enforces start-to-close and schedule-to-close timeouts, and
//! reports outcomes to the workflow side.
use crate::errors::CoreError;
use crate::protos::kairos::core::activity::{
    ActivityCancelReason, ActivityCancellationDetails, ActivityTask, CancelActivity, StartActivity,
    activity_execution_result::Status, activity_task::Variant,
};
use crate::protos::temporal::api::common::v1::{RetryPolicy, WorkflowExecution};
use crate::protos::temporal::api::enums::v1::TimeoutType;
use crate::protos::temporal::api::failure::v1::{Failure, TimeoutFailureInfo, failure::FailureInfo};
use crate::workflow::machines::local_activity::{LocalActivityOutcome, LocalActivityRequest, LocalActivityResolution};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{Semaphore, mpsc};

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
    /// The workflow no longer waits for this attempt (try-cancel/abandon, or a timeout fired).
    detached: bool,
    cancel_sent: bool,
}

pub(crate) struct LocalActivities {
    dispatch_tx: mpsc::UnboundedSender<ActivityTask>,
    dispatch_rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<ActivityTask>>,
    running: Mutex<HashMap<Vec<u8>, Running>>,
    by_key: Mutex<HashMap<(String, u32), Vec<u8>>>,
    resolutions: mpsc::UnboundedSender<LaResolution>,
    slots: Arc<Semaphore>,
    counter: std::sync::atomic::AtomicU64,
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
    let coefficient = if policy.backoff_coefficient >= 1.0 { policy.backoff_coefficient } else { 2.0 };
    let max = to_duration(policy.maximum_interval).unwrap_or(initial * 100);
    let factor = coefficient.powi(attempt.saturating_sub(1).min(64) as i32);
    Some(initial.mul_f64(factor.min(1e9)).min(max))
}

fn timeout_failure(kind: TimeoutType) -> Failure {
    Failure {
        message: "local activity timed out".into(),
        failure_info: Some(FailureInfo::TimeoutFailureInfo(TimeoutFailureInfo { timeout_type: kind as i32, last_heartbeat_details: None })),
        ..Default::default()
    }
}

impl LocalActivities {
    pub(crate) fn new(max_concurrent: usize, resolutions: mpsc::UnboundedSender<LaResolution>) -> Arc<Self> {
        let (dispatch_tx, dispatch_rx) = mpsc::unbounded_channel();
        Arc::new(LocalActivities {
            dispatch_tx,
            dispatch_rx: tokio::sync::Mutex::new(dispatch_rx),
            running: Mutex::new(HashMap::new()),
            by_key: Mutex::new(HashMap::new()),
            resolutions,
            slots: Arc::new(Semaphore::new(max_concurrent)),
            counter: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub(crate) fn is_local_token(token: &[u8]) -> bool {
        token.starts_with(LOCAL_ACTIVITY_TOKEN_PREFIX)
    }

    /// Starts a local activity unless an attempt of it is already running (after an eviction the
    /// workflow schedules it again; the running attempt's outcome is used).
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

    fn dispatch(self: &Arc<Self>, ctx: LaContext, req: LocalActivityRequest, attempt: u32, first_scheduled: SystemTime, delay: Duration) {
        let me = self.clone();
        let n = self.counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut token = LOCAL_ACTIVITY_TOKEN_PREFIX.to_vec();
        token.extend_from_slice(format!("{}-{}-{}", req.cmd.seq, attempt, n).as_bytes());
        me.by_key.lock().insert((ctx.run_id.clone(), req.cmd.seq), token.clone());
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let permit = match me.slots.clone().acquire_owned().await {
                Ok(p) => p,
                Err(_) => return,
            };
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
                    workflow_execution: Some(WorkflowExecution { workflow_id: ctx.workflow_id.clone(), run_id: ctx.run_id.clone() }),
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
                })),
            };
            me.running.lock().insert(
                token.clone(),
                Running { ctx, req: req.clone(), attempt, first_scheduled, started: Instant::now(), detached: false, cancel_sent: false },
            );
            let _ = me.dispatch_tx.send(task);
            // The permit is held for the attempt's lifetime (until completion or timeout).
            let timeout = start_to_close.map(|d| {
                let elapsed = SystemTime::now().duration_since(first_scheduled).unwrap_or_default();
                match schedule_to_close {
                    Some(c) if c.saturating_sub(elapsed) < d => (c.saturating_sub(elapsed), TimeoutType::ScheduleToClose),
                    _ => (d, TimeoutType::StartToClose),
                }
            });
            if let Some((after, kind)) = timeout {
                tokio::time::sleep(after).await;
                me.time_out(&token, kind);
            } else {
                std::future::pending::<()>().await;
            }
            drop(permit);
        });
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
        let _ = self.dispatch_tx.send(cancel_task(token, ActivityCancelReason::TimedOut));
        let (ctx, req, attempt, first, started) = running;
        self.settle(ctx, req, attempt, first, started, Err(timeout_failure(kind)), kind == TimeoutType::StartToClose);
    }

    /// Next task for the activity poll, if one is queued.
    pub(crate) async fn next(&self) -> Option<ActivityTask> {
        self.dispatch_rx.lock().await.recv().await
    }

    /// Cancels the local activity `seq` of `run_id`. With `wait`, the worker's cancelled
    /// completion resolves it; otherwise the workflow has already been told.
    pub(crate) fn cancel(&self, run_id: &str, seq: u32, wait: bool) {
        let Some(token) = self.by_key.lock().get(&(run_id.to_string(), seq)).cloned() else { return };
        let mut running = self.running.lock();
        match running.get_mut(&token) {
            Some(r) => {
                if !wait {
                    r.detached = true;
                }
                if !r.cancel_sent {
                    r.cancel_sent = true;
                    let _ = self.dispatch_tx.send(cancel_task(&token, ActivityCancelReason::Cancelled));
                }
            }
            None => {
                // Waiting for a retry: resolve as cancelled right away.
                self.by_key.lock().remove(&(run_id.to_string(), seq));
            }
        }
    }

    /// The worker completed a local activity attempt.
    pub(crate) fn complete(self: &Arc<Self>, token: &[u8], status: Status) -> Result<(), CoreError> {
        let Some(r) = self.running.lock().remove(token) else {
            return Err(CoreError::UnknownTaskToken(String::from_utf8_lossy(token).into_owned()));
        };
        if r.detached {
            return Ok(());
        }
        let outcome = match status {
            Status::Completed(s) => Ok(Ok(s.result)),
            Status::Failed(f) => Err(f.failure.unwrap_or_default()),
            Status::Cancelled(c) => Ok(Err(c.failure.unwrap_or_default())),
            Status::WillCompleteAsync(_) => {
                return Err(CoreError::InvalidInput("local activities cannot complete asynchronously".into()));
            }
        };
        match outcome {
            Ok(Ok(result)) => self.resolve(&r.ctx, &r.req, r.attempt, r.first_scheduled, r.started, LocalActivityOutcome::Completed(result)),
            Ok(Err(f)) => self.resolve(&r.ctx, &r.req, r.attempt, r.first_scheduled, r.started, LocalActivityOutcome::Cancelled(f)),
            Err(f) => self.settle(r.ctx, r.req, r.attempt, r.first_scheduled, r.started, Err(f), true),
        }
        Ok(())
    }

    /// A failed attempt: retry in core, hand a long backoff to the workflow, or give up.
    #[allow(clippy::too_many_arguments)]
    fn settle(self: &Arc<Self>, ctx: LaContext, req: LocalActivityRequest, attempt: u32, first: SystemTime, started: Instant, failure: Result<(), Failure>, retryable: bool) {
        let Err(failure) = failure else { return };
        let policy = req.cmd.retry_policy.clone().unwrap_or_default();
        let backoff = if retryable { next_backoff(&policy, attempt, &failure) } else { None };
        let elapsed = SystemTime::now().duration_since(first).unwrap_or_default();
        let within_deadline = |b: Duration| to_duration(req.cmd.schedule_to_close_timeout).is_none_or(|c| elapsed + b < c);
        let threshold = to_duration(req.cmd.local_retry_threshold).unwrap_or(Duration::from_secs(60));
        match backoff {
            Some(b) if within_deadline(b) && b <= threshold => self.dispatch(ctx, req, attempt + 1, first, b),
            Some(b) if within_deadline(b) => {
                let backoff = prost_types::Duration::try_from(b).unwrap_or_default();
                self.resolve(&ctx, &req, attempt, first, started, LocalActivityOutcome::Backoff { failure, next_attempt: attempt + 1, backoff });
            }
            _ => self.resolve(&ctx, &req, attempt, first, started, LocalActivityOutcome::Failed(failure)),
        }
    }

    fn resolve(&self, ctx: &LaContext, req: &LocalActivityRequest, attempt: u32, first: SystemTime, started: Instant, status: LocalActivityOutcome) {
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

    pub(crate) fn running_count(&self) -> usize {
        self.by_key.lock().len()
    }
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
mod tests {
    use super::*;
    use crate::protos::temporal::api::failure::v1::ApplicationFailureInfo;

    fn app_failure(non_retryable: bool, ty: &str) -> Failure {
        Failure {
            message: "x".into(),
            failure_info: Some(FailureInfo::ApplicationFailureInfo(ApplicationFailureInfo { non_retryable, r#type: ty.into(), ..Default::default() })),
            ..Default::default()
        }
    }

    #[test]
    fn backoff_follows_the_retry_policy() {
        let policy = RetryPolicy {
            initial_interval: Some(prost_types::Duration { seconds: 1, nanos: 0 }),
            backoff_coefficient: 2.0,
            maximum_interval: Some(prost_types::Duration { seconds: 5, nanos: 0 }),
            maximum_attempts: 4,
            non_retryable_error_types: vec!["Fatal".into()],
        };
        let f = app_failure(false, "Boom");
        assert_eq!(next_backoff(&policy, 1, &f), Some(Duration::from_secs(1)));
        assert_eq!(next_backoff(&policy, 2, &f), Some(Duration::from_secs(2)));
        assert_eq!(next_backoff(&policy, 3, &f), Some(Duration::from_secs(4)));
        assert_eq!(next_backoff(&policy, 4, &f), None, "max attempts reached");
        assert_eq!(next_backoff(&policy, 1, &app_failure(true, "Boom")), None, "non-retryable failure");
        assert_eq!(next_backoff(&policy, 1, &app_failure(false, "Fatal")), None, "non-retryable type");
        let unlimited = RetryPolicy::default();
        assert_eq!(next_backoff(&unlimited, 30, &f), Some(Duration::from_secs(100)), "capped at 100x initial");
    }
}
