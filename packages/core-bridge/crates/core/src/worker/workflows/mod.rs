//! Workflow tasks: polls the (sticky and normal) workflow task queues, keeps the cache of runs,
//! hands out activations, applies completions and reports workflow tasks to the server.
//!
//! All run state lives behind one mutex and is only touched synchronously; every server call
//! happens outside it, and its result is applied afterwards. That keeps the single-writer
//! discipline of the design (one input at a time per run) without a dedicated thread.
//!
//! This module holds the shared state and moves a run forward (`advance`); `polling` admits tasks,
//! `completion` applies lang's completions, `reporting` talks to the server afterwards, `queries`
//! builds query jobs and answers, and `run_cache` keeps the runs in least-recently-used order.
use super::config::WorkerConfig;
use super::history_pages::TaskHistory;
use super::local_activities::{LaContext, LaResolution, LocalActivities};
use crate::connection::{Connection, long_poll, request};
use crate::errors::{CoreError, WorkflowError};
use crate::protos::kairos::core::activation::{
    EvictionReason, QueryWorkflow, RemoveFromCache, WorkflowActivation, WorkflowActivationJob,
    workflow_activation_job::Variant as Job,
};
use crate::protos::kairos::core::commands::{QueryResult, query_result};
use crate::protos::kairos::core::completion::{WorkflowActivationCompletion, workflow_activation_completion::Status};
use crate::protos::temporal::api::common::v1::{Payloads, WorkflowExecution};
use crate::protos::temporal::api::enums::v1::{
    QueryResultType, TaskQueueKind, VersioningBehavior, WorkflowTaskFailedCause,
};
use crate::protos::temporal::api::failure::v1::Failure;
use crate::protos::temporal::api::history::v1::HistoryEvent;
use crate::protos::temporal::api::query::v1::{WorkflowQuery, WorkflowQueryResult};
use crate::protos::temporal::api::taskqueue::v1::{StickyExecutionAttributes, TaskQueue};
use crate::protos::temporal::api::workflowservice::v1::{
    GetWorkflowExecutionHistoryRequest, PollWorkflowTaskQueueRequest, PollWorkflowTaskQueueResponse,
    RespondQueryTaskCompletedRequest, RespondWorkflowTaskCompletedRequest, RespondWorkflowTaskCompletedResponse,
    RespondWorkflowTaskFailedRequest, respond_workflow_task_completed_request::Capabilities,
};
use crate::replay::ReplayFeed;
use crate::telemetry::metrics::{Metrics, millis_between, millis_since};
use crate::workflow::run::{Next, RunConfig, RunMachines};
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};

mod completion;
mod polling;
mod queries;
mod reporting;
mod run_cache;

use queries::{query_answers, query_job};
use run_cache::RunCache;

/// Query id of a legacy (query-only task) query.
pub const LEGACY_QUERY_ID: &str = "legacy_query";

/// Where workflow tasks come from and where results go.
#[derive(Clone)]
pub(crate) enum Backend {
    Server(Connection),
    Replay(Arc<ReplayFeed>),
}

pub(crate) struct Task {
    resp: PollWorkflowTaskQueueResponse,
    permit: Option<OwnedSemaphorePermit>,
}

enum Polled {
    Task(Box<Task>),
    Fatal(CoreError),
}

struct ActiveTask {
    token: Vec<u8>,
    attempt: i32,
    _permit: Option<OwnedSemaphorePermit>,
    legacy_query: Option<WorkflowQuery>,
    is_legacy_query_task: bool,
    query_results: HashMap<String, WorkflowQueryResult>,
    received: Instant,
    heartbeat_armed: bool,
    /// Some activation of this task replayed history; `replay_recorded` once its latency is in.
    replayed: bool,
    replay_recorded: bool,
    /// The task's started event id (0 for a legacy query task).
    started_event_id: i64,
    execution: WorkflowExecution,
    /// History pages of this task still on the server.
    history: TaskHistory,
}

#[derive(Debug, Clone, PartialEq)]
enum Outstanding {
    Jobs,
    Queries(Vec<String>),
    LegacyQuery,
    Eviction,
}

struct ManagedRun {
    machines: RunMachines,
    task: Option<ActiveTask>,
    buffered: Option<Task>,
    buffered_queries: VecDeque<Task>,
    outstanding: Option<Outstanding>,
    eviction: Option<(EvictionReason, String)>,
    queries_pending: Vec<(String, WorkflowQuery)>,
    /// The versioning behavior the workflow declared in its last completion (`VersioningBehavior` number).
    versioning_behavior: i32,
}

impl ManagedRun {
    fn busy(&self) -> bool {
        self.task.is_some() || self.outstanding.is_some() || self.eviction.is_some()
    }
}

#[derive(Default)]
struct State {
    runs: RunCache<ManagedRun>,
    ready: VecDeque<WorkflowActivation>,
    need_slot: VecDeque<Task>,
    fatal: Option<String>,
}

enum Action {
    RespondCompleted {
        run_id: String,
        req: Box<RespondWorkflowTaskCompletedRequest>,
    },
    RespondFailed {
        run_id: String,
        req: Option<Box<RespondWorkflowTaskFailedRequest>>,
    },
    RespondLegacyQuery {
        run_id: String,
        req: Box<RespondQueryTaskCompletedRequest>,
    },
    Process(Box<Task>),
    /// Fetch the next history page of the run's current task.
    FetchPage {
        run_id: String,
        execution: WorkflowExecution,
        token: Vec<u8>,
    },
    /// Complete the task anyway (forcing a new one) if local activities are still running then.
    ArmHeartbeat {
        run_id: String,
        token: Vec<u8>,
        at: Instant,
    },
}

pub(crate) struct WorkflowTasks {
    cfg: Arc<WorkerConfig>,
    backend: Backend,
    sticky_queue: Option<String>,
    state: Mutex<State>,
    wakeup: Notify,
    slots: Arc<Semaphore>,
    rx: tokio::sync::Mutex<Option<mpsc::Receiver<Polled>>>,
    tx: Mutex<Option<mpsc::Sender<Polled>>>,
    pollers_started: AtomicBool,
    pollers_done: AtomicBool,
    shutdown: watch::Receiver<bool>,
    replay: bool,
    local_activities: Option<Arc<LocalActivities>>,
    /// The worker's remote activities, for eager activity execution (unset on replay and activity-less workers).
    activities: std::sync::OnceLock<Arc<super::activities::ActivityTasks>>,
}

fn failure(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        source: "KairosCore".into(),
        ..Default::default()
    }
}

impl WorkflowTasks {
    pub(crate) fn new(cfg: Arc<WorkerConfig>, backend: Backend, shutdown: watch::Receiver<bool>) -> Arc<Self> {
        let replay = matches!(backend, Backend::Replay(_));
        let (la_tx, mut la_rx) = mpsc::unbounded_channel::<LaResolution>();
        let metrics = match &backend {
            Backend::Server(conn) => Some(conn.metrics().clone()),
            Backend::Replay(_) => None,
        };
        let local_activities =
            (!replay).then(|| LocalActivities::new(cfg.max_concurrent_local_activities, la_tx, metrics.clone()));
        if let (Some(m), Some(la)) = (&metrics, &local_activities) {
            super::observe_slots(
                m,
                &cfg,
                "LocalActivityWorker",
                la.slots(),
                cfg.max_concurrent_local_activities,
            );
        }
        let sticky_queue = (cfg.max_cached_workflows > 0 && !replay)
            .then(|| format!("{}-{}", cfg.identity, uuid::Uuid::new_v4().simple()));
        let (tx, rx) = mpsc::channel(16);
        let slots = Arc::new(Semaphore::new(cfg.max_concurrent_workflow_tasks));
        if let Backend::Server(conn) = &backend {
            super::observe_slots(
                conn.metrics(),
                &cfg,
                "WorkflowWorker",
                &slots,
                cfg.max_concurrent_workflow_tasks,
            );
        }
        Arc::new(WorkflowTasks {
            slots,
            cfg,
            backend,
            sticky_queue,
            state: Mutex::new(State::default()),
            wakeup: Notify::new(),
            rx: tokio::sync::Mutex::new(Some(rx)),
            tx: Mutex::new(Some(tx)),
            pollers_started: AtomicBool::new(false),
            pollers_done: AtomicBool::new(false),
            shutdown,
            replay,
            local_activities,
            activities: std::sync::OnceLock::new(),
        })
        .tap_resolutions(&mut la_rx)
    }

    /// The local activity manager (absent on replay workers).
    pub(crate) fn local_activities(&self) -> Option<&Arc<LocalActivities>> {
        self.local_activities.as_ref()
    }

    /// Delivers a local activity outcome to its run.
    fn resolve_local_activity(self: &Arc<Self>, r: LaResolution) -> Vec<Action> {
        let mut st = self.state.lock();
        let Some(run) = st.runs.get_mut(&r.run_id) else {
            tracing::debug!(
                run_id = r.run_id,
                "dropping a local activity result for a run no longer cached"
            );
            return vec![];
        };
        if let Err(e) = run.machines.resolve_local_activity(&r.resolution) {
            tracing::warn!(run_id = r.run_id, error = %e, "could not apply a local activity result");
            return vec![];
        }
        self.advance(&mut st, &r.run_id)
    }

    pub(crate) fn sticky_queue(&self) -> Option<&str> {
        self.sticky_queue.as_deref()
    }

    /// The metrics registry (none for replay workers).
    fn metrics(&self) -> Option<&Arc<Metrics>> {
        match &self.backend {
            Backend::Server(c) => Some(c.metrics()),
            Backend::Replay(_) => None,
        }
    }

    /// namespace, task_queue and workflow_type labels of a run.
    fn run_labels(&self, m: &RunMachines) -> [(&'static str, String); 3] {
        [
            ("namespace", self.cfg.namespace.clone()),
            ("task_queue", self.cfg.task_queue.clone()),
            ("workflow_type", m.workflow_type.clone()),
        ]
    }

    fn cache_capacity(&self) -> usize {
        self.cfg.max_cached_workflows.max(1)
    }

    fn push_activation(&self, st: &mut State, a: WorkflowActivation) {
        st.ready.push_back(a);
        self.wakeup.notify_one();
    }

    /// Moves a run forward as far as it can go without the worker or the server.
    fn advance(&self, st: &mut State, run_id: &str) -> Vec<Action> {
        let Some(run) = st.runs.get_mut(run_id) else {
            return vec![];
        };
        if run.outstanding.is_some() {
            return vec![];
        }
        if let Some((reason, message)) = run.eviction.clone() {
            run.outstanding = Some(Outstanding::Eviction);
            let a = WorkflowActivation {
                run_id: run_id.to_string(),
                timestamp: run.machines.time(),
                is_replaying: run.machines.is_replaying(),
                history_length: run.machines.last_applied_event_id(),
                jobs: vec![WorkflowActivationJob {
                    variant: Some(Job::RemoveFromCache(RemoveFromCache {
                        message,
                        reason: reason as i32,
                    })),
                }],
                ..Default::default()
            };
            self.push_activation(st, a);
            return vec![];
        }
        let Some(task) = run.task.as_mut() else { return vec![] };
        match run.machines.next_step() {
            Ok(Next::Activation(a)) => {
                if a.is_replaying {
                    task.replayed = true;
                } else if task.replayed && !task.replay_recorded {
                    task.replay_recorded = true;
                    if let Some(m) = self.metrics() {
                        m.record_histogram(
                            "workflow_task_replay_latency",
                            &self.run_labels(&run.machines),
                            task.received.elapsed().as_secs_f64() * 1000.0,
                        );
                    }
                }
                run.outstanding = Some(Outstanding::Jobs);
                self.push_activation(st, *a);
                vec![]
            }
            Ok(Next::NeedsHistory) => {
                let Some(token) = task.history.start_fetch() else {
                    return vec![];
                };
                vec![Action::FetchPage {
                    run_id: run_id.to_string(),
                    execution: task.execution.clone(),
                    token,
                }]
            }
            Ok(Next::Idle) => {
                let query_activation = |jobs: Vec<Job>, m: &RunMachines| WorkflowActivation {
                    run_id: run_id.to_string(),
                    timestamp: m.time(),
                    is_replaying: true,
                    history_length: m.last_applied_event_id(),
                    jobs: jobs
                        .into_iter()
                        .map(|j| WorkflowActivationJob { variant: Some(j) })
                        .collect(),
                    ..Default::default()
                };
                if !run.queries_pending.is_empty() {
                    let queries = std::mem::take(&mut run.queries_pending);
                    let ids = queries.iter().map(|(id, _)| id.clone()).collect();
                    let jobs = queries
                        .into_iter()
                        .map(|(id, q)| Job::QueryWorkflow(query_job(id, q)))
                        .collect();
                    let a = query_activation(jobs, &run.machines);
                    run.outstanding = Some(Outstanding::Queries(ids));
                    self.push_activation(st, a);
                    return vec![];
                }
                if let Some(q) = task.legacy_query.take() {
                    let a = query_activation(
                        vec![Job::QueryWorkflow(query_job(LEGACY_QUERY_ID.into(), q))],
                        &run.machines,
                    );
                    run.outstanding = Some(Outstanding::LegacyQuery);
                    self.push_activation(st, a);
                    return vec![];
                }
                if task.is_legacy_query_task {
                    return vec![];
                }
                if run.machines.has_unresolved_local_activities() {
                    if task.heartbeat_armed {
                        return vec![];
                    }
                    task.heartbeat_armed = true;
                    let at = task.received + run.machines.workflow_task_timeout().mul_f64(0.8);
                    return vec![Action::ArmHeartbeat {
                        run_id: run_id.to_string(),
                        token: task.token.clone(),
                        at,
                    }];
                }
                let token = task.token.clone();
                let query_results = std::mem::take(&mut task.query_results);
                let req = self.completion_request(run, token, query_results, false);
                vec![Action::RespondCompleted {
                    run_id: run_id.to_string(),
                    req: Box::new(req),
                }]
            }
            Err(e) => self.fail_task(st, run_id, e),
        }
    }

    fn request_eviction_locked(
        &self,
        st: &mut State,
        run_id: &str,
        reason: EvictionReason,
        message: &str,
    ) -> Vec<Action> {
        let Some(run) = st.runs.get_mut(run_id) else {
            return vec![];
        };
        run.eviction.get_or_insert((reason, message.to_string()));
        self.advance(st, run_id)
    }

    /// Asks the core to evict a run (the eviction arrives as an activation). Returns false for
    /// an unknown run.
    pub(crate) fn request_eviction(&self, run_id: &str, message: &str) -> bool {
        let mut st = self.state.lock();
        if !st.runs.contains(run_id) {
            return false;
        }
        let actions = self.request_eviction_locked(&mut st, run_id, EvictionReason::LangRequested, message);
        debug_assert!(actions.is_empty());
        true
    }

    /// Wakes a pending poll (used at shutdown).
    pub(crate) fn bump(&self) {
        self.wakeup.notify_one();
    }

    /// Number of cached runs.
    pub(crate) fn cached_runs(&self) -> usize {
        self.state.lock().runs.len()
    }
}

trait TapResolutions {
    fn tap_resolutions(self, rx: &mut mpsc::UnboundedReceiver<LaResolution>) -> Self;
}

impl TapResolutions for Arc<WorkflowTasks> {
    /// Spawns the task that feeds local activity outcomes back into their runs.
    fn tap_resolutions(self, rx: &mut mpsc::UnboundedReceiver<LaResolution>) -> Self {
        let (_, empty) = mpsc::unbounded_channel();
        let mut rx = std::mem::replace(rx, empty);
        let weak = Arc::downgrade(&self);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                while let Some(r) = rx.recv().await {
                    let Some(me) = weak.upgrade() else { return };
                    let actions = me.resolve_local_activity(r);
                    me.perform(actions).await;
                }
            });
        }
        self
    }
}
