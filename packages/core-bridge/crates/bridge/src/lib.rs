//! napi-rs binding: exposes kairos-core to Node.js. Every call that waits returns a Promise and
//! runs on the core's own tokio runtime; protocol messages cross as protobuf bytes; a panic in
//! the core becomes a rejected Promise (or thrown Error) naming the call, never a crash.
#![deny(clippy::unwrap_used)]

use kairos_core::protos::kairos::core::{activity, completion, nexus};
use kairos_core::replay::{HistoryForReplay, HistoryPusher};
use kairos_core::telemetry::logs::LogBuffer;
use kairos_core::telemetry::metrics::{MetricKind, Metrics};
use kairos_core::{CoreError, WorkerConfig};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use prost::Message;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("kairos-core")
            .build()
            .unwrap_or_else(|e| panic!("cannot start the core's tokio runtime: {e}"))
    })
}

struct Telemetry {
    logs: LogBuffer,
    metrics: Arc<Metrics>,
}

static TELEMETRY: OnceLock<Telemetry> = OnceLock::new();

fn telemetry_with(level: tracing::Level, prefix: &str) -> &'static Telemetry {
    TELEMETRY.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let logs = LogBuffer::new(10_000, level);
        let subscriber = tracing_subscriber::registry().with(logs.clone());
        let _ = tracing::subscriber::set_global_default(subscriber);
        Telemetry {
            logs,
            metrics: Arc::new(Metrics::new(prefix, vec![])),
        }
    })
}

fn telemetry() -> &'static Telemetry {
    telemetry_with(tracing::Level::INFO, "temporal_")
}

/// Maps a core error to a JS Error whose message starts with a stable error name.
fn js_err(e: CoreError) -> Error {
    let name = match &e {
        CoreError::ShutDown => "ShutdownError",
        CoreError::Transport { .. } | CoreError::Connect { .. } => "TransportError",
        CoreError::InvalidInput(_) | CoreError::Decode { .. } | CoreError::InvalidOptions(_) => "InvalidArgumentError",
        CoreError::UnknownRun(_) | CoreError::UnknownTaskToken(_) | CoreError::IllegalState(_) => "IllegalStateError",
        CoreError::NotImplemented(_) => "NotImplementedError",
    };
    Error::new(Status::GenericFailure, format!("{name}: {e}"))
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".into()
    }
}

/// Runs `fut` on the core runtime; a panic becomes an `UnexpectedError` naming `what`.
async fn on_core<T: Send + 'static>(
    what: &'static str,
    fut: impl Future<Output = std::result::Result<T, CoreError>> + Send + 'static,
) -> Result<T> {
    match runtime().spawn(fut).await {
        Ok(r) => r.map_err(js_err),
        Err(j) if j.is_panic() => Err(Error::new(
            Status::GenericFailure,
            format!(
                "UnexpectedError: the core panicked in {what}: {}",
                panic_message(j.into_panic())
            ),
        )),
        Err(j) => Err(Error::new(
            Status::GenericFailure,
            format!("UnexpectedError: {what} was cancelled: {j}"),
        )),
    }
}

/// Runs a synchronous core call inside the runtime, turning a panic into an Error.
fn sync_on_core<T>(what: &'static str, f: impl FnOnce() -> std::result::Result<T, CoreError>) -> Result<T> {
    let _guard = runtime().enter();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(js_err),
        Err(p) => Err(Error::new(
            Status::GenericFailure,
            format!("UnexpectedError: the core panicked in {what}: {}", panic_message(p)),
        )),
    }
}

fn decode<M: Message + Default>(what: &'static str, bytes: &[u8]) -> std::result::Result<M, CoreError> {
    M::decode(bytes).map_err(|source| CoreError::Decode { what, source })
}

/// Log and metric settings; call once before creating connections to change the defaults.
#[napi(object)]
pub struct TelemetryOptions {
    /// Most verbose level forwarded: "TRACE", "DEBUG", "INFO" (default), "WARN" or "ERROR".
    pub log_level: Option<String>,
    /// Prefix of every metric name (default "temporal_").
    pub metric_prefix: Option<String>,
}

/// Configures log forwarding and metrics. Returns false if telemetry was already set up.
#[napi]
pub fn init_telemetry(options: TelemetryOptions) -> Result<bool> {
    if TELEMETRY.get().is_some() {
        return Ok(false);
    }
    let level = match options
        .log_level
        .as_deref()
        .unwrap_or("INFO")
        .to_ascii_uppercase()
        .as_str()
    {
        "TRACE" => tracing::Level::TRACE,
        "DEBUG" => tracing::Level::DEBUG,
        "INFO" => tracing::Level::INFO,
        "WARN" => tracing::Level::WARN,
        "ERROR" => tracing::Level::ERROR,
        other => {
            return Err(Error::from_reason(format!(
                "InvalidArgumentError: unknown log level {other:?}"
            )));
        }
    };
    telemetry_with(level, options.metric_prefix.as_deref().unwrap_or("temporal_"));
    Ok(true)
}

/// One log record from the core.
#[napi(object)]
pub struct LogEntry {
    pub level: String,
    pub target: String,
    pub message: String,
    pub fields: HashMap<String, String>,
    pub timestamp_ms: f64,
}

/// Takes the buffered core logs, oldest first.
#[napi]
pub fn drain_logs() -> Vec<LogEntry> {
    telemetry()
        .logs
        .drain()
        .into_iter()
        .map(|r| LogEntry {
            level: r.level.to_string(),
            target: r.target,
            message: r.message,
            fields: r.fields.into_iter().collect(),
            timestamp_ms: r.timestamp_ms,
        })
        .collect()
}

/// One metric series (counter, gauge or histogram) with the official SDK's metric names.
#[napi(object)]
pub struct MetricPoint {
    pub name: String,
    #[napi(ts_type = "'counter' | 'gauge' | 'histogram'")]
    pub kind: String,
    pub labels: HashMap<String, String>,
    /// Counter total, gauge value or histogram sum.
    pub value: f64,
    /// Histogram observation count (0 otherwise).
    pub count: f64,
    pub bucket_bounds: Vec<f64>,
    pub bucket_counts: Vec<f64>,
}

/// Current values of every core metric.
#[napi]
pub fn metrics_snapshot() -> Vec<MetricPoint> {
    telemetry()
        .metrics
        .snapshot()
        .into_iter()
        .map(|p| MetricPoint {
            name: p.name,
            kind: match p.kind {
                MetricKind::Counter => "counter",
                MetricKind::Gauge => "gauge",
                MetricKind::Histogram => "histogram",
            }
            .into(),
            labels: p.labels.into_iter().collect(),
            value: p.value,
            count: p.count as f64,
            bucket_bounds: p.buckets.iter().map(|b| b.0).collect(),
            bucket_counts: p.buckets.iter().map(|b| b.1 as f64).collect(),
        })
        .collect()
}

/// TLS settings of a connection; with no CA certificate the Mozilla roots are trusted.
#[napi(object)]
pub struct TlsOptions {
    pub server_root_ca_cert: Option<Buffer>,
    pub server_name_override: Option<String>,
    pub client_cert: Option<Buffer>,
    pub client_private_key: Option<Buffer>,
}

/// Retry settings for calls to the server (defaults: 100 ms, ×1.7, max 5 s, 10 s total, 10 retries).
#[napi(object)]
pub struct RetryOptions {
    pub initial_interval_ms: Option<u32>,
    pub multiplier: Option<f64>,
    pub max_interval_ms: Option<u32>,
    pub max_elapsed_ms: Option<u32>,
    pub max_retries: Option<u32>,
}

/// Options of `connect`. TLS is implied by `apiKey`.
#[napi(object)]
pub struct ConnectionOptions {
    /// `host:port` or an `http(s)://` URL (default port 7233 is not added: give it).
    pub address: String,
    pub tls: Option<TlsOptions>,
    pub api_key: Option<String>,
    pub metadata: Option<HashMap<String, String>>,
    pub client_name: Option<String>,
    pub client_version: Option<String>,
    /// How long to keep retrying the initial connection. Default 10 s.
    pub connect_timeout_ms: Option<u32>,
    pub retry: Option<RetryOptions>,
}

/// A connection to a Temporal server shared by workers.
#[napi]
pub struct NativeConnection {
    inner: Option<kairos_core::Connection>,
}

fn ms(v: Option<u32>, default: Duration) -> Duration {
    v.map(|x| Duration::from_millis(x as u64)).unwrap_or(default)
}

/// Connects to a server (retrying with backoff until the connect timeout).
#[napi]
pub async fn connect(options: ConnectionOptions) -> Result<NativeConnection> {
    let metrics = telemetry().metrics.clone();
    let defaults = kairos_core::ConnectionOptions::default();
    let retry_defaults = kairos_core::RetryOptions::default();
    let retry = match options.retry {
        Some(r) => kairos_core::RetryOptions {
            initial_interval: ms(r.initial_interval_ms, retry_defaults.initial_interval),
            multiplier: r.multiplier.unwrap_or(retry_defaults.multiplier),
            max_interval: ms(r.max_interval_ms, retry_defaults.max_interval),
            max_elapsed: ms(r.max_elapsed_ms, retry_defaults.max_elapsed),
            max_retries: r.max_retries.unwrap_or(retry_defaults.max_retries),
            randomization_factor: retry_defaults.randomization_factor,
        },
        None => retry_defaults,
    };
    let opts = kairos_core::ConnectionOptions {
        address: options.address,
        tls: options.tls.map(|t| kairos_core::TlsOptions {
            server_root_ca_cert: t.server_root_ca_cert.map(|b| b.to_vec()),
            server_name_override: t.server_name_override,
            client_cert: t.client_cert.map(|b| b.to_vec()),
            client_private_key: t.client_private_key.map(|b| b.to_vec()),
        }),
        api_key: options.api_key,
        metadata: options.metadata.unwrap_or_default(),
        retry,
        client_name: options.client_name.unwrap_or(defaults.client_name),
        client_version: options.client_version.unwrap_or(defaults.client_version),
        connect_timeout: ms(options.connect_timeout_ms, defaults.connect_timeout),
    };
    let conn = on_core("connect", kairos_core::Connection::connect(opts, metrics)).await?;
    Ok(NativeConnection { inner: Some(conn) })
}

impl NativeConnection {
    fn get(&self) -> Result<&kairos_core::Connection> {
        self.inner
            .as_ref()
            .ok_or_else(|| Error::from_reason("IllegalStateError: the connection is closed"))
    }
}

#[napi]
impl NativeConnection {
    /// Replaces the custom metadata headers sent with every call.
    #[napi]
    pub fn update_metadata(&self, metadata: HashMap<String, String>) -> Result<()> {
        let c = self.get()?;
        sync_on_core("updateMetadata", || c.set_metadata(&metadata))
    }

    /// Replaces (or with no argument removes) the API key.
    #[napi]
    pub fn update_api_key(&self, api_key: Option<String>) -> Result<()> {
        let c = self.get()?;
        sync_on_core("updateApiKey", || c.set_api_key(api_key))
    }

    /// Drops this handle; workers created from it keep their own reference.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }
}

/// Worker options; unset numbers take the official SDK's defaults.
#[napi(object)]
pub struct WorkerOptions {
    pub namespace: String,
    pub task_queue: String,
    pub identity: String,
    pub build_id: Option<String>,
    pub sdk_name: Option<String>,
    pub sdk_version: Option<String>,
    /// Default true.
    pub enable_workflows: Option<bool>,
    /// Default true.
    pub enable_activities: Option<bool>,
    /// Default false.
    pub enable_nexus: Option<bool>,
    /// Default 40 (at least 2 when the cache is on).
    pub max_concurrent_workflow_task_executions: Option<u32>,
    /// Default 100.
    pub max_concurrent_activity_task_executions: Option<u32>,
    /// Activity slots a workflow task may reserve for eager activities (default 3; 0 turns eager execution off).
    pub max_eager_activity_reservations_per_workflow_task: Option<u32>,
    /// Default 100.
    pub max_concurrent_local_activity_executions: Option<u32>,
    /// Default 100.
    pub max_concurrent_nexus_task_executions: Option<u32>,
    /// Default 100; 0 disables the sticky cache.
    pub max_cached_workflows: Option<u32>,
    /// Default 10 s.
    pub sticky_queue_schedule_to_start_timeout_ms: Option<u32>,
    /// Default 5.
    pub max_concurrent_workflow_task_polls: Option<u32>,
    /// Default 5.
    pub max_concurrent_activity_task_polls: Option<u32>,
    /// Default 5.
    pub max_concurrent_nexus_task_polls: Option<u32>,
    /// Default 0.2.
    pub nonsticky_to_sticky_poll_ratio: Option<f64>,
    /// Default 60 s.
    pub max_heartbeat_throttle_interval_ms: Option<u32>,
    /// Default 30 s.
    pub default_heartbeat_throttle_interval_ms: Option<u32>,
    /// How long activities may run after shutdown starts before they are cancelled. Default: no limit.
    pub graceful_shutdown_period_ms: Option<u32>,
    /// Fail the workflow, not only the task, on non-determinism. Default false.
    pub nondeterminism_fails_workflow: Option<bool>,
    /// Events per GetWorkflowExecutionHistory page the core asks for. Default 0: the server's page size.
    pub history_page_size: Option<u32>,
    /// Worker deployment versioning (`workerDeploymentOptions`): deployment name and build id of this worker.
    pub deployment_name: Option<String>,
    pub use_worker_versioning: Option<bool>,
    /// `temporal.api.enums.v1.VersioningBehavior` number used when a workflow declares none.
    pub default_versioning_behavior: Option<i32>,
}

fn worker_config(o: WorkerOptions) -> WorkerConfig {
    let d = WorkerConfig::default();
    let n = |v: Option<u32>, dflt: usize| v.map(|x| x as usize).unwrap_or(dflt);
    WorkerConfig {
        namespace: o.namespace,
        task_queue: o.task_queue,
        identity: o.identity,
        build_id: o.build_id.clone().unwrap_or_default(),
        sdk_name: o.sdk_name.unwrap_or(d.sdk_name),
        sdk_version: o.sdk_version.unwrap_or(d.sdk_version),
        enable_workflows: o.enable_workflows.unwrap_or(true),
        enable_activities: o.enable_activities.unwrap_or(true),
        enable_nexus: o.enable_nexus.unwrap_or(false),
        max_concurrent_workflow_tasks: n(
            o.max_concurrent_workflow_task_executions,
            d.max_concurrent_workflow_tasks,
        ),
        max_concurrent_activities: n(o.max_concurrent_activity_task_executions, d.max_concurrent_activities),
        max_eager_activity_reservations: o
            .max_eager_activity_reservations_per_workflow_task
            .map(|v| v as usize)
            .unwrap_or(d.max_eager_activity_reservations),
        max_concurrent_local_activities: n(
            o.max_concurrent_local_activity_executions,
            d.max_concurrent_local_activities,
        ),
        max_concurrent_nexus_tasks: n(o.max_concurrent_nexus_task_executions, d.max_concurrent_nexus_tasks),
        max_cached_workflows: n(o.max_cached_workflows, d.max_cached_workflows),
        sticky_queue_schedule_to_start_timeout: ms(
            o.sticky_queue_schedule_to_start_timeout_ms,
            d.sticky_queue_schedule_to_start_timeout,
        ),
        max_workflow_task_polls: n(o.max_concurrent_workflow_task_polls, d.max_workflow_task_polls),
        max_activity_task_polls: n(o.max_concurrent_activity_task_polls, d.max_activity_task_polls),
        max_nexus_task_polls: n(o.max_concurrent_nexus_task_polls, d.max_nexus_task_polls),
        nonsticky_to_sticky_poll_ratio: o
            .nonsticky_to_sticky_poll_ratio
            .unwrap_or(d.nonsticky_to_sticky_poll_ratio),
        max_heartbeat_throttle_interval: ms(o.max_heartbeat_throttle_interval_ms, d.max_heartbeat_throttle_interval),
        default_heartbeat_throttle_interval: ms(
            o.default_heartbeat_throttle_interval_ms,
            d.default_heartbeat_throttle_interval,
        ),
        graceful_shutdown_period: o.graceful_shutdown_period_ms.map(|x| Duration::from_millis(x as u64)),
        nondeterminism_fails_workflow: o.nondeterminism_fails_workflow.unwrap_or(false),
        history_page_size: o
            .history_page_size
            .map(|x| x.min(i32::MAX as u32) as i32)
            .unwrap_or(d.history_page_size),
        deployment: o.deployment_name.map(|deployment_name| kairos_core::DeploymentConfig {
            deployment_name,
            build_id: o.build_id.clone().unwrap_or_default(),
            use_worker_versioning: o.use_worker_versioning.unwrap_or(false),
            default_versioning_behavior: o.default_versioning_behavior.unwrap_or(0),
        }),
    }
}

/// A worker (or replay worker) bound to one task queue.
#[napi]
pub struct Worker {
    inner: Arc<kairos_core::Worker>,
    pusher: Option<HistoryPusher>,
}

/// Creates a worker that polls through `connection`.
#[napi]
pub fn new_worker(connection: &NativeConnection, options: WorkerOptions) -> Result<Worker> {
    let conn = connection.get()?.clone();
    let cfg = worker_config(options);
    let w = sync_on_core("newWorker", || kairos_core::Worker::new(cfg, conn))?;
    Ok(Worker {
        inner: Arc::new(w),
        pusher: None,
    })
}

/// Creates a replay worker fed with `pushHistory`.
#[napi]
pub fn new_replay_worker(options: WorkerOptions) -> Result<Worker> {
    telemetry();
    let cfg = worker_config(options);
    let (w, pusher) = sync_on_core("newReplayWorker", || kairos_core::Worker::new_replay(cfg))?;
    Ok(Worker {
        inner: Arc::new(w),
        pusher: Some(pusher),
    })
}

#[napi]
impl Worker {
    /// Resolves with the next `kairos.core.activation.WorkflowActivation` (protobuf bytes).
    #[napi]
    pub async fn poll_workflow_activation(&self) -> Result<Buffer> {
        let w = self.inner.clone();
        let a = on_core(
            "pollWorkflowActivation",
            async move { w.poll_workflow_activation().await },
        )
        .await?;
        Ok(a.encode_to_vec().into())
    }

    /// Completes an activation with `kairos.core.completion.WorkflowActivationCompletion` bytes.
    #[napi]
    pub async fn complete_workflow_activation(&self, completion: Buffer) -> Result<()> {
        let c: completion::WorkflowActivationCompletion =
            decode("WorkflowActivationCompletion", &completion).map_err(js_err)?;
        let w = self.inner.clone();
        on_core("completeWorkflowActivation", async move {
            w.complete_workflow_activation(c).await
        })
        .await
    }

    /// Resolves with the next `kairos.core.activity.ActivityTask` (protobuf bytes).
    #[napi]
    pub async fn poll_activity_task(&self) -> Result<Buffer> {
        let w = self.inner.clone();
        let t = on_core("pollActivityTask", async move { w.poll_activity_task().await }).await?;
        Ok(t.encode_to_vec().into())
    }

    /// Reports `kairos.core.activity.ActivityTaskCompletion` bytes.
    #[napi]
    pub async fn complete_activity_task(&self, completion: Buffer) -> Result<()> {
        let c: activity::ActivityTaskCompletion = decode("ActivityTaskCompletion", &completion).map_err(js_err)?;
        let w = self.inner.clone();
        on_core("completeActivityTask", async move { w.complete_activity_task(c).await }).await
    }

    /// Records a `kairos.core.activity.ActivityHeartbeat` (throttled; never waits).
    #[napi]
    pub fn record_activity_heartbeat(&self, heartbeat: Buffer) -> Result<()> {
        let hb: activity::ActivityHeartbeat = decode("ActivityHeartbeat", &heartbeat).map_err(js_err)?;
        let w = self.inner.clone();
        sync_on_core("recordActivityHeartbeat", move || w.record_activity_heartbeat(hb))
    }

    /// Asks the core to evict a run; false if it is not cached.
    #[napi]
    pub fn request_workflow_eviction(&self, run_id: String) -> Result<bool> {
        let w = self.inner.clone();
        sync_on_core("requestWorkflowEviction", move || w.request_workflow_eviction(&run_id))
    }

    /// Resolves with the next `kairos.core.nexus.NexusTask` (protobuf bytes).
    #[napi]
    pub async fn poll_nexus_task(&self) -> Result<Buffer> {
        let w = self.inner.clone();
        let t = on_core("pollNexusTask", async move { w.poll_nexus_task().await }).await?;
        Ok(t.encode_to_vec().into())
    }

    /// Reports `kairos.core.nexus.NexusTaskCompletion` bytes.
    #[napi]
    pub async fn complete_nexus_task(&self, completion: Buffer) -> Result<()> {
        let c: nexus::NexusTaskCompletion = decode("NexusTaskCompletion", &completion).map_err(js_err)?;
        let w = self.inner.clone();
        on_core("completeNexusTask", async move { w.complete_nexus_task(c).await }).await
    }

    /// Stops polling; polls drain and then reject with ShutdownError.
    #[napi]
    pub fn initiate_shutdown(&self) -> Result<()> {
        let w = self.inner.clone();
        sync_on_core("initiateShutdown", move || {
            w.initiate_shutdown();
            Ok(())
        })
    }

    /// Completes shutdown after every poll has rejected with ShutdownError.
    #[napi]
    pub async fn finalize_shutdown(&self) -> Result<()> {
        let w = self.inner.clone();
        on_core("finalizeShutdown", async move {
            w.finalize_shutdown().await;
            Ok(())
        })
        .await
    }

    /// Replay workers: queues a `temporal.api.history.v1.History` (protobuf bytes).
    #[napi]
    pub async fn push_history(&self, workflow_id: String, history: Buffer) -> Result<()> {
        let Some(pusher) = self.pusher.clone() else {
            return Err(Error::from_reason(
                "IllegalStateError: pushHistory is only available on replay workers",
            ));
        };
        let history = decode("History", &history).map_err(js_err)?;
        on_core("pushHistory", async move {
            pusher.push(HistoryForReplay { workflow_id, history }).await
        })
        .await
    }

    /// Replay workers: no more histories will be pushed.
    #[napi]
    pub fn close_history_stream(&self) -> Result<()> {
        match &self.pusher {
            Some(p) => {
                p.close();
                Ok(())
            }
            None => Err(Error::from_reason(
                "IllegalStateError: closeHistoryStream is only available on replay workers",
            )),
        }
    }

    /// Runs currently in the workflow cache.
    #[napi(getter)]
    pub fn cached_workflows(&self) -> u32 {
        self.inner.cached_workflows() as u32
    }

    /// Activities currently running.
    #[napi(getter)]
    pub fn outstanding_activities(&self) -> u32 {
        self.inner.outstanding_activities() as u32
    }
}

/// Test hook: makes the core panic on its runtime with `message`, to check that panics become
/// errors instead of crashing the process.
#[napi]
pub async fn panic_in_core_for_test(message: String) -> Result<()> {
    on_core("panicInCoreForTest", async move {
        if !message.is_empty() {
            panic!("{message}");
        }
        Ok(())
    })
    .await
}

/// Test hook: same, for a synchronous call.
#[napi]
pub fn panic_in_core_sync_for_test(message: String) -> Result<()> {
    sync_on_core("panicInCoreSyncForTest", || {
        if !message.is_empty() {
            panic!("{message}");
        }
        Ok(())
    })
}
