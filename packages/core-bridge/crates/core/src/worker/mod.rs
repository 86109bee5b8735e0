//! The worker: workflow, activity and Nexus task handling behind one API, plus graceful
//! shutdown.
pub(crate) mod activities;
pub mod config;
pub(crate) mod history_pages;
pub(crate) mod local_activities;
pub(crate) mod nexus;
pub(crate) mod workflows;

use crate::connection::{Connection, request};
use crate::errors::CoreError;
use crate::protos::kairos::core::activation::WorkflowActivation;
use crate::protos::kairos::core::activity::{ActivityHeartbeat, ActivityTask, ActivityTaskCompletion};
use crate::protos::kairos::core::completion::WorkflowActivationCompletion;
use crate::protos::kairos::core::nexus::{NexusTask, NexusTaskCompletion};
use crate::protos::temporal::api::enums::v1::TaskQueueType;
use crate::protos::temporal::api::workflowservice::v1::ShutdownWorkerRequest;
use crate::replay::{HistoryPusher, ReplayFeed};
use crate::telemetry::metrics::Metrics;
pub use config::{DeploymentConfig, WorkerConfig};
use std::sync::Arc;
use tokio::sync::{Semaphore, watch};

/// Publishes a slot pool as the `worker_task_slots_available` and `worker_task_slots_used`
/// gauges of `worker_type` (WorkflowWorker, ActivityWorker, LocalActivityWorker, NexusWorker).
/// The gauges go away with the pool.
pub(crate) fn observe_slots(
    metrics: &Metrics,
    cfg: &WorkerConfig,
    worker_type: &str,
    slots: &Arc<Semaphore>,
    max: usize,
) {
    let labels = [
        ("namespace", cfg.namespace.clone()),
        ("task_queue", cfg.task_queue.clone()),
        ("worker_type", worker_type.to_string()),
    ];
    let weak = Arc::downgrade(slots);
    metrics.observe_gauge(
        "worker_task_slots_available",
        &labels,
        Box::new(move || weak.upgrade().map(|s| s.available_permits() as f64)),
    );
    let weak = Arc::downgrade(slots);
    metrics.observe_gauge(
        "worker_task_slots_used",
        &labels,
        Box::new(move || weak.upgrade().map(|s| max.saturating_sub(s.available_permits()) as f64)),
    );
}

/// A worker for one task queue.
pub struct Worker {
    cfg: Arc<WorkerConfig>,
    conn: Option<Connection>,
    workflows: Option<Arc<workflows::WorkflowTasks>>,
    activities: Option<Arc<activities::ActivityTasks>>,
    nexus: Option<Arc<nexus::NexusTasks>>,
    shutdown_tx: watch::Sender<bool>,
    shutdown_rx: watch::Receiver<bool>,
    shutdown_rpc: parking_lot::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Worker {
    /// Creates a worker polling through `conn`. Pollers start on the first poll of each kind.
    pub fn new(cfg: WorkerConfig, conn: Connection) -> Result<Self, CoreError> {
        let cfg = Arc::new(cfg.validate()?);
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let workflows = cfg.enable_workflows.then(|| {
            workflows::WorkflowTasks::new(
                cfg.clone(),
                workflows::Backend::Server(conn.clone()),
                shutdown_rx.clone(),
            )
        });
        let activities = cfg
            .enable_activities
            .then(|| activities::ActivityTasks::new(cfg.clone(), conn.clone(), shutdown_rx.clone()));
        let nexus = cfg
            .enable_nexus
            .then(|| nexus::NexusTasks::new(cfg.clone(), conn.clone(), shutdown_rx.clone()));
        if let (Some(w), Some(a)) = (&workflows, &activities) {
            w.set_activities(a.clone());
        }
        conn.metrics().add_counter(
            "worker_start",
            &[
                ("namespace", cfg.namespace.clone()),
                ("task_queue", cfg.task_queue.clone()),
            ],
            1,
        );
        Ok(Worker {
            cfg,
            conn: Some(conn),
            workflows,
            activities,
            nexus,
            shutdown_tx,
            shutdown_rx,
            shutdown_rpc: parking_lot::Mutex::new(None),
        })
    }

    /// A workflow-only worker fed histories through the returned pusher.
    pub fn new_replay(mut cfg: WorkerConfig) -> Result<(Self, HistoryPusher), CoreError> {
        cfg.enable_activities = false;
        cfg.enable_nexus = false;
        cfg.enable_workflows = true;
        cfg.max_cached_workflows = 1;
        let cfg = Arc::new(cfg.validate()?);
        let (feed, pusher) = ReplayFeed::new();
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let workflows =
            workflows::WorkflowTasks::new(cfg.clone(), workflows::Backend::Replay(feed), shutdown_rx.clone());
        Ok((
            Worker {
                cfg,
                conn: None,
                workflows: Some(workflows),
                activities: None,
                nexus: None,
                shutdown_tx,
                shutdown_rx,
                shutdown_rpc: parking_lot::Mutex::new(None),
            },
            pusher,
        ))
    }

    pub fn config(&self) -> &WorkerConfig {
        &self.cfg
    }

    fn wf(&self) -> Result<&Arc<workflows::WorkflowTasks>, CoreError> {
        self.workflows
            .as_ref()
            .ok_or_else(|| CoreError::IllegalState("this worker does not run workflows".into()))
    }

    fn act(&self) -> Result<&Arc<activities::ActivityTasks>, CoreError> {
        self.activities
            .as_ref()
            .ok_or_else(|| CoreError::IllegalState("this worker does not run activities".into()))
    }

    fn nx(&self) -> Result<&Arc<nexus::NexusTasks>, CoreError> {
        self.nexus
            .as_ref()
            .ok_or_else(|| CoreError::IllegalState("this worker does not run Nexus tasks".into()))
    }

    pub async fn poll_workflow_activation(&self) -> Result<WorkflowActivation, CoreError> {
        self.wf()?.poll().await
    }

    pub async fn complete_workflow_activation(&self, c: WorkflowActivationCompletion) -> Result<(), CoreError> {
        self.wf()?.complete(c).await
    }

    /// Next activity task: local activity work first, then remote activities.
    pub async fn poll_activity_task(&self) -> Result<ActivityTask, CoreError> {
        let la = self.workflows.as_ref().and_then(|w| w.local_activities().cloned());
        let Some(la) = la else { return self.act()?.poll().await };
        let mut remote_done = self.activities.is_none();
        let mut shutdown = self.shutdown_rx.clone();
        loop {
            if remote_done && *shutdown.borrow() && la.running_count() == 0 {
                return Err(CoreError::ShutDown);
            }
            match (&self.activities, remote_done) {
                (Some(acts), false) => {
                    tokio::select! {
                        biased;
                        Some(t) = la.next() => return Ok(t),
                        r = acts.poll() => match r {
                            Err(CoreError::ShutDown) => remote_done = true,
                            other => return other,
                        },
                    }
                }
                _ => {
                    tokio::select! {
                        biased;
                        Some(t) = la.next() => return Ok(t),
                        _ = shutdown.changed() => {}
                        _ = tokio::time::sleep(std::time::Duration::from_millis(100)), if *shutdown.borrow() => {}
                    }
                }
            }
        }
    }

    pub async fn complete_activity_task(&self, c: ActivityTaskCompletion) -> Result<(), CoreError> {
        if local_activities::LocalActivities::is_local_token(&c.task_token) {
            let Some(la) = self.workflows.as_ref().and_then(|w| w.local_activities()) else {
                return Err(CoreError::UnknownTaskToken(activities::hex(&c.task_token)));
            };
            let Some(status) = c.result.and_then(|r| r.status) else {
                return Err(CoreError::InvalidInput("activity completion has no result".into()));
            };
            return la.complete(&c.task_token, status);
        }
        self.act()?.complete(c).await
    }

    pub fn record_activity_heartbeat(&self, hb: ActivityHeartbeat) -> Result<(), CoreError> {
        self.act()?.record_heartbeat(hb)
    }

    /// Asks for a run to be evicted; returns false when the run is not cached.
    pub fn request_workflow_eviction(&self, run_id: &str) -> Result<bool, CoreError> {
        Ok(self.wf()?.request_eviction(run_id, "eviction requested by the worker"))
    }

    pub async fn poll_nexus_task(&self) -> Result<NexusTask, CoreError> {
        self.nx()?.poll().await
    }

    pub async fn complete_nexus_task(&self, c: NexusTaskCompletion) -> Result<(), CoreError> {
        self.nx()?.complete(c).await
    }

    /// Number of runs in the workflow cache.
    pub fn cached_workflows(&self) -> usize {
        self.workflows.as_ref().map(|w| w.cached_runs()).unwrap_or(0)
    }

    /// Stops polling. Polls keep returning work already received, then `ShutDown`; running
    /// activities are cancelled once the graceful shutdown period has passed.
    pub fn initiate_shutdown(&self) {
        if self.shutdown_tx.send_replace(true) {
            return;
        }
        if let Some(w) = &self.workflows {
            w.bump();
        }
        if let Some(n) = &self.nexus {
            n.bump();
            if let Some(grace) = self.cfg.graceful_shutdown_period {
                let n = n.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(grace).await;
                    n.cancel_all_for_shutdown();
                });
            }
        }
        if let Some(a) = &self.activities {
            a.bump();
            if let Some(grace) = self.cfg.graceful_shutdown_period {
                let a = a.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(grace).await;
                    a.cancel_all_for_shutdown();
                });
            }
        }
        if let Some(conn) = self.conn.clone() {
            let mut types = vec![];
            if self.workflows.is_some() {
                types.push(TaskQueueType::Workflow as i32);
            }
            if self.activities.is_some() {
                types.push(TaskQueueType::Activity as i32);
            }
            if self.nexus.is_some() {
                types.push(TaskQueueType::Nexus as i32);
            }
            let req = ShutdownWorkerRequest {
                namespace: self.cfg.namespace.clone(),
                sticky_task_queue: self
                    .workflows
                    .as_ref()
                    .and_then(|w| w.sticky_queue().map(String::from))
                    .unwrap_or_default(),
                identity: self.cfg.identity.clone(),
                reason: "graceful shutdown".into(),
                task_queue: self.cfg.task_queue.clone(),
                task_queue_types: types,
                ..Default::default()
            };
            let ns = self.cfg.namespace.clone();
            *self.shutdown_rpc.lock() = Some(tokio::spawn(async move {
                let mut client = conn.client();
                if let Err(e) = client.shutdown_worker(request(&ns, req)).await {
                    tracing::debug!(error = %e, "ShutdownWorker failed");
                }
            }));
        }
    }

    /// Finishes shutdown once the worker has seen `ShutDown` from every poll it uses. Waits for
    /// the ShutdownWorker call and, if Nexus tasks were polled, until every one handed out has
    /// been completed (the Nexus poll reports `ShutDown` only then).
    pub async fn finalize_shutdown(&self) {
        self.initiate_shutdown();
        let rpc = self.shutdown_rpc.lock().take();
        if let Some(h) = rpc {
            let _ = h.await;
        }
        if let Some(n) = &self.nexus {
            n.wait_until_drained().await;
        }
    }

    /// Nexus tasks handed out and not completed yet.
    pub fn outstanding_nexus_tasks(&self) -> usize {
        self.nexus.as_ref().map(|n| n.held_count()).unwrap_or(0)
    }

    /// Running activities (for tests and metrics).
    pub fn outstanding_activities(&self) -> usize {
        self.activities.as_ref().map(|a| a.outstanding_count()).unwrap_or(0)
    }
}
