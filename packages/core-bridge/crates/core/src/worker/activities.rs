//! Activity tasks: polls the activity task queue, hands tasks (and cancellations) to the worker,
//! throttles heartbeats, and reports results to the server.
use super::config::WorkerConfig;
use crate::connection::{Connection, long_poll, request};
use crate::errors::CoreError;
use crate::protos::kairos::core::activity::{
    ActivityCancelReason, ActivityCancellationDetails, ActivityHeartbeat, ActivityTask, ActivityTaskCompletion,
    CancelActivity, StartActivity, activity_execution_result::Status, activity_task::Variant,
};
use crate::protos::temporal::api::common::v1::{Payload, Payloads};
use crate::protos::temporal::api::enums::v1::TaskQueueKind;
use crate::protos::temporal::api::failure::v1::{ApplicationFailureInfo, Failure, failure::FailureInfo};
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::protos::temporal::api::workflowservice::v1::{
    PollActivityTaskQueueRequest, PollActivityTaskQueueResponse, RecordActivityTaskHeartbeatRequest,
    RespondActivityTaskCanceledRequest, RespondActivityTaskCompletedRequest, RespondActivityTaskFailedRequest,
};
use crate::telemetry::metrics::{millis_between, millis_since};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};

struct Heartbeats {
    interval: Duration,
    last_sent: Option<Instant>,
    pending: Option<Vec<Payload>>,
    flush_scheduled: bool,
    last_details: Vec<Payload>,
}

struct Outstanding {
    _permit: OwnedSemaphorePermit,
    /// namespace, task_queue, workflow_type and activity_type metric labels.
    labels: [(&'static str, String); 4],
    received: Instant,
    scheduled_time: Option<prost_types::Timestamp>,
    heartbeats: Heartbeats,
    cancel_reason: Option<ActivityCancelReason>,
    known_not_found: bool,
}

enum Polled {
    Task(Box<PollActivityTaskQueueResponse>, OwnedSemaphorePermit),
    Fatal(CoreError),
}

pub(crate) struct ActivityTasks {
    cfg: Arc<WorkerConfig>,
    conn: Connection,
    outstanding: Mutex<HashMap<Vec<u8>, Outstanding>>,
    cancel_tx: mpsc::UnboundedSender<ActivityTask>,
    cancel_rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<ActivityTask>>,
    rx: tokio::sync::Mutex<Option<mpsc::Receiver<Polled>>>,
    tx: Mutex<Option<mpsc::Sender<Polled>>>,
    slots: Arc<Semaphore>,
    /// Activity tasks the server handed out eagerly in workflow task completions, with their reserved slots.
    eager: Mutex<std::collections::VecDeque<(PollActivityTaskQueueResponse, OwnedSemaphorePermit)>>,
    pollers_started: AtomicBool,
    changed: Notify,
    shutdown: watch::Receiver<bool>,
}

fn reason_details(r: ActivityCancelReason) -> ActivityCancellationDetails {
    ActivityCancellationDetails {
        is_not_found: r == ActivityCancelReason::NotFound,
        is_cancelled: r == ActivityCancelReason::Cancelled,
        is_paused: r == ActivityCancelReason::Paused,
        is_timed_out: r == ActivityCancelReason::TimedOut,
        is_worker_shutdown: r == ActivityCancelReason::WorkerShutdown,
        is_reset: r == ActivityCancelReason::Reset,
    }
}

fn throttle_interval(cfg: &WorkerConfig, heartbeat_timeout: Option<&prost_types::Duration>) -> Duration {
    let timeout = heartbeat_timeout
        .and_then(|d| Duration::try_from(*d).ok())
        .filter(|d| !d.is_zero());
    match timeout {
        Some(t) => t.mul_f64(0.8).min(cfg.max_heartbeat_throttle_interval),
        None => cfg.default_heartbeat_throttle_interval,
    }
}

impl ActivityTasks {
    pub(crate) fn new(cfg: Arc<WorkerConfig>, conn: Connection, shutdown: watch::Receiver<bool>) -> Arc<Self> {
        let (cancel_tx, cancel_rx) = mpsc::unbounded_channel();
        let (tx, rx) = mpsc::channel(4);
        let slots = Arc::new(Semaphore::new(cfg.max_concurrent_activities));
        super::observe_slots(
            conn.metrics(),
            &cfg,
            "ActivityWorker",
            &slots,
            cfg.max_concurrent_activities,
        );
        Arc::new(ActivityTasks {
            slots,
            cfg,
            conn,
            outstanding: Mutex::new(HashMap::new()),
            cancel_tx,
            cancel_rx: tokio::sync::Mutex::new(cancel_rx),
            rx: tokio::sync::Mutex::new(Some(rx)),
            tx: Mutex::new(Some(tx)),
            eager: Mutex::new(std::collections::VecDeque::new()),
            pollers_started: AtomicBool::new(false),
            changed: Notify::new(),
            shutdown,
        })
    }

    fn ensure_pollers(&self) {
        if self.pollers_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let Some(tx) = self.tx.lock().take() else { return };
        for _ in 0..self.cfg.max_activity_task_polls {
            let tx = tx.clone();
            let conn = self.conn.clone();
            let cfg = self.cfg.clone();
            let slots = self.slots.clone();
            let mut shutdown = self.shutdown.clone();
            tokio::spawn(async move { poll_loop(conn, cfg, slots, tx, &mut shutdown).await });
        }
    }

    /// Queues a cancellation for a running activity (at most one per activity).
    pub(crate) fn cancel(&self, token: &[u8], reason: ActivityCancelReason) {
        let mut out = self.outstanding.lock();
        let Some(a) = out.get_mut(token) else { return };
        if a.cancel_reason.is_some() {
            return;
        }
        a.cancel_reason = Some(reason);
        if reason == ActivityCancelReason::NotFound {
            a.known_not_found = true;
        }
        let _ = self.cancel_tx.send(ActivityTask {
            task_token: token.to_vec(),
            variant: Some(Variant::Cancel(CancelActivity {
                reason: reason as i32,
                details: Some(reason_details(reason)),
            })),
        });
        self.changed.notify_one();
    }

    /// Cancels every running activity because the worker is shutting down.
    pub(crate) fn cancel_all_for_shutdown(&self) {
        let tokens: Vec<Vec<u8>> = self.outstanding.lock().keys().cloned().collect();
        for t in tokens {
            self.cancel(&t, ActivityCancelReason::WorkerShutdown);
        }
    }

    /// Reserves an activity slot for an eager activity task, if one is free and the worker is not shutting down.
    pub(crate) fn try_reserve_eager_slot(&self) -> Option<OwnedSemaphorePermit> {
        if *self.shutdown.borrow() {
            return None;
        }
        self.slots.clone().try_acquire_owned().ok()
    }

    /// Hands the activity tasks a workflow task completion returned to the poll, each with a reserved slot;
    /// reservations the server did not use are released.
    pub(crate) fn deliver_eager(&self, tasks: Vec<PollActivityTaskQueueResponse>, permits: Vec<OwnedSemaphorePermit>) {
        let labels = [
            ("namespace", self.cfg.namespace.clone()),
            ("task_queue", self.cfg.task_queue.clone()),
        ];
        let mut permits = permits.into_iter();
        let mut delivered = false;
        for task in tasks.into_iter().filter(|t| !t.task_token.is_empty()) {
            let Some(permit) = permits.next() else {
                tracing::warn!("the server returned more eager activity tasks than slots were reserved; dropping one");
                break;
            };
            self.conn.metrics().add_counter("activity_task_received", &labels, 1);
            self.eager.lock().push_back((task, permit));
            delivered = true;
        }
        if delivered {
            self.changed.notify_one();
        }
    }

    pub(crate) async fn poll(&self) -> Result<ActivityTask, CoreError> {
        self.ensure_pollers();
        let mut cancels = self.cancel_rx.lock().await;
        let mut rx_guard = self.rx.lock().await;
        loop {
            if let Ok(c) = cancels.try_recv() {
                if self.outstanding.lock().contains_key(&c.task_token) {
                    return Ok(c);
                }
                continue;
            }
            let eager = self.eager.lock().pop_front();
            if let Some((resp, permit)) = eager {
                return Ok(self.start(resp, permit));
            }
            if rx_guard.is_none() && self.outstanding.lock().is_empty() {
                return Err(CoreError::ShutDown);
            }
            let polled = match rx_guard.as_mut() {
                Some(rx) => tokio::select! {
                    biased;
                    c = cancels.recv() => { if let Some(c) = c && self.outstanding.lock().contains_key(&c.task_token) { return Ok(c); } continue; }
                    _ = self.changed.notified() => continue,
                    m = rx.recv() => m,
                },
                None => {
                    tokio::select! {
                        biased;
                        c = cancels.recv() => { if let Some(c) = c && self.outstanding.lock().contains_key(&c.task_token) { return Ok(c); } }
                        _ = self.changed.notified() => {}
                    }
                    continue;
                }
            };
            match polled {
                None => *rx_guard = None,
                Some(Polled::Fatal(e)) => return Err(e),
                Some(Polled::Task(resp, permit)) => return Ok(self.start(*resp, permit)),
            }
        }
    }

    fn start(&self, r: PollActivityTaskQueueResponse, permit: OwnedSemaphorePermit) -> ActivityTask {
        let interval = throttle_interval(&self.cfg, r.heartbeat_timeout.as_ref());
        let labels = [
            ("namespace", self.cfg.namespace.clone()),
            ("task_queue", self.cfg.task_queue.clone()),
            (
                "workflow_type",
                r.workflow_type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
            ),
            (
                "activity_type",
                r.activity_type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
            ),
        ];
        if let Some(ms) = millis_between(r.current_attempt_scheduled_time.as_ref(), r.started_time.as_ref()) {
            self.conn
                .metrics()
                .record_histogram("activity_schedule_to_start_latency", &labels, ms);
        }
        self.outstanding.lock().insert(
            r.task_token.clone(),
            Outstanding {
                _permit: permit,
                labels,
                received: Instant::now(),
                scheduled_time: r.scheduled_time,
                heartbeats: Heartbeats {
                    interval,
                    last_sent: None,
                    pending: None,
                    flush_scheduled: false,
                    last_details: vec![],
                },
                cancel_reason: None,
                known_not_found: false,
            },
        );
        let now = std::time::SystemTime::now();
        ActivityTask {
            task_token: r.task_token,
            variant: Some(Variant::Start(StartActivity {
                workflow_namespace: r.workflow_namespace,
                workflow_type: r.workflow_type.map(|t| t.name).unwrap_or_default(),
                workflow_execution: r.workflow_execution,
                activity_id: r.activity_id,
                activity_type: r.activity_type.map(|t| t.name).unwrap_or_default(),
                headers: r.header.map(|h| h.fields).unwrap_or_default(),
                input: r.input.map(|p| p.payloads).unwrap_or_default(),
                heartbeat_details: r.heartbeat_details.map(|p| p.payloads).unwrap_or_default(),
                scheduled_time: r.scheduled_time,
                current_attempt_scheduled_time: r.current_attempt_scheduled_time,
                started_time: Some(prost_types::Timestamp::from(now)),
                attempt: r.attempt.max(0) as u32,
                schedule_to_close_timeout: r.schedule_to_close_timeout,
                start_to_close_timeout: r.start_to_close_timeout,
                heartbeat_timeout: r.heartbeat_timeout,
                retry_policy: r.retry_policy,
                priority: r.priority,
                is_local: false,
                task_queue: self.cfg.task_queue.clone(),
                activity_run_id: r.activity_run_id,
            })),
        }
    }

    /// Records a heartbeat: the first goes out at once, later ones are coalesced per throttle
    /// window with the last details winning.
    pub(crate) fn record_heartbeat(self: &Arc<Self>, hb: ActivityHeartbeat) -> Result<(), CoreError> {
        let mut out = self.outstanding.lock();
        let Some(a) = out.get_mut(&hb.task_token) else {
            return Err(CoreError::UnknownTaskToken(hex(&hb.task_token)));
        };
        let h = &mut a.heartbeats;
        h.last_details = hb.details.clone();
        let now = Instant::now();
        let due = h.last_sent.is_none_or(|t| now.duration_since(t) >= h.interval);
        if due && !h.flush_scheduled {
            h.last_sent = Some(now);
            self.send_heartbeat(hb.task_token, hb.details);
        } else {
            h.pending = Some(hb.details);
            if !h.flush_scheduled {
                h.flush_scheduled = true;
                let wait = h
                    .last_sent
                    .map(|t| (t + h.interval).saturating_duration_since(now))
                    .unwrap_or_default();
                let me = self.clone();
                let token = hb.task_token;
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    let details = {
                        let mut out = me.outstanding.lock();
                        let Some(a) = out.get_mut(&token) else { return };
                        a.heartbeats.flush_scheduled = false;
                        a.heartbeats.last_sent = Some(Instant::now());
                        a.heartbeats.pending.take()
                    };
                    if let Some(d) = details {
                        me.send_heartbeat(token, d);
                    }
                });
            }
        }
        Ok(())
    }

    fn send_heartbeat(self: &Arc<Self>, token: Vec<u8>, details: Vec<Payload>) {
        let me = self.clone();
        tokio::spawn(async move {
            let ns = me.cfg.namespace.clone();
            let req = RecordActivityTaskHeartbeatRequest {
                task_token: token.clone(),
                details: (!details.is_empty()).then_some(Payloads { payloads: details }),
                identity: me.cfg.identity.clone(),
                namespace: ns.clone(),
                ..Default::default()
            };
            let r = me
                .conn
                .call("RecordActivityTaskHeartbeat", Some(&ns), |mut c| {
                    let req = req.clone();
                    let ns = ns.clone();
                    async move { c.record_activity_task_heartbeat(request(&ns, req)).await }
                })
                .await;
            match r {
                Ok(resp) => {
                    if resp.cancel_requested {
                        me.cancel(&token, ActivityCancelReason::Cancelled);
                    } else if resp.activity_paused {
                        me.cancel(&token, ActivityCancelReason::Paused);
                    } else if resp.activity_reset {
                        me.cancel(&token, ActivityCancelReason::Reset);
                    }
                }
                Err(CoreError::Transport { status, .. }) if status.code() == tonic::Code::NotFound => {
                    me.cancel(&token, ActivityCancelReason::NotFound);
                }
                Err(e) => tracing::warn!(error = %e, "activity heartbeat failed"),
            }
        });
    }

    pub(crate) async fn complete(&self, c: ActivityTaskCompletion) -> Result<(), CoreError> {
        let Some(a) = self.outstanding.lock().remove(&c.task_token) else {
            return Err(CoreError::UnknownTaskToken(hex(&c.task_token)));
        };
        self.changed.notify_one();
        let Some(status) = c.result.and_then(|r| r.status) else {
            return Err(CoreError::InvalidInput("activity completion has no result".into()));
        };
        let m = self.conn.metrics();
        m.record_histogram(
            "activity_execution_latency",
            &a.labels,
            a.received.elapsed().as_secs_f64() * 1000.0,
        );
        match &status {
            Status::Failed(_) => m.add_counter("activity_execution_failed", &a.labels, 1),
            Status::Completed(_) => {
                if let Some(ms) = millis_since(a.scheduled_time.as_ref()) {
                    m.record_histogram("activity_succeed_endtoend_latency", &a.labels, ms);
                }
            }
            _ => {}
        }
        if a.known_not_found {
            return Ok(());
        }
        let ns = self.cfg.namespace.clone();
        let token = c.task_token;
        let identity = self.cfg.identity.clone();
        let last_details = (!a.heartbeats.last_details.is_empty()).then(|| Payloads {
            payloads: a.heartbeats.last_details.clone(),
        });
        let result = match status {
            Status::Completed(s) => {
                let req = RespondActivityTaskCompletedRequest {
                    task_token: token,
                    result: s.result.map(|p| Payloads { payloads: vec![p] }),
                    identity,
                    namespace: ns.clone(),
                    deployment_options: self.cfg.deployment_options(),
                    ..Default::default()
                };
                self.conn
                    .call("RespondActivityTaskCompleted", Some(&ns), |mut c| {
                        let req = req.clone();
                        let ns = ns.clone();
                        async move { c.respond_activity_task_completed(request(&ns, req)).await }
                    })
                    .await
                    .map(|_| ())
            }
            Status::Failed(f) => self.respond_failed(token, f.failure, last_details).await,
            Status::Cancelled(c) => {
                if a.cancel_reason == Some(ActivityCancelReason::WorkerShutdown) {
                    // The failure the official core reports (applications match on its message and type); it
                    // is retryable, so the next worker runs the next attempt.
                    let f = Failure {
                        message: "Worker is shutting down and this activity did not complete in time".into(),
                        failure_info: Some(FailureInfo::ApplicationFailureInfo(ApplicationFailureInfo {
                            r#type: "WorkerShutdown".into(),
                            non_retryable: false,
                            ..Default::default()
                        })),
                        ..Default::default()
                    };
                    self.respond_failed(token, Some(f), last_details).await
                } else {
                    let details = match c.failure.and_then(|f| f.failure_info) {
                        Some(FailureInfo::CanceledFailureInfo(i)) => i.details,
                        _ => None,
                    };
                    let req = RespondActivityTaskCanceledRequest {
                        task_token: token,
                        details,
                        identity,
                        namespace: ns.clone(),
                        deployment_options: self.cfg.deployment_options(),
                        ..Default::default()
                    };
                    self.conn
                        .call("RespondActivityTaskCanceled", Some(&ns), |mut c| {
                            let req = req.clone();
                            let ns = ns.clone();
                            async move { c.respond_activity_task_canceled(request(&ns, req)).await }
                        })
                        .await
                        .map(|_| ())
                }
            }
            Status::WillCompleteAsync(_) => Ok(()),
        };
        match result {
            Err(CoreError::Transport { status, .. }) if status.code() == tonic::Code::NotFound => {
                tracing::warn!("activity completion was not accepted: the server no longer knows the activity");
                Ok(())
            }
            other => other,
        }
    }

    async fn respond_failed(
        &self,
        token: Vec<u8>,
        failure: Option<Failure>,
        last_heartbeat_details: Option<Payloads>,
    ) -> Result<(), CoreError> {
        let ns = self.cfg.namespace.clone();
        let req = RespondActivityTaskFailedRequest {
            task_token: token,
            failure,
            identity: self.cfg.identity.clone(),
            namespace: ns.clone(),
            last_heartbeat_details,
            deployment_options: self.cfg.deployment_options(),
            ..Default::default()
        };
        self.conn
            .call("RespondActivityTaskFailed", Some(&ns), |mut c| {
                let req = req.clone();
                let ns = ns.clone();
                async move { c.respond_activity_task_failed(request(&ns, req)).await }
            })
            .await
            .map(|_| ())
    }

    pub(crate) fn outstanding_count(&self) -> usize {
        self.outstanding.lock().len()
    }

    pub(crate) fn bump(&self) {
        self.changed.notify_one();
    }
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().take(16).map(|x| format!("{x:02x}")).collect()
}

async fn poll_loop(
    conn: Connection,
    cfg: Arc<WorkerConfig>,
    slots: Arc<Semaphore>,
    tx: mpsc::Sender<Polled>,
    shutdown: &mut watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(200);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let permit = tokio::select! {
            _ = shutdown.changed() => return,
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
        };
        let req = PollActivityTaskQueueRequest {
            namespace: cfg.namespace.clone(),
            task_queue: Some(TaskQueue {
                name: cfg.task_queue.clone(),
                kind: TaskQueueKind::Normal as i32,
                normal_name: String::new(),
            }),
            identity: cfg.identity.clone(),
            deployment_options: cfg.deployment_options(),
            ..Default::default()
        };
        let mut client = conn.client();
        let in_flight = conn.metrics().gauge_guard(
            "num_pollers",
            vec![
                ("namespace", cfg.namespace.clone()),
                ("task_queue", cfg.task_queue.clone()),
                ("poller_type", "activity_task".into()),
            ],
        );
        let poll_started = Instant::now();
        let result = tokio::select! {
            _ = shutdown.changed() => return,
            r = client.poll_activity_task_queue(long_poll(&cfg.namespace, req)) => r,
        };
        drop(in_flight);
        conn.record_long_poll(
            "PollActivityTaskQueue",
            poll_started,
            result.as_ref().err().map(|s| s.code()),
        );
        let labels = [
            ("namespace", cfg.namespace.clone()),
            ("task_queue", cfg.task_queue.clone()),
        ];
        match result {
            Ok(resp) => {
                backoff = Duration::from_millis(200);
                let resp = resp.into_inner();
                if resp.task_token.is_empty() {
                    conn.metrics().add_counter("activity_poll_no_task", &labels, 1);
                    continue;
                }
                conn.metrics().add_counter("activity_task_received", &labels, 1);
                if tx.send(Polled::Task(Box::new(resp), permit)).await.is_err() {
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
                        .send(Polled::Fatal(CoreError::transport("PollActivityTaskQueue", status)))
                        .await;
                    return;
                }
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}
