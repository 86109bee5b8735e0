//! Worker configuration, with the official SDK's defaults.
use crate::errors::CoreError;
use crate::protos::kairos::core::common::WorkerDeploymentVersion;
use crate::protos::temporal::api::deployment::v1::WorkerDeploymentOptions;
use crate::protos::temporal::api::enums::v1::WorkerVersioningMode;
use std::time::Duration;

/// Worker deployment versioning: the version this worker runs, and whether the server routes tasks by it.
#[derive(Debug, Clone, Default)]
pub struct DeploymentConfig {
    pub deployment_name: String,
    pub build_id: String,
    /// The server sends this worker only the tasks of its version (pinned to it, or routed to it as current or
    /// ramping); workflow task completions declare a versioning behavior.
    pub use_worker_versioning: bool,
    /// `temporal.api.enums.v1.VersioningBehavior` declared for workflows that declare none themselves.
    pub default_versioning_behavior: i32,
}

/// Everything a worker needs to know; the TypeScript side fills in defaults it owns.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub namespace: String,
    pub task_queue: String,
    pub identity: String,
    pub build_id: String,
    pub sdk_name: String,
    pub sdk_version: String,
    pub enable_workflows: bool,
    pub enable_activities: bool,
    pub enable_nexus: bool,
    pub max_concurrent_workflow_tasks: usize,
    pub max_concurrent_activities: usize,
    /// Activity slots a workflow task completion may reserve to ask the server for eager activity tasks (0: off).
    pub max_eager_activity_reservations: usize,
    pub max_concurrent_local_activities: usize,
    pub max_concurrent_nexus_tasks: usize,
    /// 0 disables the sticky cache (every task carries full history).
    pub max_cached_workflows: usize,
    pub sticky_queue_schedule_to_start_timeout: Duration,
    pub max_workflow_task_polls: usize,
    pub max_activity_task_polls: usize,
    pub max_nexus_task_polls: usize,
    pub nonsticky_to_sticky_poll_ratio: f64,
    pub max_heartbeat_throttle_interval: Duration,
    pub default_heartbeat_throttle_interval: Duration,
    /// How long activities may keep running after shutdown starts before they are cancelled.
    pub graceful_shutdown_period: Option<Duration>,
    /// Fail the workflow (not just the task) on non-determinism.
    pub nondeterminism_fails_workflow: bool,
    /// `maximum_page_size` of GetWorkflowExecutionHistory calls; 0 lets the server choose.
    pub history_page_size: i32,
    /// The worker deployment version this worker belongs to, if any.
    pub deployment: Option<DeploymentConfig>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            namespace: "default".into(),
            task_queue: String::new(),
            identity: format!("{}@kairos", std::process::id()),
            build_id: String::new(),
            sdk_name: "kairos-typescript".into(),
            sdk_version: env!("CARGO_PKG_VERSION").into(),
            enable_workflows: true,
            enable_activities: true,
            enable_nexus: false,
            max_concurrent_workflow_tasks: 40,
            max_concurrent_activities: 100,
            max_eager_activity_reservations: 3,
            max_concurrent_local_activities: 100,
            max_concurrent_nexus_tasks: 100,
            max_cached_workflows: 100,
            sticky_queue_schedule_to_start_timeout: Duration::from_secs(10),
            max_workflow_task_polls: 5,
            max_activity_task_polls: 5,
            max_nexus_task_polls: 5,
            nonsticky_to_sticky_poll_ratio: 0.2,
            max_heartbeat_throttle_interval: Duration::from_secs(60),
            default_heartbeat_throttle_interval: Duration::from_secs(30),
            graceful_shutdown_period: None,
            nondeterminism_fails_workflow: false,
            history_page_size: 0,
            deployment: None,
        }
    }
}

impl WorkerConfig {
    /// Checks the options and clamps the ones the official SDK clamps.
    pub fn validate(mut self) -> Result<Self, CoreError> {
        if self.task_queue.is_empty() {
            return Err(CoreError::InvalidOptions("taskQueue must not be empty".into()));
        }
        if self.namespace.is_empty() {
            return Err(CoreError::InvalidOptions("namespace must not be empty".into()));
        }
        if self.identity.is_empty() {
            return Err(CoreError::InvalidOptions("identity must not be empty".into()));
        }
        if self.max_concurrent_activities == 0
            || self.max_concurrent_local_activities == 0
            || self.max_concurrent_nexus_tasks == 0
        {
            return Err(CoreError::InvalidOptions(
                "maxConcurrent* options must be at least 1".into(),
            ));
        }
        if self.max_workflow_task_polls == 0 || self.max_activity_task_polls == 0 || self.max_nexus_task_polls == 0 {
            return Err(CoreError::InvalidOptions("poller counts must be at least 1".into()));
        }
        if self.max_cached_workflows > 0 {
            // Sticky and non-sticky polling each need a slot, or the worker can deadlock.
            self.max_concurrent_workflow_tasks = self.max_concurrent_workflow_tasks.max(2);
            self.max_workflow_task_polls = self.max_workflow_task_polls.max(2);
        }
        if self.history_page_size < 0 {
            return Err(CoreError::InvalidOptions("historyPageSize must not be negative".into()));
        }
        self.max_concurrent_workflow_tasks = self.max_concurrent_workflow_tasks.max(1);
        if let Some(d) = &self.deployment {
            if d.deployment_name.is_empty() || d.build_id.is_empty() {
                return Err(CoreError::InvalidOptions(
                    "workerDeploymentOptions.version needs a non-empty deploymentName and buildId".into(),
                ));
            }
            self.build_id = d.build_id.clone();
        }
        Ok(self)
    }

    /// The `deployment_options` polls and task completions carry: the worker's version and whether it is versioned.
    pub fn deployment_options(&self) -> Option<WorkerDeploymentOptions> {
        self.deployment.as_ref().map(|d| WorkerDeploymentOptions {
            deployment_name: d.deployment_name.clone(),
            build_id: d.build_id.clone(),
            worker_versioning_mode: if d.use_worker_versioning {
                WorkerVersioningMode::Versioned as i32
            } else {
                WorkerVersioningMode::Unversioned as i32
            },
        })
    }

    /// The version the worker reports to workflows as the one running their current task: its deployment version,
    /// or just its build id when it has no deployment.
    pub fn own_version(&self) -> Option<WorkerDeploymentVersion> {
        match &self.deployment {
            Some(d) => Some(WorkerDeploymentVersion {
                deployment_name: d.deployment_name.clone(),
                build_id: d.build_id.clone(),
            }),
            None if !self.build_id.is_empty() => Some(WorkerDeploymentVersion {
                deployment_name: String::new(),
                build_id: self.build_id.clone(),
            }),
            None => None,
        }
    }

    /// (non-sticky, sticky) workflow poller counts.
    pub fn workflow_poller_split(&self) -> (usize, usize) {
        if self.max_cached_workflows == 0 {
            return (self.max_workflow_task_polls, 0);
        }
        let nonsticky =
            ((self.max_workflow_task_polls as f64 * self.nonsticky_to_sticky_poll_ratio).floor() as usize).max(1);
        let sticky = self.max_workflow_task_polls.saturating_sub(nonsticky).max(1);
        (nonsticky, sticky)
    }
}
