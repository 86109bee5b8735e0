//! All the state of one workflow run derived from its history: the command machines, the queue
//! of commands waiting for their history events, the jobs of the next activation, workflow time
//! and SDK flags. `RunMachines` is pure and synchronous; the worker drives it with history from
//! the server and completions from the TypeScript side.
//!
//! `events` applies history, `lang_commands` applies lang's completions, and `flags` keeps the SDK
//! flags and metadata; this module holds the state, the command queue and the activations.
use super::history::{
    CHANGE_VERSION_SEARCH_ATTRIBUTE, event_type, initiating_event_id, is_command_event, is_final_event, next_task_end,
    patch_marker, settled_task_end,
};
use super::machines::local_activity::{
    LocalActivityMachine, LocalActivityRequest, LocalActivityResolution, RecordedLocalActivity, local_activity_marker,
};
use super::machines::nexus_operation::NexusOperationMachine;
use super::machines::update::UpdateMachine;
use super::machines::{
    EventContext, Machine, MachineError, MachineOutput,
    activity::ActivityMachine,
    cancel_external::CancelExternalMachine,
    child_workflow::ChildWorkflowMachine,
    command_name,
    patch::PatchMachine,
    signal_external::SignalExternalMachine,
    simple::{SimpleCommandMachine, SimpleKind},
    timer::TimerMachine,
};
use super::pb::*;
use crate::errors::WorkflowError;
use crate::protos::temporal::api::sdk::v1::{UserMetadata, WorkflowTaskCompletedMetadata};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

mod events;
pub(crate) mod flags;
mod lang_commands;

use flags::Flags;

/// The randomness seed for a run, derived from its original run id exactly as the official
/// SDKs do (SipHash-1-3 with zero keys over the string's `Hash`), so replays agree.
pub fn randomness_seed(run_id: &str) -> u64 {
    let mut h = siphasher::sip::SipHasher13::new();
    run_id.hash(&mut h);
    h.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CommandKey {
    Timer(u32),
    Activity(u32),
    ChildWorkflow(u32),
    SignalExternal(u32),
    CancelExternal(u32),
    LocalActivity(u32),
    NexusOperation(u32),
}

#[derive(Debug)]
struct QueuedCommand {
    machine: usize,
    command: Command,
    sent: bool,
}

/// Configuration of one run that does not come from history.
#[derive(Debug, Clone, Default)]
pub struct RunConfig {
    pub namespace: String,
    pub task_queue: String,
    /// Replay worker: every activation is replaying and history is complete.
    pub replay_mode: bool,
    /// Whether the server records `sdk_metadata` (without it, no flags are used).
    pub sdk_metadata_supported: bool,
    /// The worker's own deployment version (or just its build id), reported for tasks that are not replayed.
    pub own_version: Option<kcommon::WorkerDeploymentVersion>,
}

/// What a run can do next with the history it has.
#[derive(Debug)]
pub enum Next {
    /// An activation for the workflow.
    Activation(Box<WorkflowActivation>),
    /// The machines need events still on the server (a further history page) before going on.
    NeedsHistory,
    /// History is used up with no new work for the workflow.
    Idle,
}

/// History-derived state of one workflow run.
#[derive(Debug)]
pub struct RunMachines {
    pub run_id: String,
    config: RunConfig,
    pub workflow_id: String,
    pub workflow_type: String,
    machines: Vec<Machine>,
    by_command: HashMap<CommandKey, usize>,
    by_event: HashMap<i64, usize>,
    /// Core-originated cancel requests for children: cancel machine → child machine.
    child_cancels: HashMap<usize, usize>,
    queue: VecDeque<QueuedCommand>,
    jobs: Vec<Job>,
    outgoing_messages: Vec<protocol::Message>,
    pending: VecDeque<HistoryEvent>,
    /// The server holds more events of the current workflow task (further history pages).
    more_history: bool,
    last_received_event_id: i64,
    last_applied_event_id: i64,
    /// Scheduled and started event ids of the last workflow task applied.
    last_wft: Option<(i64, i64)>,
    task_started_event_id: i64,
    replaying: bool,
    /// The current task only answers a (legacy) query: everything it applies was processed before.
    query_only_task: bool,
    time: Option<prost_types::Timestamp>,
    history_size_bytes: i64,
    continue_as_new_suggested: bool,
    suggest_reasons: Vec<i32>,
    /// The server's word (in WorkflowTaskStarted) that the version it routes this run to is no longer its own.
    target_version_changed: bool,
    /// The version that completed the task being replayed, as its WorkflowTaskCompleted event recorded it.
    recorded_version: Option<kcommon::WorkerDeploymentVersion>,
    flags: Flags,
    notified_patches: HashSet<String>,
    patches_seen: BTreeSet<String>,
    skip_next_change_version_upsert: bool,
    started: Option<history::WorkflowExecutionStartedEventAttributes>,
    start_time: Option<prost_types::Timestamp>,
    terminal_command_issued: bool,
    ended_in_history: bool,
    by_update: HashMap<String, usize>,
    la_stash: HashMap<u32, RecordedLocalActivity>,
    la_requests: Vec<LocalActivityRequest>,
    la_cancels: Vec<u32>,
    inbound_messages: Vec<protocol::Message>,
    /// The change-version upsert the core added after each patch marker (patch → upsert).
    patch_upserts: HashMap<usize, usize>,
}

impl RunMachines {
    pub fn new(run_id: impl Into<String>, config: RunConfig) -> Self {
        RunMachines {
            run_id: run_id.into(),
            config,
            workflow_id: String::new(),
            workflow_type: String::new(),
            machines: vec![],
            by_command: HashMap::new(),
            by_event: HashMap::new(),
            child_cancels: HashMap::new(),
            queue: VecDeque::new(),
            jobs: vec![],
            outgoing_messages: vec![],
            pending: VecDeque::new(),
            more_history: false,
            last_received_event_id: 0,
            last_applied_event_id: 0,
            last_wft: None,
            task_started_event_id: 0,
            replaying: false,
            query_only_task: false,
            time: None,
            history_size_bytes: 0,
            continue_as_new_suggested: false,
            suggest_reasons: vec![],
            target_version_changed: false,
            recorded_version: None,
            flags: Flags::default(),
            notified_patches: HashSet::new(),
            patches_seen: BTreeSet::new(),
            skip_next_change_version_upsert: false,
            started: None,
            start_time: None,
            terminal_command_issued: false,
            ended_in_history: false,
            by_update: HashMap::new(),
            la_stash: HashMap::new(),
            la_requests: vec![],
            la_cancels: vec![],
            inbound_messages: vec![],
            patch_upserts: HashMap::new(),
        }
    }

    /// Protocol messages (update requests) that came with the current workflow task.
    pub fn feed_messages(&mut self, messages: Vec<protocol::Message>) {
        self.inbound_messages.extend(messages);
    }

    /// Workflow task timeout from the start event (default 10 s).
    pub fn workflow_task_timeout(&self) -> std::time::Duration {
        self.started
            .as_ref()
            .and_then(|s| s.workflow_task_timeout)
            .and_then(|d| std::time::Duration::try_from(d).ok())
            .filter(|d| !d.is_zero())
            .unwrap_or(std::time::Duration::from_secs(10))
    }

    /// Local activities that still need an outcome.
    pub fn has_unresolved_local_activities(&self) -> bool {
        self.machines
            .iter()
            .any(|m| matches!(m, Machine::LocalActivity(la) if la.is_unresolved()))
    }

    /// Local activities to start, taken once.
    pub(crate) fn take_local_activity_requests(&mut self) -> Vec<LocalActivityRequest> {
        std::mem::take(&mut self.la_requests)
    }

    /// Local activities to cancel, taken once, as (seq, whether the workflow waits for the
    /// activity's own cancelled result).
    pub fn take_local_activity_cancels(&mut self) -> Vec<(u32, bool)> {
        std::mem::take(&mut self.la_cancels)
            .into_iter()
            .map(|seq| {
                let wait = self
                    .by_command
                    .get(&CommandKey::LocalActivity(seq))
                    .is_some_and(|k| matches!(&self.machines[*k], Machine::LocalActivity(m) if m.is_unresolved()));
                (seq, wait)
            })
            .collect()
    }

    /// Delivers the outcome of a local activity run by the manager.
    pub fn resolve_local_activity(&mut self, r: &LocalActivityResolution) -> Result<(), WorkflowError> {
        let Some(&key) = self.by_command.get(&CommandKey::LocalActivity(r.seq)) else {
            return Err(WorkflowError::Fatal(format!("no local activity with seq {}", r.seq)));
        };
        let out = match &mut self.machines[key] {
            Machine::LocalActivity(m) => m.resolve(r).map_err(|e| WorkflowError::Fatal(e.to_string()))?,
            _ => vec![],
        };
        self.apply_outputs(key, out);
        Ok(())
    }

    fn start_update(
        &mut self,
        protocol_instance_id: String,
        message_id: String,
        sequencing_event_id: i64,
        request: update::Request,
    ) {
        if self.by_update.contains_key(&protocol_instance_id) {
            return;
        }
        let (m, out) = UpdateMachine::new(
            protocol_instance_id.clone(),
            message_id,
            sequencing_event_id,
            request,
            self.replaying,
        );
        let key = self.add_machine(Machine::Update(Box::new(m)), out, None);
        self.by_update.insert(protocol_instance_id, key);
    }

    fn apply_inbound_messages(&mut self) -> Result<(), WorkflowError> {
        use prost::Message as _;
        for m in std::mem::take(&mut self.inbound_messages) {
            let Some(body) = &m.body else { continue };
            if !body.type_url.ends_with("temporal.api.update.v1.Request") {
                tracing::warn!(type_url = %body.type_url, "ignoring a protocol message of an unknown type");
                continue;
            }
            let req = update::Request::decode(body.value.as_slice())
                .map_err(|e| WorkflowError::Fatal(format!("undecodable update request {}: {e}", m.id)))?;
            let seq_id = match m.sequencing_id {
                Some(protocol::message::SequencingId::EventId(id)) => id,
                _ => self.last_applied_event_id,
            };
            self.start_update(m.protocol_instance_id.clone(), m.id.clone(), seq_id, req);
        }
        Ok(())
    }

    /// Id of the last event the machines processed.
    pub fn last_applied_event_id(&self) -> i64 {
        self.last_applied_event_id
    }

    /// Id of the last event received.
    pub fn last_received_event_id(&self) -> i64 {
        self.last_received_event_id
    }

    pub fn is_replaying(&self) -> bool {
        self.replaying
    }

    pub fn has_pending_history(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn has_pending_jobs(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// The workflow issued a terminal command or history shows the run has ended.
    pub fn is_finished(&self) -> bool {
        self.terminal_command_issued || self.ended_in_history
    }

    /// The metric counting how the run ended, once the workflow issued a terminal command.
    pub fn terminal_metric(&self) -> Option<&'static str> {
        self.machines.iter().rev().find_map(|m| match m {
            Machine::Simple(s) => match s.kind {
                SimpleKind::CompleteWorkflow => Some("workflow_completed"),
                SimpleKind::FailWorkflow => Some("workflow_failed"),
                SimpleKind::CancelWorkflow => Some("workflow_canceled"),
                SimpleKind::ContinueAsNew => Some("workflow_continue_as_new"),
                _ => None,
            },
            _ => None,
        })
    }

    /// History shows the run has ended (nothing more will be accepted by the server).
    pub fn ended_in_history(&self) -> bool {
        self.ended_in_history
    }

    /// When the workflow execution started (its first event's time).
    pub fn start_time(&self) -> Option<prost_types::Timestamp> {
        self.started.as_ref().and(self.start_time)
    }

    /// Workflow time.
    pub fn time(&self) -> Option<prost_types::Timestamp> {
        self.time
    }

    /// Applies history until the next activation has jobs, more history is needed, or history is
    /// used up without new work for the workflow.
    pub fn next_step(&mut self) -> Result<Next, WorkflowError> {
        loop {
            if !self.jobs.is_empty() {
                return Ok(Next::Activation(Box::new(self.take_activation())));
            }
            if !self.ready_for_next_task() {
                return Ok(if self.more_history {
                    Next::NeedsHistory
                } else {
                    Next::Idle
                });
            }
            self.apply_next_task()?;
        }
    }

    /// `next_step` for histories that are known to be complete.
    #[cfg(test)]
    pub fn next_activation(&mut self) -> Result<Option<WorkflowActivation>, WorkflowError> {
        match self.next_step()? {
            Next::Activation(a) => Ok(Some(*a)),
            Next::Idle => Ok(None),
            Next::NeedsHistory => Err(WorkflowError::Fatal("the run needs more history".into())),
        }
    }

    /// Whether the next workflow task can be applied now: with all history here, whenever events
    /// are pending; while pages are still to come, only once that task and the one after it (read
    /// ahead for patches, local activity markers, updates and flags) are complete.
    fn ready_for_next_task(&mut self) -> bool {
        if self.pending.is_empty() {
            return false;
        }
        if !self.more_history {
            return true;
        }
        let events = self.pending.make_contiguous();
        let Some(end) = settled_task_end(events, false) else {
            return false;
        };
        is_final_event(&events[end]) || settled_task_end(&events[end + 1..], false).is_some()
    }

    fn take_activation(&mut self) -> WorkflowActivation {
        let mut jobs = std::mem::take(&mut self.jobs);
        jobs.sort_by_key(job_rank);
        WorkflowActivation {
            run_id: self.run_id.clone(),
            timestamp: self.time,
            is_replaying: self.replaying,
            history_length: self.last_applied_event_id,
            jobs: jobs
                .into_iter()
                .map(|j| WorkflowActivationJob { variant: Some(j) })
                .collect(),
            available_internal_flags: self.flags.lang_in_history.iter().copied().collect(),
            history_size_bytes: self.history_size_bytes,
            continue_as_new_suggested: self.continue_as_new_suggested,
            suggest_continue_as_new_reasons: self.suggest_reasons.clone(),
            deployment_version_for_current_task: if self.replaying {
                self.recorded_version.clone()
            } else {
                self.config.own_version.clone()
            },
            target_worker_deployment_version_changed: self.target_version_changed,
            last_sdk_version: self.flags.sdk_version_in_history.clone(),
        }
    }

    fn ctx(&self) -> EventContext {
        EventContext {
            replaying: self.replaying,
            id_and_type_checks: self.flag_enabled(flags::ID_AND_TYPE_DETERMINISM_CHECKS),
        }
    }

    fn apply_outputs(&mut self, key: usize, out: Vec<MachineOutput>) {
        for o in out {
            match o {
                MachineOutput::Job(j) => self.jobs.push(j),
                MachineOutput::Command(c) => self.queue.push_back(QueuedCommand {
                    machine: key,
                    command: c,
                    sent: false,
                }),
                MachineOutput::DropUnsentCommands => self.queue.retain(|q| q.machine != key || q.sent),
                MachineOutput::Message(m) => self.outgoing_messages.push(m),
                MachineOutput::QueueLocalActivity(r) => self.la_requests.push(*r),
                MachineOutput::CancelLocalActivity(seq) => self.la_cancels.push(seq),
                MachineOutput::UpdateTime(t) => {
                    if self
                        .time
                        .is_none_or(|cur| (t.seconds, t.nanos) > (cur.seconds, cur.nanos))
                    {
                        self.time = Some(t);
                    }
                }
            }
        }
    }

    fn add_machine(&mut self, m: Machine, out: Vec<MachineOutput>, metadata: Option<UserMetadata>) -> usize {
        let key = self.machines.len();
        self.machines.push(m);
        let first_command = self.queue.len();
        self.apply_outputs(key, out);
        if let Some(md) = metadata
            && let Some(q) = self.queue.get_mut(first_command)
        {
            q.command.user_metadata = Some(md);
        }
        key
    }

    fn lookup(&self, key: CommandKey, what: &str) -> Result<usize, WorkflowError> {
        self.by_command.get(&key).copied().ok_or_else(|| {
            WorkflowError::Nondeterminism(format!(
                "the workflow referred to {what} {key:?}, which it never created"
            ))
        })
    }

    fn nde(err: MachineError) -> WorkflowError {
        WorkflowError::Nondeterminism(err.to_string())
    }

    /// Commands not sent to the server yet, marked as sent.
    pub fn take_commands_to_send(&mut self) -> Vec<Command> {
        self.queue
            .iter_mut()
            .filter(|q| !q.sent)
            .map(|q| {
                q.sent = true;
                q.command.clone()
            })
            .collect()
    }

    /// Protocol messages to send with the next completion.
    pub fn take_messages_to_send(&mut self) -> Vec<protocol::Message> {
        std::mem::take(&mut self.outgoing_messages)
    }

    /// A count of machines per kind name, for debugging and metrics.
    pub fn machine_count(&self) -> usize {
        self.machines.len()
    }
}

/// Sort order of jobs within one activation (lower first).
fn job_rank(j: &Job) -> u8 {
    match j {
        Job::InitializeWorkflow(_) => 0,
        Job::NotifyHasPatch(_) => 1,
        Job::UpdateRandomSeed(_) => 2,
        Job::SignalWorkflow(_) | Job::DoUpdate(_) => 3,
        Job::ResolveActivity(r) if r.is_local => 5,
        Job::QueryWorkflow(_) => 6,
        Job::RemoveFromCache(_) => 7,
        _ => 4,
    }
}
