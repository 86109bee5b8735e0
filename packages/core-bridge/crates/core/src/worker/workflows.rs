//! Workflow tasks: polls the (sticky and normal) workflow task queues, keeps the cache of runs,
//! hands out activations, applies completions and reports workflow tasks to the server.
//!
//! All run state lives behind one mutex and is only touched synchronously; every server call
//! happens outside it, and its result is applied afterwards. That keeps the single-writer
//! discipline of the design (one input at a time per run) without a dedicated thread.
use super::config::WorkerConfig;
use super::history_pages::TaskHistory;
use super::local_activities::{LaContext, LaResolution, LocalActivities};
use super::run_cache::RunCache;
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

    fn ensure_pollers(self: &Arc<Self>) {
        if self.pollers_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let Some(tx) = self.tx.lock().take() else { return };
        match &self.backend {
            Backend::Replay(feed) => {
                let feed = feed.clone();
                let me = self.clone();
                tokio::spawn(async move {
                    while let Some(resp) = feed.next_task().await {
                        if tx
                            .send(Polled::Task(Box::new(Task { resp, permit: None })))
                            .await
                            .is_err()
                        {
                            break;
                        }
                    }
                    drop(tx);
                    me.wakeup.notify_one();
                });
            }
            Backend::Server(conn) => {
                let (nonsticky, sticky) = self.cfg.workflow_poller_split();
                let mut queues = vec![(
                    TaskQueue {
                        name: self.cfg.task_queue.clone(),
                        kind: TaskQueueKind::Normal as i32,
                        normal_name: String::new(),
                    },
                    nonsticky,
                )];
                if let Some(s) = &self.sticky_queue {
                    queues.push((
                        TaskQueue {
                            name: s.clone(),
                            kind: TaskQueueKind::Sticky as i32,
                            normal_name: self.cfg.task_queue.clone(),
                        },
                        sticky,
                    ));
                }
                for (queue, count) in queues {
                    for _ in 0..count {
                        let tx = tx.clone();
                        let conn = conn.clone();
                        let cfg = self.cfg.clone();
                        let slots = self.slots.clone();
                        let queue = queue.clone();
                        let mut shutdown = self.shutdown.clone();
                        tokio::spawn(async move {
                            poll_loop(conn, cfg, slots, queue, tx, &mut shutdown).await;
                        });
                    }
                }
                drop(tx);
            }
        }
    }

    /// Waits for the next activation.
    pub(crate) async fn poll(self: &Arc<Self>) -> Result<WorkflowActivation, CoreError> {
        self.ensure_pollers();
        let mut rx_guard = self.rx.lock().await;
        loop {
            {
                let mut st = self.state.lock();
                if let Some(a) = st.ready.pop_front() {
                    return Ok(a);
                }
                if let Some(msg) = st.fatal.take() {
                    return Err(CoreError::IllegalState(format!("workflow polling failed: {msg}")));
                }
                if self.pollers_done.load(Ordering::SeqCst)
                    && st.runs.values().all(|r| !r.busy())
                    && st.need_slot.is_empty()
                {
                    return Err(CoreError::ShutDown);
                }
            }
            let polled = match rx_guard.as_mut() {
                Some(rx) => {
                    tokio::select! {
                        _ = self.wakeup.notified() => None,
                        m = rx.recv() => Some(m),
                    }
                }
                None => {
                    self.wakeup.notified().await;
                    None
                }
            };
            match polled {
                None => {}
                Some(None) => {
                    *rx_guard = None;
                    self.pollers_done.store(true, Ordering::SeqCst);
                }
                Some(Some(Polled::Task(task))) => self.handle_task(*task).await,
                Some(Some(Polled::Fatal(e))) => return Err(e),
            }
        }
    }

    fn handle_task<'a>(
        self: &'a Arc<Self>,
        task: Task,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            let actions = match self.admit_task(task).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "dropping workflow task");
                    vec![]
                }
            };
            self.perform(actions).await;
        })
    }

    /// One page of a run's history.
    async fn fetch_page(
        &self,
        execution: WorkflowExecution,
        token: Vec<u8>,
    ) -> Result<(Vec<HistoryEvent>, Vec<u8>), CoreError> {
        let Backend::Server(conn) = &self.backend else {
            return Err(CoreError::IllegalState(
                "a replay worker cannot fetch history pages".into(),
            ));
        };
        let req = GetWorkflowExecutionHistoryRequest {
            namespace: self.cfg.namespace.clone(),
            execution: Some(execution),
            maximum_page_size: self.cfg.history_page_size,
            next_page_token: token,
            ..Default::default()
        };
        let ns = self.cfg.namespace.clone();
        let resp = conn
            .call("GetWorkflowExecutionHistory", Some(&ns), |mut c| {
                let req = req.clone();
                let ns = ns.clone();
                async move { c.get_workflow_execution_history(request(&ns, req)).await }
            })
            .await?;
        Ok((resp.history.map(|h| h.events).unwrap_or_default(), resp.next_page_token))
    }

    /// A history page (or the failure to get one) for the run's current task.
    fn page_arrived(
        &self,
        st: &mut State,
        run_id: &str,
        page: Result<(Vec<HistoryEvent>, Vec<u8>), CoreError>,
    ) -> Vec<Action> {
        let Some(run) = st.runs.get_mut(run_id) else {
            return vec![];
        };
        let Some(task) = run.task.as_mut().filter(|t| t.history.fetching()) else {
            return vec![];
        };
        let (events, next_token) = match page {
            Ok(p) => p,
            Err(e) => {
                task.history.fetch_failed();
                tracing::warn!(run_id, error = %e, "could not fetch a history page; evicting the run");
                return self.request_eviction_locked(
                    st,
                    run_id,
                    EvictionReason::PaginationOrHistoryFetch,
                    &format!("history fetch failed: {e}"),
                );
            }
        };
        let events = task.history.page_arrived(events, next_token);
        let more = task.history.more();
        if !more {
            tracing::debug!(
                run_id,
                pages = task.history.pages_fetched(),
                "fetched the task's whole history"
            );
        }
        let started = task.started_event_id;
        if let Err(e) = run.machines.feed_history(events, started) {
            return self.fail_task(st, run_id, e);
        }
        run.machines.expect_more_history(more);
        if !more && started > 0 && run.machines.last_received_event_id() < started {
            let message = format!(
                "history pages ended at event {} before the task's started event {started}",
                run.machines.last_received_event_id()
            );
            tracing::warn!(run_id, "{message}");
            return self.request_eviction_locked(st, run_id, EvictionReason::PaginationOrHistoryFetch, &message);
        }
        self.advance(st, run_id)
    }

    /// Decides what to do with a polled task: buffer it, fetch missing history, wait for a cache
    /// slot, or feed it to its run.
    async fn admit_task(self: &Arc<Self>, task: Task) -> Result<Vec<Action>, CoreError> {
        if task.resp.task_token.is_empty() || task.resp.workflow_execution.is_none() {
            return Ok(vec![]);
        }
        let run_id = task
            .resp
            .workflow_execution
            .as_ref()
            .map(|e| e.run_id.clone())
            .unwrap_or_default();
        let busy = self.state.lock().runs.get(&run_id).is_some_and(|r| r.busy());
        if busy {
            let mut st = self.state.lock();
            if let Some(run) = st.runs.get_mut(&run_id) {
                if task.resp.query.is_some() {
                    run.buffered_queries.push_back(task);
                } else {
                    run.buffered = Some(task);
                }
                return Ok(vec![]);
            }
        }
        let mut st = self.state.lock();
        if !st.runs.contains(&run_id) && st.runs.len() >= self.cache_capacity() {
            st.need_slot.push_back(task);
            self.evict_lru(&mut st);
            return Ok(vec![]);
        }
        Ok(self.start_task(&mut st, task))
    }

    fn evict_lru(&self, st: &mut State) {
        let victim = st.runs.least_recent(|r| !r.busy()).map(str::to_string);
        if let Some(id) = victim {
            self.request_eviction_locked(st, &id, EvictionReason::CacheFull, "cache is full");
        }
    }

    fn start_task(&self, st: &mut State, task: Task) -> Vec<Action> {
        let mut resp = task.resp;
        let run_id = resp
            .workflow_execution
            .as_ref()
            .map(|e| e.run_id.clone())
            .unwrap_or_default();
        let cached = st.runs.contains(&run_id);
        let incremental = resp.query.is_none() && super::history_pages::is_partial(&resp);
        let (history, events) = match &self.backend {
            Backend::Server(_) => TaskHistory::from_poll(&mut resp, cached),
            Backend::Replay(_) => (
                TaskHistory::complete(),
                resp.history.take().map(|h| h.events).unwrap_or_default(),
            ),
        };
        if let Backend::Server(c) = &self.backend
            && incremental
        {
            let labels = [
                ("namespace", self.cfg.namespace.clone()),
                ("task_queue", self.cfg.task_queue.clone()),
            ];
            let name = if history.is_cache_miss() {
                "sticky_cache_miss"
            } else {
                "sticky_cache_hit"
            };
            c.metrics().add_counter(name, &labels, 1);
        }
        let sdk_metadata_supported = match &self.backend {
            Backend::Server(c) => c.capabilities().sdk_metadata,
            Backend::Replay(_) => true,
        };
        let run = st.runs.touch_or_insert_with(&run_id, || ManagedRun {
            machines: RunMachines::new(
                run_id.clone(),
                RunConfig {
                    namespace: self.cfg.namespace.clone(),
                    task_queue: self.cfg.task_queue.clone(),
                    replay_mode: self.replay,
                    sdk_metadata_supported,
                    own_version: self.cfg.own_version(),
                },
            ),
            task: None,
            buffered: None,
            buffered_queries: VecDeque::new(),
            outstanding: None,
            eviction: None,
            queries_pending: vec![],
            versioning_behavior: 0,
        });
        let is_legacy = resp.query.is_some();
        if is_legacy && !resp.queries.is_empty() {
            tracing::error!(run_id, "server sent a legacy query and in-task queries together");
        }
        run.machines.set_query_only_task(is_legacy);
        let fed = if is_legacy && events.is_empty() {
            Ok(())
        } else {
            run.machines.feed_history(events, resp.started_event_id)
        };
        run.machines.expect_more_history(history.more());
        run.task = Some(ActiveTask {
            token: resp.task_token,
            attempt: resp.attempt,
            _permit: task.permit,
            legacy_query: resp.query,
            is_legacy_query_task: is_legacy,
            query_results: HashMap::new(),
            received: Instant::now(),
            heartbeat_armed: false,
            replayed: false,
            replay_recorded: false,
            started_event_id: resp.started_event_id,
            execution: resp.workflow_execution.clone().unwrap_or_default(),
            history,
        });
        run.machines.feed_messages(resp.messages);
        let mut queries: Vec<(String, WorkflowQuery)> = resp.queries.into_iter().collect();
        queries.sort_by(|a, b| a.0.cmp(&b.0));
        run.queries_pending = queries;
        if let Err(e) = fed {
            return self.fail_task(st, &run_id, e);
        }
        self.advance(st, &run_id)
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

    fn completion_request(
        &self,
        run: &mut ManagedRun,
        token: Vec<u8>,
        query_results: HashMap<String, WorkflowQueryResult>,
        force_create_new_workflow_task: bool,
    ) -> RespondWorkflowTaskCompletedRequest {
        let commands = run.machines.take_commands_to_send();
        let messages = run.machines.take_messages_to_send();
        let sdk_metadata = run.machines.sdk_metadata(&self.cfg.sdk_name, &self.cfg.sdk_version);
        let sticky_attributes = self.sticky_queue.as_ref().map(|name| StickyExecutionAttributes {
            worker_task_queue: Some(TaskQueue {
                name: name.clone(),
                kind: TaskQueueKind::Sticky as i32,
                normal_name: self.cfg.task_queue.clone(),
            }),
            schedule_to_start_timeout: prost_types::Duration::try_from(self.cfg.sticky_queue_schedule_to_start_timeout)
                .ok(),
        });
        RespondWorkflowTaskCompletedRequest {
            task_token: token,
            commands,
            identity: self.cfg.identity.clone(),
            return_new_workflow_task: sticky_attributes.is_some(),
            sticky_attributes,
            force_create_new_workflow_task,
            binary_checksum: self.cfg.build_id.clone(),
            query_results,
            namespace: self.cfg.namespace.clone(),
            messages,
            sdk_metadata: Some(sdk_metadata),
            capabilities: Some(Capabilities {
                discard_speculative_workflow_task_with_events: true,
            }),
            deployment_options: self.cfg.deployment_options(),
            versioning_behavior: self.versioning_behavior(run.versioning_behavior),
            ..Default::default()
        }
    }

    /// The behavior a completion declares: the workflow's own, else the worker's default; only a worker that uses
    /// versioning declares one.
    fn versioning_behavior(&self, declared: i32) -> i32 {
        match &self.cfg.deployment {
            Some(d) if d.use_worker_versioning => {
                if declared != VersioningBehavior::Unspecified as i32 {
                    declared
                } else {
                    d.default_versioning_behavior
                }
            }
            _ => VersioningBehavior::Unspecified as i32,
        }
    }

    /// Fails the run's workflow task (reported on attempt 1 only) and evicts the run.
    fn fail_task(&self, st: &mut State, run_id: &str, e: WorkflowError) -> Vec<Action> {
        let (cause, reason) = match &e {
            WorkflowError::Nondeterminism(_) => (
                WorkflowTaskFailedCause::NonDeterministicError,
                EvictionReason::Nondeterminism,
            ),
            _ => (
                WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                EvictionReason::Fatal,
            ),
        };
        tracing::warn!(run_id, error = %e, "failing workflow task");
        if matches!(e, WorkflowError::Nondeterminism(_))
            && self.cfg.nondeterminism_fails_workflow
            && let Some(run) = st.runs.get_mut(run_id)
            && let Some(task) = run.task.as_ref().filter(|t| !t.is_legacy_query_task)
        {
            // Configured to fail the workflow itself: complete the task with one FailWorkflowExecution.
            run.eviction.get_or_insert((reason, e.to_string()));
            let req = RespondWorkflowTaskCompletedRequest {
                task_token: task.token.clone(),
                commands: vec![crate::workflow::machines::new_command(
                    crate::protos::temporal::api::enums::v1::CommandType::FailWorkflowExecution,
                    crate::protos::temporal::api::command::v1::command::Attributes::FailWorkflowExecutionCommandAttributes(
                        crate::protos::temporal::api::command::v1::FailWorkflowExecutionCommandAttributes { failure: Some(failure(e.to_string())) },
                    ),
                )],
                identity: self.cfg.identity.clone(),
                namespace: self.cfg.namespace.clone(),
                binary_checksum: self.cfg.build_id.clone(),
                deployment_options: self.cfg.deployment_options(),
                versioning_behavior: self.versioning_behavior(run.versioning_behavior),
                ..Default::default()
            };
            return vec![Action::RespondCompleted {
                run_id: run_id.to_string(),
                req: Box::new(req),
            }];
        }
        self.fail_with(st, run_id, failure(e.to_string()), cause, reason, e.to_string())
    }

    fn fail_with(
        &self,
        st: &mut State,
        run_id: &str,
        f: Failure,
        cause: WorkflowTaskFailedCause,
        reason: EvictionReason,
        message: String,
    ) -> Vec<Action> {
        let Some(run) = st.runs.get_mut(run_id) else {
            return vec![];
        };
        if let Some(m) = self.metrics()
            && run.task.as_ref().is_some_and(|t| !t.is_legacy_query_task)
        {
            let failure_reason = if cause == WorkflowTaskFailedCause::NonDeterministicError {
                "NonDeterminismError"
            } else {
                "WorkflowError"
            };
            let [ns, tq, wt] = self.run_labels(&run.machines);
            m.add_counter(
                "workflow_task_execution_failed",
                &[ns, tq, wt, ("failure_reason", failure_reason.to_string())],
                1,
            );
        }
        run.eviction.get_or_insert((reason, message));
        let Some(task) = run.task.as_ref() else {
            return self.advance(st, run_id);
        };
        if task.is_legacy_query_task {
            let req = RespondQueryTaskCompletedRequest {
                task_token: task.token.clone(),
                completed_type: QueryResultType::Failed as i32,
                error_message: f.message.clone(),
                namespace: self.cfg.namespace.clone(),
                failure: Some(f),
                cause: cause as i32,
                ..Default::default()
            };
            return vec![Action::RespondLegacyQuery {
                run_id: run_id.to_string(),
                req: Box::new(req),
            }];
        }
        let req = (task.attempt <= 1).then(|| {
            Box::new(RespondWorkflowTaskFailedRequest {
                task_token: task.token.clone(),
                cause: cause as i32,
                failure: Some(f),
                identity: self.cfg.identity.clone(),
                binary_checksum: self.cfg.build_id.clone(),
                namespace: self.cfg.namespace.clone(),
                deployment_options: self.cfg.deployment_options(),
                ..Default::default()
            })
        });
        vec![Action::RespondFailed {
            run_id: run_id.to_string(),
            req,
        }]
    }

    /// Applies a completion from the worker.
    pub(crate) async fn complete(self: &Arc<Self>, completion: WorkflowActivationCompletion) -> Result<(), CoreError> {
        let actions = {
            let mut st = self.state.lock();
            self.apply_completion(&mut st, completion)?
        };
        self.perform(actions).await;
        Ok(())
    }

    fn apply_completion(
        &self,
        st: &mut State,
        completion: WorkflowActivationCompletion,
    ) -> Result<Vec<Action>, CoreError> {
        let run_id = completion.run_id;
        let Some(run) = st.runs.get_mut(&run_id) else {
            return Err(CoreError::UnknownRun(run_id));
        };
        let Some(outstanding) = run.outstanding.clone() else {
            return Err(CoreError::IllegalState(format!(
                "run {run_id} has no outstanding activation to complete"
            )));
        };
        let Some(status) = completion.status else {
            return Err(CoreError::InvalidInput(
                "completion has no status (successful or failed)".into(),
            ));
        };
        match (outstanding, status) {
            (Outstanding::Eviction, Status::Successful(s)) if !s.commands.is_empty() => Err(CoreError::InvalidInput(
                "a completion of an eviction (RemoveFromCache) must not carry commands".into(),
            )),
            (Outstanding::Eviction, _) => {
                let mut run = match st.runs.remove(&run_id) {
                    Some(r) => r,
                    None => return Ok(vec![]),
                };
                if let Some(la) = &self.local_activities {
                    la.abandon_run(&run_id);
                }
                if let Some(m) = self.metrics() {
                    let labels = [
                        ("namespace", self.cfg.namespace.clone()),
                        ("task_queue", self.cfg.task_queue.clone()),
                    ];
                    m.set_gauge("sticky_cache_size", &labels, st.runs.len() as f64);
                    if run
                        .eviction
                        .as_ref()
                        .is_some_and(|(reason, _)| *reason != EvictionReason::WorkflowExecutionEnding)
                    {
                        m.add_counter("sticky_cache_total_forced_eviction", &labels, 1);
                    }
                }
                let mut actions = vec![];
                if let Some(b) = run.buffered.take() {
                    actions.push(Action::Process(Box::new(b)));
                }
                actions.extend(run.buffered_queries.drain(..).map(|t| Action::Process(Box::new(t))));
                if let Some(t) = st.need_slot.pop_front() {
                    actions.push(Action::Process(Box::new(t)));
                }
                if let Backend::Replay(feed) = &self.backend {
                    feed.run_finished();
                }
                self.wakeup.notify_one();
                Ok(actions)
            }
            (Outstanding::Jobs, Status::Successful(s)) => {
                run.outstanding = None;
                run.versioning_behavior = s.versioning_behavior;
                match run.machines.apply_completion(s.commands, &s.used_internal_flags) {
                    Ok(stray) => {
                        if !stray.is_empty() {
                            tracing::warn!(run_id, "ignoring query answers in a non-query activation");
                        }
                        self.dispatch_local_activities(st, &run_id);
                        Ok(self.advance(st, &run_id))
                    }
                    Err(WorkflowError::MalformedCompletion(m)) => {
                        Ok(self.fail_task(st, &run_id, WorkflowError::MalformedCompletion(m)))
                    }
                    Err(e) => Ok(self.fail_task(st, &run_id, e)),
                }
            }
            (Outstanding::Jobs, Status::Failed(f)) => {
                run.outstanding = None;
                let cause = WorkflowTaskFailedCause::try_from(f.force_cause)
                    .ok()
                    .filter(|c| *c != WorkflowTaskFailedCause::Unspecified)
                    .unwrap_or(WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure);
                let reason = if cause == WorkflowTaskFailedCause::NonDeterministicError {
                    EvictionReason::Nondeterminism
                } else {
                    EvictionReason::LangFail
                };
                let failure_msg = f.failure.as_ref().map(|x| x.message.clone()).unwrap_or_default();
                Ok(self.fail_with(st, &run_id, f.failure.unwrap_or_default(), cause, reason, failure_msg))
            }
            (Outstanding::Queries(ids), status) => {
                run.outstanding = None;
                let answers = query_answers(status);
                if let Some(task) = run.task.as_mut() {
                    for id in ids {
                        let result = answers.get(&id).cloned().unwrap_or_else(|| WorkflowQueryResult {
                            result_type: QueryResultType::Failed as i32,
                            error_message: "the workflow did not answer this query".into(),
                            ..Default::default()
                        });
                        task.query_results.insert(id, result);
                    }
                }
                Ok(self.advance(st, &run_id))
            }
            (Outstanding::LegacyQuery, status) => {
                let answers = query_answers(status);
                let Some(answer) = answers.get(LEGACY_QUERY_ID).cloned().filter(|_| answers.len() == 1) else {
                    return Err(CoreError::InvalidInput(
                        "a legacy query activation must be answered with exactly one respond_to_query command".into(),
                    ));
                };
                run.outstanding = None;
                let token = run.task.as_ref().map(|t| t.token.clone()).unwrap_or_default();
                let req = RespondQueryTaskCompletedRequest {
                    task_token: token,
                    completed_type: answer.result_type,
                    query_result: answer.answer,
                    error_message: answer.error_message,
                    namespace: self.cfg.namespace.clone(),
                    failure: answer.failure,
                    ..Default::default()
                };
                Ok(vec![Action::RespondLegacyQuery {
                    run_id,
                    req: Box::new(req),
                }])
            }
        }
    }

    fn dispatch_local_activities(&self, st: &mut State, run_id: &str) {
        let (Some(la), Some(run)) = (&self.local_activities, st.runs.get_mut(run_id)) else {
            return;
        };
        let ctx = LaContext {
            namespace: self.cfg.namespace.clone(),
            workflow_id: run.machines.workflow_id.clone(),
            workflow_type: run.machines.workflow_type.clone(),
            run_id: run_id.to_string(),
            task_queue: self.cfg.task_queue.clone(),
        };
        for req in run.machines.take_local_activity_requests() {
            la.start(ctx.clone(), req);
        }
        for (seq, wait) in run.machines.take_local_activity_cancels() {
            la.cancel(run_id, seq, wait);
        }
    }

    /// The heartbeat deadline of a task passed: if local activities still hold it, complete it
    /// with the commands so far and ask the server for a new task.
    fn wft_heartbeat(&self, run_id: &str, token: &[u8]) -> Vec<Action> {
        let mut st = self.state.lock();
        let Some(run) = st.runs.get_mut(run_id) else {
            return vec![];
        };
        let holds = run.task.as_ref().is_some_and(|t| t.token == token) && run.outstanding.is_none();
        if !holds || !run.machines.has_unresolved_local_activities() {
            return vec![];
        }
        let query_results = run
            .task
            .as_mut()
            .map(|t| std::mem::take(&mut t.query_results))
            .unwrap_or_default();
        let req = self.completion_request(run, token.to_vec(), query_results, true);
        vec![Action::RespondCompleted {
            run_id: run_id.to_string(),
            req: Box::new(req),
        }]
    }

    /// Connects the worker's remote activities, so workflow task completions can ask for eager activity tasks.
    pub(crate) fn set_activities(&self, activities: Arc<super::activities::ActivityTasks>) {
        let _ = self.activities.set(activities);
    }

    /// Keeps `request_eager_execution` on the activities of this worker's task queue for which an activity slot
    /// could be reserved (at most `max_eager_activity_reservations`), and clears it on the others.
    fn reserve_eager_activities(
        &self,
        req: &mut RespondWorkflowTaskCompletedRequest,
    ) -> Vec<tokio::sync::OwnedSemaphorePermit> {
        use crate::protos::temporal::api::command::v1::command::Attributes;
        let mut permits = vec![];
        for command in req.commands.iter_mut() {
            let Some(Attributes::ScheduleActivityTaskCommandAttributes(a)) = command.attributes.as_mut() else {
                continue;
            };
            if !a.request_eager_execution {
                continue;
            }
            let eligible = permits.len() < self.cfg.max_eager_activity_reservations
                && a.task_queue.as_ref().is_some_and(|q| q.name == self.cfg.task_queue);
            match self
                .activities
                .get()
                .filter(|_| eligible)
                .and_then(|acts| acts.try_reserve_eager_slot())
            {
                Some(permit) => permits.push(permit),
                None => a.request_eager_execution = false,
            }
        }
        permits
    }

    fn perform<'a>(
        self: &'a Arc<Self>,
        actions: Vec<Action>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(self.perform_all(actions))
    }

    async fn perform_all(self: &Arc<Self>, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::ArmHeartbeat { run_id, token, at } => {
                    let me = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                        let actions = me.wft_heartbeat(&run_id, &token);
                        me.perform(actions).await;
                    });
                }
                Action::Process(t) => self.handle_task(*t).await,
                Action::FetchPage {
                    run_id,
                    execution,
                    token,
                } => {
                    let page = self.fetch_page(execution, token).await;
                    let next = {
                        let mut st = self.state.lock();
                        self.page_arrived(&mut st, &run_id, page)
                    };
                    self.perform(next).await;
                }
                Action::RespondCompleted { run_id, mut req } => {
                    let permits = self.reserve_eager_activities(&mut req);
                    let mut result = self.respond_completed(*req).await;
                    if let (Some(acts), Ok(resp)) = (self.activities.get(), result.as_mut()) {
                        acts.deliver_eager(std::mem::take(&mut resp.activity_tasks), permits);
                    }
                    let next = {
                        let mut st = self.state.lock();
                        self.after_completed(&mut st, &run_id, result)
                    };
                    self.perform(next).await;
                }
                Action::RespondFailed { run_id, req } => {
                    if let (Some(req), Backend::Server(conn)) = (req, &self.backend) {
                        let ns = self.cfg.namespace.clone();
                        let r = conn
                            .call("RespondWorkflowTaskFailed", Some(&ns), |mut c| {
                                let req = (*req).clone();
                                let ns = ns.clone();
                                async move { c.respond_workflow_task_failed(request(&ns, req)).await }
                            })
                            .await;
                        if let Err(e) = r {
                            tracing::warn!(run_id, error = %e, "could not report the failed workflow task");
                        }
                    }
                    let next = {
                        let mut st = self.state.lock();
                        self.task_done(&mut st, &run_id)
                    };
                    self.perform(next).await;
                }
                Action::RespondLegacyQuery { run_id, req } => {
                    if let Backend::Server(conn) = &self.backend {
                        let ns = self.cfg.namespace.clone();
                        let r = conn
                            .call("RespondQueryTaskCompleted", Some(&ns), |mut c| {
                                let req = (*req).clone();
                                let ns = ns.clone();
                                async move { c.respond_query_task_completed(request(&ns, req)).await }
                            })
                            .await;
                        if let Err(e) = r {
                            tracing::warn!(run_id, error = %e, "could not answer the legacy query");
                        }
                    }
                    let next = {
                        let mut st = self.state.lock();
                        self.task_done(&mut st, &run_id)
                    };
                    self.perform(next).await;
                }
            }
        }
    }

    async fn respond_completed(
        &self,
        req: RespondWorkflowTaskCompletedRequest,
    ) -> Result<RespondWorkflowTaskCompletedResponse, CoreError> {
        match &self.backend {
            Backend::Replay(_) => Ok(RespondWorkflowTaskCompletedResponse::default()),
            Backend::Server(conn) => {
                let ns = self.cfg.namespace.clone();
                conn.call("RespondWorkflowTaskCompleted", Some(&ns), |mut c| {
                    let req = req.clone();
                    let ns = ns.clone();
                    async move { c.respond_workflow_task_completed(request(&ns, req)).await }
                })
                .await
            }
        }
    }

    /// The run's task is finished: release it, then feed whatever was waiting for the run.
    fn task_done(&self, st: &mut State, run_id: &str) -> Vec<Action> {
        let mut actions = vec![];
        if let Some(run) = st.runs.get_mut(run_id) {
            run.task = None;
            if run.eviction.is_none() {
                if let Some(q) = run.buffered_queries.pop_front() {
                    actions.push(Action::Process(Box::new(q)));
                } else if let Some(b) = run.buffered.take() {
                    actions.push(Action::Process(Box::new(b)));
                }
            }
        }
        actions.extend(self.advance(st, run_id));
        actions
    }

    fn after_completed(
        &self,
        st: &mut State,
        run_id: &str,
        result: Result<RespondWorkflowTaskCompletedResponse, CoreError>,
    ) -> Vec<Action> {
        let metrics = match &self.backend {
            Backend::Server(c) => Some(c.metrics().clone()),
            Backend::Replay(_) => None,
        };
        let cache_size = st.runs.len();
        let Some(run) = st.runs.get_mut(run_id) else {
            return vec![];
        };
        let forced = run.machines.has_unresolved_local_activities();
        let labels = [
            ("namespace", self.cfg.namespace.clone()),
            ("task_queue", self.cfg.task_queue.clone()),
            ("workflow_type", run.machines.workflow_type.clone()),
        ];
        let permit = run.task.take().and_then(|t| {
            if let Some(m) = &metrics {
                m.record_histogram(
                    "workflow_task_execution_latency",
                    &labels,
                    t.received.elapsed().as_secs_f64() * 1000.0,
                );
            }
            t._permit
        });
        if let Some(m) = &metrics {
            m.set_gauge("sticky_cache_size", &labels[..2], cache_size as f64);
            if result.is_ok()
                && let Some(name) = run.machines.terminal_metric()
            {
                m.add_counter(name, &labels, 1);
                if let Some(ms) = millis_since(run.machines.start_time().as_ref()) {
                    m.record_histogram("workflow_endtoend_latency", &labels, ms);
                }
            }
        }
        match result {
            Ok(resp) => {
                if resp.reset_history_event_id > 0
                    && let Err(e) = run.machines.discard_speculative_task(resp.reset_history_event_id)
                {
                    tracing::warn!(run_id, error = %e, "could not roll back a discarded speculative workflow task; evicting");
                    run.eviction.get_or_insert((EvictionReason::Fatal, e.to_string()));
                }
                if run.machines.is_finished() {
                    run.eviction.get_or_insert((
                        EvictionReason::WorkflowExecutionEnding,
                        "workflow execution is ending".into(),
                    ));
                } else if (self.cfg.max_cached_workflows == 0 && !forced) || self.replay {
                    run.eviction
                        .get_or_insert((EvictionReason::CacheFull, "workflow cache is disabled".into()));
                }
                if let Some(next) = resp.workflow_task.filter(|t| !t.task_token.is_empty())
                    && run.eviction.is_none()
                {
                    run.buffered = Some(Task { resp: next, permit });
                }
            }
            Err(CoreError::Transport { status, .. }) => {
                let reason = match status.code() {
                    tonic::Code::NotFound => EvictionReason::TaskNotFound,
                    tonic::Code::InvalidArgument if status.message().contains("UnhandledCommand") => {
                        EvictionReason::UnhandledCommand
                    }
                    _ => EvictionReason::Fatal,
                };
                tracing::warn!(run_id, error = %status, "RespondWorkflowTaskCompleted failed; evicting");
                run.eviction.get_or_insert((
                    reason,
                    format!("RespondWorkflowTaskCompleted failed: {}", status.message()),
                ));
            }
            Err(e) => {
                run.eviction.get_or_insert((EvictionReason::Fatal, e.to_string()));
            }
        }
        self.task_done(st, run_id)
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

fn query_job(id: String, q: WorkflowQuery) -> QueryWorkflow {
    QueryWorkflow {
        query_id: id,
        query_type: q.query_type,
        arguments: q.query_args.map(|p| p.payloads).unwrap_or_default(),
        headers: q.header.map(|h| h.fields).unwrap_or_default(),
    }
}

fn query_answers(status: Status) -> HashMap<String, WorkflowQueryResult> {
    let mut out = HashMap::new();
    match status {
        Status::Successful(s) => {
            for c in s.commands {
                if let Some(crate::protos::kairos::core::commands::workflow_command::Variant::RespondToQuery(
                    QueryResult { query_id, variant },
                )) = c.variant
                {
                    let r = match variant {
                        Some(query_result::Variant::Succeeded(ok)) => WorkflowQueryResult {
                            result_type: QueryResultType::Answered as i32,
                            answer: ok.response.map(|p| Payloads { payloads: vec![p] }),
                            ..Default::default()
                        },
                        Some(query_result::Variant::Failed(f)) => WorkflowQueryResult {
                            result_type: QueryResultType::Failed as i32,
                            error_message: f.message.clone(),
                            failure: Some(f),
                            ..Default::default()
                        },
                        None => WorkflowQueryResult {
                            result_type: QueryResultType::Failed as i32,
                            error_message: "query answer had no result".into(),
                            ..Default::default()
                        },
                    };
                    out.insert(query_id, r);
                }
            }
        }
        Status::Failed(f) => {
            let msg = f.failure.as_ref().map(|x| x.message.clone()).unwrap_or_default();
            out.insert(
                LEGACY_QUERY_ID.to_string(),
                WorkflowQueryResult {
                    result_type: QueryResultType::Failed as i32,
                    error_message: msg,
                    failure: f.failure,
                    ..Default::default()
                },
            );
        }
    }
    out
}

async fn poll_loop(
    conn: Connection,
    cfg: Arc<WorkerConfig>,
    slots: Arc<Semaphore>,
    queue: TaskQueue,
    tx: mpsc::Sender<Polled>,
    shutdown: &mut watch::Receiver<bool>,
) {
    let sticky = queue.kind == TaskQueueKind::Sticky as i32;
    let poller_type = if sticky {
        "sticky_workflow_task"
    } else {
        "workflow_task"
    };
    let mut backoff = Duration::from_millis(200);
    let started = Instant::now();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let permit = tokio::select! {
            _ = shutdown.changed() => return,
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
        };
        let req = PollWorkflowTaskQueueRequest {
            namespace: cfg.namespace.clone(),
            task_queue: Some(queue.clone()),
            identity: cfg.identity.clone(),
            binary_checksum: cfg.build_id.clone(),
            deployment_options: cfg.deployment_options(),
            ..Default::default()
        };
        let mut client = conn.client();
        let labels = [
            ("namespace", cfg.namespace.clone()),
            ("task_queue", cfg.task_queue.clone()),
            ("poller_type", poller_type.to_string()),
        ];
        let in_flight = conn.metrics().gauge_guard("num_pollers", labels.to_vec());
        let poll_started = Instant::now();
        let result = tokio::select! {
            _ = shutdown.changed() => return,
            r = client.poll_workflow_task_queue(long_poll(&cfg.namespace, req)) => r,
        };
        drop(in_flight);
        conn.record_long_poll(
            "PollWorkflowTaskQueue",
            poll_started,
            result.as_ref().err().map(|s| s.code()),
        );
        match result {
            Ok(resp) => {
                backoff = Duration::from_millis(200);
                let resp = resp.into_inner();
                if resp.task_token.is_empty() {
                    conn.metrics().add_counter("workflow_task_queue_poll_empty", &labels, 1);
                    continue;
                }
                conn.metrics()
                    .add_counter("workflow_task_queue_poll_succeed", &labels, 1);
                if let Some(ms) = millis_between(resp.scheduled_time.as_ref(), resp.started_time.as_ref()) {
                    conn.metrics()
                        .record_histogram("workflow_task_schedule_to_start_latency", &labels[..2], ms);
                }
                if tx
                    .send(Polled::Task(Box::new(Task {
                        resp,
                        permit: Some(permit),
                    })))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Err(status) => {
                if is_fatal_poll_error(&status) && started.elapsed() > Duration::from_secs(60)
                    || matches!(
                        status.code(),
                        tonic::Code::Unauthenticated
                            | tonic::Code::PermissionDenied
                            | tonic::Code::NotFound
                            | tonic::Code::InvalidArgument
                            | tonic::Code::Unimplemented
                    )
                {
                    let _ = tx
                        .send(Polled::Fatal(CoreError::transport("PollWorkflowTaskQueue", status)))
                        .await;
                    return;
                }
                tracing::debug!(error = %status, "workflow poll failed, retrying");
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}

pub(crate) fn is_fatal_poll_error(status: &tonic::Status) -> bool {
    !crate::connection::is_retryable(status.code())
        && !matches!(status.code(), tonic::Code::Cancelled | tonic::Code::DeadlineExceeded)
}
