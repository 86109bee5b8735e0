//! Nexus tasks: polls the Nexus task queue, hands requests to the worker and reports responses.
//!
//! The core also tells the worker to stop working on a task it holds, with a `cancel_task`
//! delivered through the same poll (ahead of new tasks): when the request's deadline (its
//! Request-Timeout header) passes (TIMED_OUT), and when the graceful shutdown period ends with the
//! task still held (WORKER_SHUTDOWN). A cancel is not a task of its own: the worker still completes
//! the original task (with `ack_cancel` when its handler was aborted). At most one cancel is sent
//! per task, and none for a task already completed. After shutdown starts, the poll keeps
//! delivering cancels and only reports `ShutDown` once every held task is completed;
//! `finalize_shutdown` waits for that.
use super::config::WorkerConfig;
use crate::connection::{Connection, long_poll, request};
use crate::errors::CoreError;
use crate::protos::kairos::core::nexus::{
    CancelNexusTask, NexusTask, NexusTaskCancelReason, NexusTaskCompletion, nexus_task::Variant,
    nexus_task_completion::Status,
};
use crate::protos::temporal::api::enums::v1::TaskQueueKind;
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::protos::temporal::api::workflowservice::v1::{
    PollNexusTaskQueueRequest, PollNexusTaskQueueResponse, RespondNexusTaskCompletedRequest,
    RespondNexusTaskFailedRequest,
};
use crate::telemetry::metrics::{millis_between, millis_since};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};

enum Polled {
    Task {
        resp: Box<PollNexusTaskQueueResponse>,
        permit: OwnedSemaphorePermit,
        received: Instant,
    },
    Fatal(CoreError),
}

/// Parses a Request-Timeout header value. The Nexus spec allows a decimal number with `ms`, `s`
/// or `m`; the Temporal server writes Go duration strings, which may chain several units
/// ("1m30.5s"), use `h`, `us`/`µs` or `ns`, or be negative when the deadline had already passed
/// when the task was dispatched (read as zero: no time left).
pub(crate) fn parse_request_timeout(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (negative, mut rest) = match v.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    if rest.is_empty() {
        return None;
    }
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    let mut seconds = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return None;
        }
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit_seconds = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" | "μs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        seconds += number * unit_seconds;
        rest = &rest[unit_len..];
    }
    if negative {
        return Some(Duration::ZERO);
    }
    Duration::try_from_secs_f64(seconds).ok()
}

/// The request's timeout from its Request-Timeout header, if it has a valid one.
fn request_timeout(resp: &PollNexusTaskQueueResponse) -> Option<Duration> {
    let header = resp
        .request
        .as_ref()?
        .header
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("request-timeout"))?;
    let parsed = parse_request_timeout(header.1);
    if parsed.is_none() {
        tracing::warn!(value = %header.1, "ignoring a Nexus Request-Timeout header that is not a duration");
    }
    parsed
}

/// One task the worker holds.
struct Held {
    _permit: Option<OwnedSemaphorePermit>,
    cancel_sent: bool,
    timer: Option<tokio::task::JoinHandle<()>>,
    handed_out: Instant,
}

/// What is known about a task when the worker completes it.
pub(crate) struct Released {
    /// How long the worker held it.
    pub held_for: Duration,
}

/// Nexus tasks handed to the worker and not completed yet, and the cancels owed for them.
pub(crate) struct HeldTasks {
    held: Mutex<HashMap<Vec<u8>, Held>>,
    cancels_tx: mpsc::UnboundedSender<CancelNexusTask>,
    cancels_rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<CancelNexusTask>>,
    /// Signalled whenever a task is completed.
    released: Notify,
}

impl HeldTasks {
    pub(crate) fn new() -> Arc<Self> {
        let (cancels_tx, cancels_rx) = mpsc::unbounded_channel();
        Arc::new(HeldTasks {
            held: Mutex::new(HashMap::new()),
            cancels_tx,
            cancels_rx: tokio::sync::Mutex::new(cancels_rx),
            released: Notify::new(),
        })
    }

    /// The worker now holds `token`. With `time_left`, a TIMED_OUT cancel follows once it passes.
    pub(crate) fn hand_out(
        self: &Arc<Self>,
        token: Vec<u8>,
        permit: Option<OwnedSemaphorePermit>,
        time_left: Option<Duration>,
    ) {
        let timer = time_left.map(|after| {
            let me: Weak<Self> = Arc::downgrade(self);
            let token = token.clone();
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                if let Some(me) = me.upgrade() {
                    me.cancel(&token, NexusTaskCancelReason::TimedOut);
                }
            })
        });
        self.held.lock().insert(
            token,
            Held {
                _permit: permit,
                cancel_sent: false,
                timer,
                handed_out: Instant::now(),
            },
        );
    }

    /// Queues a cancel for a held task; false if it is not held or already got one.
    pub(crate) fn cancel(&self, token: &[u8], reason: NexusTaskCancelReason) -> bool {
        let mut held = self.held.lock();
        let Some(h) = held.get_mut(token).filter(|h| !h.cancel_sent) else {
            return false;
        };
        h.cancel_sent = true;
        tracing::debug!(
            reason = reason.as_str_name(),
            "cancelling a Nexus task the worker holds"
        );
        self.cancels_tx
            .send(CancelNexusTask {
                task_token: token.to_vec(),
                reason: reason as i32,
            })
            .is_ok()
    }

    /// Queues a cancel for every held task that has none yet; returns how many.
    pub(crate) fn cancel_all(&self, reason: NexusTaskCancelReason) -> usize {
        let tokens: Vec<Vec<u8>> = self.held.lock().keys().cloned().collect();
        tokens.iter().filter(|t| self.cancel(t, reason)).count()
    }

    /// The worker completed `token`; `None` if it was not held.
    pub(crate) fn release(&self, token: &[u8]) -> Option<Released> {
        let h = self.held.lock().remove(token)?;
        if let Some(t) = h.timer {
            t.abort();
        }
        self.released.notify_one();
        Some(Released {
            held_for: h.handed_out.elapsed(),
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.held.lock().is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.held.lock().len()
    }

    /// The next cancel for a task still held (cancels of tasks completed meanwhile are dropped).
    pub(crate) async fn next_cancel(&self) -> CancelNexusTask {
        let mut rx = self.cancels_rx.lock().await;
        loop {
            // The sender lives in `self`, so the channel never closes while we wait.
            let Some(c) = rx.recv().await else {
                return std::future::pending().await;
            };
            if self.held.lock().contains_key(&c.task_token) {
                return c;
            }
        }
    }
}

pub(crate) struct NexusTasks {
    cfg: Arc<WorkerConfig>,
    conn: Connection,
    held: Arc<HeldTasks>,
    rx: tokio::sync::Mutex<Option<mpsc::Receiver<Polled>>>,
    tx: Mutex<Option<mpsc::Sender<Polled>>>,
    slots: Arc<Semaphore>,
    pollers_started: AtomicBool,
    shutdown: watch::Receiver<bool>,
    /// Set once the poll has reported `ShutDown` (every held task completed).
    drained: watch::Sender<bool>,
    /// When the server scheduled each held task (for the end-to-end latency).
    scheduled: Mutex<HashMap<Vec<u8>, prost_types::Timestamp>>,
}

/// Why a Nexus task completion counts as a failed execution, if it does: a handler error
/// (`handler_error_<TYPE>`), or an operation that did not succeed (`operation_<state>`; a plain
/// failure is `operation_failed`).
fn failure_reason(status: &Status) -> Option<String> {
    use crate::protos::temporal::api::failure::v1::failure::FailureInfo;
    use crate::protos::temporal::api::nexus::v1::{response, start_operation_response};
    let handler_error = |f: &crate::protos::temporal::api::failure::v1::Failure| match &f.failure_info {
        Some(FailureInfo::NexusHandlerFailureInfo(i)) => Some(format!("handler_error_{}", i.r#type)),
        _ => None,
    };
    match status {
        Status::Error(e) => Some(format!("handler_error_{}", e.error_type)),
        Status::Failure(f) => Some(handler_error(f).unwrap_or_else(|| "operation_failed".to_string())),
        Status::Completed(r) => match &r.variant {
            Some(response::Variant::StartOperation(s)) => match &s.variant {
                Some(start_operation_response::Variant::OperationError(e)) => {
                    Some(format!("operation_{}", e.operation_state))
                }
                Some(start_operation_response::Variant::Failure(_)) => Some("operation_failed".to_string()),
                _ => None,
            },
            _ => None,
        },
        Status::AckCancel(_) => None,
    }
}

fn cancel_variant(c: CancelNexusTask) -> NexusTask {
    NexusTask {
        variant: Some(Variant::CancelTask(c)),
        request_deadline: None,
    }
}

impl NexusTasks {
    pub(crate) fn new(cfg: Arc<WorkerConfig>, conn: Connection, shutdown: watch::Receiver<bool>) -> Arc<Self> {
        let (tx, rx) = mpsc::channel(4);
        let slots = Arc::new(Semaphore::new(cfg.max_concurrent_nexus_tasks));
        super::observe_slots(
            conn.metrics(),
            &cfg,
            "NexusWorker",
            &slots,
            cfg.max_concurrent_nexus_tasks,
        );
        Arc::new(NexusTasks {
            slots,
            cfg,
            conn,
            held: HeldTasks::new(),
            rx: tokio::sync::Mutex::new(Some(rx)),
            tx: Mutex::new(Some(tx)),
            pollers_started: AtomicBool::new(false),
            shutdown,
            drained: watch::channel(false).0,
            scheduled: Mutex::new(HashMap::new()),
        })
    }

    fn ensure_pollers(&self) {
        if self.pollers_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let Some(tx) = self.tx.lock().take() else { return };
        for _ in 0..self.cfg.max_nexus_task_polls {
            let (tx, conn, cfg, slots, mut shutdown) = (
                tx.clone(),
                self.conn.clone(),
                self.cfg.clone(),
                self.slots.clone(),
                self.shutdown.clone(),
            );
            tokio::spawn(async move {
                let mut backoff = Duration::from_millis(200);
                loop {
                    if *shutdown.borrow() {
                        return;
                    }
                    let permit = tokio::select! {
                        _ = shutdown.changed() => return,
                        p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
                    };
                    let req = PollNexusTaskQueueRequest {
                        namespace: cfg.namespace.clone(),
                        identity: cfg.identity.clone(),
                        task_queue: Some(TaskQueue {
                            name: cfg.task_queue.clone(),
                            kind: TaskQueueKind::Normal as i32,
                            normal_name: String::new(),
                        }),
                        deployment_options: cfg.deployment_options(),
                        ..Default::default()
                    };
                    let mut client = conn.client();
                    let in_flight = conn.metrics().gauge_guard(
                        "num_pollers",
                        vec![
                            ("namespace", cfg.namespace.clone()),
                            ("task_queue", cfg.task_queue.clone()),
                            ("poller_type", "nexus_task".into()),
                        ],
                    );
                    let poll_started = Instant::now();
                    let r = tokio::select! {
                        _ = shutdown.changed() => return,
                        r = client.poll_nexus_task_queue(long_poll(&cfg.namespace, req)) => r,
                    };
                    drop(in_flight);
                    conn.record_long_poll("PollNexusTaskQueue", poll_started, r.as_ref().err().map(|s| s.code()));
                    match r {
                        Ok(resp) => {
                            backoff = Duration::from_millis(200);
                            let resp = resp.into_inner();
                            if resp.task_token.is_empty() {
                                conn.metrics().add_counter(
                                    "nexus_poll_no_task",
                                    &[("task_queue", cfg.task_queue.clone())],
                                    1,
                                );
                                continue;
                            }
                            let polled = Polled::Task {
                                resp: Box::new(resp),
                                permit,
                                received: Instant::now(),
                            };
                            if tx.send(polled).await.is_err() {
                                return;
                            }
                        }
                        Err(status) => {
                            if matches!(
                                status.code(),
                                tonic::Code::Unauthenticated
                                    | tonic::Code::PermissionDenied
                                    | tonic::Code::NotFound
                                    | tonic::Code::InvalidArgument
                                    | tonic::Code::Unimplemented
                            ) {
                                let _ = tx
                                    .send(Polled::Fatal(CoreError::transport("PollNexusTaskQueue", status)))
                                    .await;
                                return;
                            }
                            tokio::select! { _ = shutdown.changed() => return, _ = tokio::time::sleep(backoff) => {} }
                            backoff = (backoff * 2).min(Duration::from_secs(10));
                        }
                    }
                }
            });
        }
    }

    /// Next Nexus task or cancel. After shutdown: cancels for held tasks, then `ShutDown` once
    /// the worker has completed them all.
    pub(crate) async fn poll(&self) -> Result<NexusTask, CoreError> {
        self.ensure_pollers();
        let mut rx_guard = self.rx.lock().await;
        loop {
            let polled = match rx_guard.as_mut() {
                Some(rx) => tokio::select! {
                    biased;
                    c = self.held.next_cancel() => return Ok(cancel_variant(c)),
                    m = rx.recv() => m,
                },
                None => {
                    if self.held.is_empty() {
                        self.drained.send_replace(true);
                        return Err(CoreError::ShutDown);
                    }
                    tokio::select! {
                        biased;
                        c = self.held.next_cancel() => return Ok(cancel_variant(c)),
                        _ = self.held.released.notified() => continue,
                    }
                }
            };
            match polled {
                None => *rx_guard = None,
                Some(Polled::Fatal(e)) => return Err(e),
                Some(Polled::Task { resp, permit, received }) => {
                    let time_left = request_timeout(&resp).map(|t| t.saturating_sub(received.elapsed()));
                    if let Some(scheduled) = resp.request.as_ref().and_then(|r| r.scheduled_time) {
                        if let Some(ms) = millis_between(
                            Some(&scheduled),
                            Some(&prost_types::Timestamp::from(SystemTime::now() - received.elapsed())),
                        ) {
                            self.conn.metrics().record_histogram(
                                "nexus_task_schedule_to_start_latency",
                                &self.labels(),
                                ms,
                            );
                        }
                        self.scheduled.lock().insert(resp.task_token.clone(), scheduled);
                    }
                    let request_deadline = time_left.map(|d| prost_types::Timestamp::from(SystemTime::now() + d));
                    self.held.hand_out(resp.task_token.clone(), Some(permit), time_left);
                    return Ok(NexusTask {
                        variant: Some(Variant::Task(*resp)),
                        request_deadline,
                    });
                }
            }
        }
    }

    fn labels(&self) -> [(&'static str, String); 2] {
        [
            ("namespace", self.cfg.namespace.clone()),
            ("task_queue", self.cfg.task_queue.clone()),
        ]
    }

    pub(crate) async fn complete(&self, c: NexusTaskCompletion) -> Result<(), CoreError> {
        let Some(released) = self.held.release(&c.task_token) else {
            return Err(CoreError::UnknownTaskToken(super::activities::hex(&c.task_token)));
        };
        let scheduled = self.scheduled.lock().remove(&c.task_token);
        let m = self.conn.metrics();
        let labels = self.labels();
        m.record_histogram(
            "nexus_task_execution_latency",
            &labels,
            released.held_for.as_secs_f64() * 1000.0,
        );
        if let Some(ms) = millis_since(scheduled.as_ref()) {
            m.record_histogram("nexus_task_endtoend_latency", &labels, ms);
        }
        if let Some(reason) = c.status.as_ref().and_then(failure_reason) {
            let [ns, tq] = labels;
            m.add_counter("nexus_task_execution_failed", &[ns, tq, ("failure_reason", reason)], 1);
        }
        let ns = self.cfg.namespace.clone();
        let identity = self.cfg.identity.clone();
        match c.status {
            Some(Status::Completed(response)) => {
                let req = RespondNexusTaskCompletedRequest {
                    namespace: ns.clone(),
                    identity,
                    task_token: c.task_token,
                    response: Some(response),
                    ..Default::default()
                };
                self.conn
                    .call("RespondNexusTaskCompleted", Some(&ns), |mut cl| {
                        let (req, ns) = (req.clone(), ns.clone());
                        async move { cl.respond_nexus_task_completed(request(&ns, req)).await }
                    })
                    .await
                    .map(|_| ())
            }
            Some(Status::Error(e)) => {
                self.fail(RespondNexusTaskFailedRequest {
                    namespace: ns.clone(),
                    identity,
                    task_token: c.task_token,
                    error: Some(e),
                    ..Default::default()
                })
                .await
            }
            Some(Status::Failure(f)) => {
                self.fail(RespondNexusTaskFailedRequest {
                    namespace: ns.clone(),
                    identity,
                    task_token: c.task_token,
                    failure: Some(f),
                    ..Default::default()
                })
                .await
            }
            Some(Status::AckCancel(_)) => Ok(()),
            None => Err(CoreError::InvalidInput("nexus completion has no status".into())),
        }
    }

    async fn fail(&self, req: RespondNexusTaskFailedRequest) -> Result<(), CoreError> {
        let ns = self.cfg.namespace.clone();
        self.conn
            .call("RespondNexusTaskFailed", Some(&ns), |mut cl| {
                let (req, ns) = (req.clone(), ns.clone());
                async move { cl.respond_nexus_task_failed(request(&ns, req)).await }
            })
            .await
            .map(|_| ())
    }

    /// The graceful shutdown period is over: every held task gets a WORKER_SHUTDOWN cancel.
    pub(crate) fn cancel_all_for_shutdown(&self) {
        let n = self.held.cancel_all(NexusTaskCancelReason::WorkerShutdown);
        if n > 0 {
            tracing::info!(tasks = n, "graceful shutdown period over; cancelling held Nexus tasks");
        }
    }

    /// Nexus tasks the worker holds.
    pub(crate) fn held_count(&self) -> usize {
        self.held.len()
    }

    /// Waits until the poll has reported `ShutDown` (returns at once if Nexus was never polled).
    pub(crate) async fn wait_until_drained(&self) {
        if !self.pollers_started.load(Ordering::SeqCst) {
            return;
        }
        let mut rx = self.drained.subscribe();
        let _ = rx.wait_for(|done| *done).await;
    }

    pub(crate) fn bump(&self) {
        self.held.released.notify_one();
    }
}

#[cfg(test)]
mod tests;
