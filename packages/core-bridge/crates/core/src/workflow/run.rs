//! All the state of one workflow run derived from its history: the command machines, the queue
//! of commands waiting for their history events, the jobs of the next activation, workflow time
//! and SDK flags. `RunMachines` is pure and synchronous; the worker drives it with history from
//! the server and completions from the TypeScript side.
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
    command_name, header, new_command,
    patch::PatchMachine,
    payloads,
    signal_external::SignalExternalMachine,
    simple::{SimpleCommandMachine, SimpleKind},
    timer::TimerMachine,
};
use super::pb::*;
use crate::errors::WorkflowError;
use crate::protos::temporal::api::sdk::v1::{UserMetadata, WorkflowTaskCompletedMetadata};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

/// SDK flags the core itself understands (recorded in `sdk_metadata.core_used_flags`).
pub(crate) mod flags {
    /// Check activity and child workflow ids and types against history.
    pub const ID_AND_TYPE_DETERMINISM_CHECKS: u32 = 1;
    /// Follow every patch marker with an upsert of `TemporalChangeVersion`.
    pub const UPSERT_SEARCH_ATTRIBUTE_ON_PATCH: u32 = 2;
    /// Move the first terminal command after all other commands.
    pub const MOVE_TERMINAL_COMMANDS: u32 = 3;
    pub const ALL: [u32; 3] = [
        ID_AND_TYPE_DETERMINISM_CHECKS,
        UPSERT_SEARCH_ATTRIBUTE_ON_PATCH,
        MOVE_TERMINAL_COMMANDS,
    ];
}

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

#[derive(Debug, Default)]
struct Flags {
    core_in_history: HashSet<u32>,
    lang_in_history: BTreeSet<u32>,
    lang_new: BTreeSet<u32>,
    /// Flags first recorded by the last completion (core, lang), in case the server discards it.
    last_recorded: (Vec<u32>, Vec<u32>),
    /// The last non-empty `sdk_name` and `sdk_version` recorded in history (or by this worker).
    sdk_name_in_history: String,
    sdk_version_in_history: String,
    /// Their values before the last completion, in case the server discards it.
    sdk_before_last_completion: (String, String),
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

    /// Adds history from a workflow task whose WFT-started event is `task_started_event_id`.
    /// Events already received are skipped; a gap in event ids is an error.
    pub fn feed_history(
        &mut self,
        events: impl IntoIterator<Item = HistoryEvent>,
        task_started_event_id: i64,
    ) -> Result<(), WorkflowError> {
        for e in events {
            if e.event_id <= self.last_received_event_id {
                continue;
            }
            if e.event_id != self.last_received_event_id + 1 {
                return Err(WorkflowError::Fatal(format!(
                    "history is not contiguous: expected event {} but got {}",
                    self.last_received_event_id + 1,
                    e.event_id
                )));
            }
            self.last_received_event_id = e.event_id;
            self.pending.push_back(e);
        }
        self.task_started_event_id = task_started_event_id.max(self.task_started_event_id);
        Ok(())
    }

    /// Marks the current task as a query-only (legacy query) task, whose history is all replay: it has no
    /// workflow task started event of its own, so nothing in it is new work.
    pub fn set_query_only_task(&mut self, query_only: bool) {
        self.query_only_task = query_only;
    }

    /// Whether the server still holds events of the current workflow task that have not been fed
    /// yet. While it does, the run only applies a workflow task once it also has the next one (for
    /// look-ahead) and asks for more history otherwise.
    pub fn expect_more_history(&mut self, more: bool) {
        self.more_history = more;
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

    /// Whether a core flag applies: while replaying, exactly when history recorded it (whatever
    /// the server supports now); live, when the server records `sdk_metadata` (the flag is then
    /// recorded with the completion).
    fn flag_enabled(&self, flag: u32) -> bool {
        if self.replaying {
            self.flags.core_in_history.contains(&flag)
        } else {
            self.config.sdk_metadata_supported
        }
    }

    fn read_flags(&mut self, e: &HistoryEvent) {
        if let Some(EventAttrs::WorkflowTaskCompletedEventAttributes(a)) = &e.attributes
            && let Some(md) = &a.sdk_metadata
        {
            self.flags.core_in_history.extend(md.core_used_flags.iter().copied());
            self.flags.lang_in_history.extend(md.lang_used_flags.iter().copied());
            if !md.sdk_name.is_empty() {
                self.flags.sdk_name_in_history = md.sdk_name.clone();
            }
            if !md.sdk_version.is_empty() {
                self.flags.sdk_version_in_history = md.sdk_version.clone();
            }
        }
    }

    fn apply_next_task(&mut self) -> Result<(), WorkflowError> {
        let end = next_task_end(self.pending.make_contiguous()).unwrap_or(self.pending.len() - 1);
        let task: Vec<HistoryEvent> = self.pending.drain(..=end).collect();
        let task_end_id = task.last().map(|e| e.event_id).unwrap_or(0);
        self.replaying = self.config.replay_mode || self.query_only_task || task_end_id < self.task_started_event_id;
        self.look_ahead()?;
        for e in task {
            self.apply_event(e)?;
        }
        if !self.replaying {
            self.apply_inbound_messages()?;
            let waiting: Vec<usize> = (0..self.machines.len())
                .filter(|k| matches!(&self.machines[*k], Machine::LocalActivity(m) if m.is_waiting_for_marker()))
                .collect();
            for key in waiting {
                if let Machine::LocalActivity(m) = &mut self.machines[key] {
                    let out = m.live_task_started().map_err(|e| WorkflowError::Fatal(e.to_string()))?;
                    self.apply_outputs(key, out);
                }
            }
        }
        Ok(())
    }

    /// Reads the next task's events for what this activation must know in advance: patches
    /// history says were taken, and the SDK flags recorded for this activation's completion.
    fn look_ahead(&mut self) -> Result<(), WorkflowError> {
        let upto = next_task_end(self.pending.make_contiguous()).unwrap_or(self.pending.len().saturating_sub(1));
        let mut patches = vec![];
        let mut completed = vec![];
        let mut markers = vec![];
        let mut updates = vec![];
        for e in self.pending.iter().take(upto + 1) {
            if event_type(e) == EventType::WorkflowTaskCompleted {
                completed.push(e.clone());
            }
            if let Some((id, _)) = patch_marker(e) {
                patches.push(id);
            }
            if let Some(rec) = local_activity_marker(e) {
                markers.push(rec);
            }
            if let Some(EventAttrs::WorkflowExecutionUpdateAcceptedEventAttributes(a)) = &e.attributes {
                updates.push(a.clone());
            }
        }
        for a in updates {
            let req = a.accepted_request.clone().unwrap_or_default();
            self.start_update(
                a.protocol_instance_id,
                a.accepted_request_message_id,
                a.accepted_request_sequencing_event_id,
                req,
            );
        }
        for rec in markers {
            let seq = rec.data.seq;
            let waiting = self
                .by_command
                .get(&CommandKey::LocalActivity(seq))
                .copied()
                .filter(|k| matches!(&self.machines[*k], Machine::LocalActivity(m) if m.is_waiting_for_marker()));
            match waiting {
                Some(key) => {
                    if let Machine::LocalActivity(m) = &mut self.machines[key] {
                        let out = m.pre_resolve(rec).map_err(|e| WorkflowError::Fatal(e.to_string()))?;
                        self.apply_outputs(key, out);
                    }
                }
                None => {
                    self.la_stash.insert(seq, rec);
                }
            }
        }
        for e in &completed {
            self.read_flags(e);
        }
        // The first completion ahead is the one of the task this activation replays.
        if let Some(EventAttrs::WorkflowTaskCompletedEventAttributes(a)) =
            completed.first().and_then(|e| e.attributes.as_ref())
        {
            self.recorded_version = recorded_version(a);
        }
        for id in patches {
            if self.notified_patches.insert(id.clone()) {
                self.jobs
                    .push(Job::NotifyHasPatch(activation::NotifyHasPatch { patch_id: id }));
            }
        }
        Ok(())
    }

    fn apply_event(&mut self, e: HistoryEvent) -> Result<(), WorkflowError> {
        self.last_applied_event_id = e.event_id;
        let et = event_type(&e);
        if is_final_event(&e) {
            self.ended_in_history = true;
        }
        match e.attributes.as_ref() {
            Some(EventAttrs::WorkflowExecutionStartedEventAttributes(a)) => {
                self.time = e.event_time;
                self.init_workflow(a.clone());
                return Ok(());
            }
            Some(EventAttrs::WorkflowTaskStartedEventAttributes(a)) => {
                self.last_wft = Some((a.scheduled_event_id, e.event_id));
                if let Some(t) = e.event_time
                    && self
                        .time
                        .is_none_or(|cur| (t.seconds, t.nanos) > (cur.seconds, cur.nanos))
                {
                    self.time = Some(t);
                }
                self.history_size_bytes = a.history_size_bytes;
                self.continue_as_new_suggested = a.suggest_continue_as_new;
                self.suggest_reasons = a.suggest_continue_as_new_reasons.clone();
                self.target_version_changed = a.target_worker_deployment_version_changed;
                return Ok(());
            }
            Some(EventAttrs::WorkflowTaskCompletedEventAttributes(_)) => {
                self.read_flags(&e);
                return Ok(());
            }
            Some(EventAttrs::WorkflowTaskFailedEventAttributes(a)) => {
                if a.cause == enums::WorkflowTaskFailedCause::ResetWorkflow as i32 {
                    self.jobs.push(Job::UpdateRandomSeed(activation::UpdateRandomSeed {
                        randomness_seed: randomness_seed(&a.new_run_id),
                    }));
                }
                return Ok(());
            }
            Some(EventAttrs::WorkflowTaskScheduledEventAttributes(_))
            | Some(EventAttrs::WorkflowTaskTimedOutEventAttributes(_)) => return Ok(()),
            Some(EventAttrs::WorkflowExecutionSignaledEventAttributes(a)) => {
                self.jobs.push(Job::SignalWorkflow(activation::SignalWorkflow {
                    signal_name: a.signal_name.clone(),
                    input: a.input.clone().map(|p| p.payloads).unwrap_or_default(),
                    identity: a.identity.clone(),
                    headers: a.header.clone().map(|h| h.fields).unwrap_or_default(),
                }));
                return Ok(());
            }
            Some(EventAttrs::WorkflowExecutionCancelRequestedEventAttributes(a)) => {
                self.jobs.push(Job::CancelWorkflow(activation::CancelWorkflow {
                    reason: a.cause.clone(),
                }));
                return Ok(());
            }
            Some(EventAttrs::WorkflowExecutionTerminatedEventAttributes(_))
            | Some(EventAttrs::WorkflowExecutionTimedOutEventAttributes(_)) => return Ok(()),
            Some(EventAttrs::WorkflowExecutionUpdateAdmittedEventAttributes(a)) => {
                let req = a.request.clone().unwrap_or_default();
                let id = req.meta.as_ref().map(|m| m.update_id.clone()).unwrap_or_default();
                self.start_update(id.clone(), format!("{id}/request"), e.event_id, req);
                return Ok(());
            }
            Some(
                EventAttrs::WorkflowPropertiesModifiedExternallyEventAttributes(_)
                | EventAttrs::ActivityPropertiesModifiedExternallyEventAttributes(_)
                | EventAttrs::WorkflowExecutionOptionsUpdatedEventAttributes(_)
                | EventAttrs::WorkflowExecutionPausedEventAttributes(_)
                | EventAttrs::WorkflowExecutionUnpausedEventAttributes(_)
                | EventAttrs::WorkflowExecutionTimeSkippingTransitionedEventAttributes(_),
            ) => return Ok(()),
            _ => {}
        }
        if is_command_event(&e) {
            return self.handle_command_event(&e);
        }
        if let Some(initiating) = initiating_event_id(&e) {
            let Some(&key) = self.by_event.get(&initiating) else {
                return Err(WorkflowError::Fatal(format!(
                    "event {} ({}) refers to event {initiating}, which started no known command",
                    e.event_id,
                    et.as_str_name()
                )));
            };
            let ctx = self.ctx();
            let out = self.machines[key]
                .handle_event(&e, ctx)
                .map_err(|err| WorkflowError::Fatal(format!("event {} ({}): {err}", e.event_id, et.as_str_name())))?;
            self.apply_outputs(key, out);
            if et == EventType::ExternalWorkflowExecutionCancelRequested
                && let Some(&child) = self.child_cancels.get(&key)
                && let Machine::ChildWorkflow(c) = &mut self.machines[child]
            {
                let out = c
                    .cancel_delivered()
                    .map_err(|err| WorkflowError::Fatal(err.to_string()))?;
                self.apply_outputs(child, out);
            }
            return Ok(());
        }
        if e.worker_may_ignore {
            return Ok(());
        }
        Err(WorkflowError::Fatal(format!(
            "event {} of type {} is not supported",
            e.event_id,
            et.as_str_name()
        )))
    }

    fn init_workflow(&mut self, a: history::WorkflowExecutionStartedEventAttributes) {
        self.workflow_id = a.workflow_id.clone();
        self.workflow_type = a.workflow_type.as_ref().map(|t| t.name.clone()).unwrap_or_default();
        let job = activation::InitializeWorkflow {
            workflow_type: self.workflow_type.clone(),
            workflow_id: a.workflow_id.clone(),
            arguments: a.input.clone().map(|p| p.payloads).unwrap_or_default(),
            // Always the original run id (kept across resets), as the official SDKs derive it.
            randomness_seed: randomness_seed(&a.original_execution_run_id),
            headers: a.header.clone().map(|h| h.fields).unwrap_or_default(),
            identity: a.identity.clone(),
            parent_workflow_info: a
                .parent_workflow_execution
                .as_ref()
                .map(|p| kcommon::NamespacedWorkflowExecution {
                    namespace: a.parent_workflow_namespace.clone(),
                    workflow_id: p.workflow_id.clone(),
                    run_id: p.run_id.clone(),
                }),
            workflow_execution_timeout: a.workflow_execution_timeout,
            workflow_run_timeout: a.workflow_run_timeout,
            workflow_task_timeout: a.workflow_task_timeout,
            continued_from_execution_run_id: a.continued_execution_run_id.clone(),
            continued_initiator: a.initiator,
            continued_failure: a.continued_failure.clone(),
            last_completion_result: a.last_completion_result.clone().map(|p| p.payloads).unwrap_or_default(),
            first_execution_run_id: a.first_execution_run_id.clone(),
            retry_policy: a.retry_policy.clone(),
            attempt: a.attempt,
            cron_schedule: a.cron_schedule.clone(),
            workflow_execution_expiration_time: a.workflow_execution_expiration_time,
            cron_schedule_to_schedule_interval: a.first_workflow_task_backoff,
            memo: a.memo.clone().map(|m| m.fields).unwrap_or_default(),
            search_attributes: a
                .search_attributes
                .clone()
                .map(|s| s.indexed_fields)
                .unwrap_or_default(),
            start_time: self.time,
            root_workflow: a.root_workflow_execution.clone(),
            priority: a.priority.clone(),
            task_queue: a
                .task_queue
                .as_ref()
                .map(|t| t.name.clone())
                .unwrap_or_else(|| self.config.task_queue.clone()),
            namespace: self.config.namespace.clone(),
        };
        self.started = Some(a);
        self.start_time = self.time;
        self.jobs.push(Job::InitializeWorkflow(job));
    }

    fn handle_command_event(&mut self, e: &HistoryEvent) -> Result<(), WorkflowError> {
        let et = event_type(e);
        if let Some((id, deprecated)) = patch_marker(e) {
            let requested = self
                .queue
                .iter()
                .any(|q| matches!(&self.machines[q.machine], Machine::Patch(p) if p.patch_id == id));
            if deprecated && !requested {
                self.skip_next_change_version_upsert = true;
                return Ok(());
            }
        }
        if et == EventType::UpsertWorkflowSearchAttributes
            && std::mem::take(&mut self.skip_next_change_version_upsert)
            && let Some(EventAttrs::UpsertWorkflowSearchAttributesEventAttributes(a)) = &e.attributes
            && let Some(sa) = &a.search_attributes
            && sa.indexed_fields.len() == 1
            && sa.indexed_fields.contains_key(CHANGE_VERSION_SEARCH_ATTRIBUTE)
        {
            return Ok(());
        }
        self.skip_next_change_version_upsert = false;
        let ctx = self.ctx();
        loop {
            let Some(front) = self.queue.front() else {
                return Err(WorkflowError::Nondeterminism(format!(
                    "history event {} ({}) was recorded for a command, but the workflow produced no command for it",
                    e.event_id,
                    et.as_str_name()
                )));
            };
            let key = front.machine;
            if self.machines[key].may_skip_for(e, ctx) {
                if let Machine::Patch(p) = &mut self.machines[key] {
                    let out = p.skip().map_err(|err| WorkflowError::Fatal(err.to_string()))?;
                    self.apply_outputs(key, out);
                }
                if let Some(upsert) = self.patch_upserts.remove(&key) {
                    self.queue.retain(|q| q.machine != upsert || q.sent);
                }
                continue;
            }
            let produced = format!(
                "{} ({} machine)",
                command_name(&front.command),
                self.machines[key].name()
            );
            let result = self.machines[key].handle_event(e, ctx);
            match result {
                Ok(out) => {
                    self.queue.pop_front();
                    self.by_event.insert(e.event_id, key);
                    self.apply_outputs(key, out);
                    return Ok(());
                }
                Err(err) => {
                    let detail = match err {
                        MachineError::Mismatch(m) => m,
                        other => other.to_string(),
                    };
                    return Err(WorkflowError::Nondeterminism(format!(
                        "history event {} is {}, but the workflow's next command is {produced} ({detail})",
                        e.event_id,
                        et.as_str_name()
                    )));
                }
            }
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

    /// Applies the commands of a successful completion. Query answers are returned separately.
    pub fn apply_completion(
        &mut self,
        commands: Vec<WorkflowCommand>,
        used_lang_flags: &[u32],
    ) -> Result<Vec<lang::QueryResult>, WorkflowError> {
        for f in used_lang_flags {
            if self.config.sdk_metadata_supported && !self.flags.lang_in_history.contains(f) {
                self.flags.lang_new.insert(*f);
            }
        }
        let mut queries = vec![];
        let mut others = vec![];
        for c in commands {
            match c.variant {
                Some(LangCommand::RespondToQuery(q)) => queries.push(q),
                Some(v) => others.push((v, c.user_metadata)),
                None => return Err(WorkflowError::MalformedCompletion("a command has no variant".into())),
            }
        }
        let is_terminal = |v: &LangCommand| {
            matches!(
                v,
                LangCommand::CompleteWorkflowExecution(_)
                    | LangCommand::FailWorkflowExecution(_)
                    | LangCommand::CancelWorkflowExecution(_)
                    | LangCommand::ContinueAsNewWorkflowExecution(_)
            )
        };
        let ordered = if self.flag_enabled(flags::MOVE_TERMINAL_COMMANDS) {
            let mut terminal = None;
            let mut rest = vec![];
            for (v, md) in others {
                if is_terminal(&v) {
                    if terminal.is_none() {
                        terminal = Some((v, md));
                    }
                } else {
                    rest.push((v, md));
                }
            }
            rest.extend(terminal);
            rest
        } else {
            let mut rest = vec![];
            for (v, md) in others {
                let stop = is_terminal(&v);
                rest.push((v, md));
                if stop {
                    break;
                }
            }
            rest
        };
        for (v, md) in ordered {
            self.handle_lang_command(v, md)?;
        }
        Ok(queries)
    }

    fn nde(err: MachineError) -> WorkflowError {
        WorkflowError::Nondeterminism(err.to_string())
    }

    fn handle_lang_command(&mut self, v: LangCommand, md: Option<UserMetadata>) -> Result<(), WorkflowError> {
        match v {
            LangCommand::StartTimer(t) => {
                let seq = t.seq;
                let (m, out) = TimerMachine::new(t).map_err(Self::nde)?;
                let key = self.add_machine(Machine::Timer(m), out, md);
                self.by_command.insert(CommandKey::Timer(seq), key);
            }
            LangCommand::CancelTimer(t) => {
                let key = self.lookup(CommandKey::Timer(t.seq), "timer")?;
                let out = match &mut self.machines[key] {
                    Machine::Timer(m) => m.cancel().map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::ScheduleActivity(a) => {
                let seq = a.seq;
                let tq = self.config.task_queue.clone();
                let (m, out) = ActivityMachine::new(a, &tq, None).map_err(Self::nde)?;
                let key = self.add_machine(Machine::Activity(Box::new(m)), out, md);
                self.by_command.insert(CommandKey::Activity(seq), key);
            }
            LangCommand::RequestCancelActivity(a) => {
                let key = self.lookup(CommandKey::Activity(a.seq), "activity")?;
                let out = match &mut self.machines[key] {
                    Machine::Activity(m) => m.cancel().map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::CompleteWorkflowExecution(c) => {
                let cmd = new_command(
                    CommandType::CompleteWorkflowExecution,
                    CommandAttrs::CompleteWorkflowExecutionCommandAttributes(
                        command::CompleteWorkflowExecutionCommandAttributes {
                            result: c.result.map(|p| Payloads { payloads: vec![p] }),
                        },
                    ),
                );
                self.add_simple(SimpleKind::CompleteWorkflow, cmd, md)?;
            }
            LangCommand::FailWorkflowExecution(f) => {
                let cmd = new_command(
                    CommandType::FailWorkflowExecution,
                    CommandAttrs::FailWorkflowExecutionCommandAttributes(
                        command::FailWorkflowExecutionCommandAttributes { failure: f.failure },
                    ),
                );
                self.add_simple(SimpleKind::FailWorkflow, cmd, md)?;
            }
            LangCommand::CancelWorkflowExecution(_) => {
                let cmd = new_command(
                    CommandType::CancelWorkflowExecution,
                    CommandAttrs::CancelWorkflowExecutionCommandAttributes(
                        command::CancelWorkflowExecutionCommandAttributes { details: None },
                    ),
                );
                self.add_simple(SimpleKind::CancelWorkflow, cmd, md)?;
            }
            LangCommand::ContinueAsNewWorkflowExecution(c) => {
                let cmd = self.continue_as_new_command(c);
                self.add_simple(SimpleKind::ContinueAsNew, cmd, md)?;
            }
            LangCommand::UpsertWorkflowSearchAttributes(u) => {
                let mut fields = u.search_attributes;
                if self.flag_enabled(flags::UPSERT_SEARCH_ATTRIBUTE_ON_PATCH)
                    && fields.contains_key(CHANGE_VERSION_SEARCH_ATTRIBUTE)
                {
                    // Like the official SDKs: the whole upsert is dropped, but its (empty) command
                    // is still sent so that histories keep the same events.
                    tracing::warn!("ignoring an upsert of {CHANGE_VERSION_SEARCH_ATTRIBUTE}: the core maintains it");
                    fields.clear();
                }
                let cmd = upsert_command(fields);
                self.add_simple(SimpleKind::UpsertSearchAttributes, cmd, md)?;
            }
            LangCommand::ModifyWorkflowProperties(p) => {
                let cmd = new_command(
                    CommandType::ModifyWorkflowProperties,
                    CommandAttrs::ModifyWorkflowPropertiesCommandAttributes(
                        command::ModifyWorkflowPropertiesCommandAttributes {
                            upserted_memo: Some(common::Memo {
                                fields: p.upserted_memo,
                            }),
                        },
                    ),
                );
                self.add_simple(SimpleKind::ModifyWorkflowProperties, cmd, md)?;
            }
            LangCommand::SetPatchMarker(p) => {
                let exists = self
                    .machines
                    .iter()
                    .any(|m| matches!(m, Machine::Patch(x) if x.patch_id == p.patch_id));
                if exists {
                    return Ok(());
                }
                let id = p.patch_id.clone();
                let (m, out) = PatchMachine::new(p).map_err(Self::nde)?;
                let patch_key = self.add_machine(Machine::Patch(m), out, md);
                self.patches_seen.insert(id);
                if self.flag_enabled(flags::UPSERT_SEARCH_ATTRIBUTE_ON_PATCH) {
                    // Every patch the workflow asked for so far, sorted, as the official SDKs write it.
                    let value = super::history::json_payload(&self.patches_seen);
                    let mut value = value;
                    value.metadata.insert("type".into(), b"KeywordList".to_vec());
                    if value.data.len() >= 2048 {
                        tracing::warn!("not upserting {CHANGE_VERSION_SEARCH_ATTRIBUTE}: the patch list is too large");
                    } else {
                        let cmd = upsert_command([(CHANGE_VERSION_SEARCH_ATTRIBUTE.to_string(), value)].into());
                        self.add_simple(SimpleKind::UpsertSearchAttributes, cmd, None)?;
                        self.patch_upserts.insert(patch_key, self.machines.len() - 1);
                    }
                }
            }
            LangCommand::StartChildWorkflowExecution(c) => {
                let seq = c.seq;
                let cmd = self.start_child_command(&c);
                let (m, out) = ChildWorkflowMachine::new(c, cmd).map_err(Self::nde)?;
                let key = self.add_machine(Machine::ChildWorkflow(Box::new(m)), out, md);
                self.by_command.insert(CommandKey::ChildWorkflow(seq), key);
            }
            LangCommand::CancelChildWorkflowExecution(c) => {
                let key = self.lookup(CommandKey::ChildWorkflow(c.child_workflow_seq), "child workflow")?;
                let (out, server_cancel) = match &mut self.machines[key] {
                    Machine::ChildWorkflow(m) => {
                        let needs = m.needs_server_cancel();
                        let target = (m.namespace().to_string(), m.workflow_id().to_string());
                        (m.cancel().map_err(Self::nde)?, needs.then_some(target))
                    }
                    _ => (vec![], None),
                };
                self.apply_outputs(key, out);
                let already = self.child_cancels.values().any(|c| *c == key);
                if let Some((namespace, workflow_id)) = server_cancel
                    && !already
                {
                    let cmd = new_command(
                        CommandType::RequestCancelExternalWorkflowExecution,
                        CommandAttrs::RequestCancelExternalWorkflowExecutionCommandAttributes(
                            command::RequestCancelExternalWorkflowExecutionCommandAttributes {
                                namespace,
                                workflow_id,
                                run_id: String::new(),
                                control: String::new(),
                                child_workflow_only: true,
                                reason: c.reason,
                            },
                        ),
                    );
                    let (m, out) = CancelExternalMachine::new(c.child_workflow_seq, cmd, true).map_err(Self::nde)?;
                    let cancel_key = self.add_machine(Machine::CancelExternal(m), out, None);
                    self.child_cancels.insert(cancel_key, key);
                }
            }
            LangCommand::RequestCancelExternalWorkflowExecution(c) => {
                let target = c.workflow_execution.unwrap_or_default();
                let cmd = new_command(
                    CommandType::RequestCancelExternalWorkflowExecution,
                    CommandAttrs::RequestCancelExternalWorkflowExecutionCommandAttributes(
                        command::RequestCancelExternalWorkflowExecutionCommandAttributes {
                            namespace: target.namespace,
                            workflow_id: target.workflow_id,
                            run_id: target.run_id,
                            control: String::new(),
                            child_workflow_only: false,
                            reason: c.reason,
                        },
                    ),
                );
                let (m, out) = CancelExternalMachine::new(c.seq, cmd, false).map_err(Self::nde)?;
                let key = self.add_machine(Machine::CancelExternal(m), out, md);
                self.by_command.insert(CommandKey::CancelExternal(c.seq), key);
            }
            LangCommand::SignalExternalWorkflowExecution(s) => {
                use lang::signal_external_workflow_execution::Target;
                let (namespace, execution, child_only) = match s.target {
                    Some(Target::WorkflowExecution(w)) => (
                        w.namespace,
                        common::WorkflowExecution {
                            workflow_id: w.workflow_id,
                            run_id: w.run_id,
                        },
                        false,
                    ),
                    Some(Target::ChildWorkflowId(id)) => (
                        self.config.namespace.clone(),
                        common::WorkflowExecution {
                            workflow_id: id,
                            run_id: String::new(),
                        },
                        true,
                    ),
                    None => {
                        return Err(WorkflowError::MalformedCompletion(
                            "signal_external_workflow_execution has no target".into(),
                        ));
                    }
                };
                let cmd = new_command(
                    CommandType::SignalExternalWorkflowExecution,
                    CommandAttrs::SignalExternalWorkflowExecutionCommandAttributes(
                        command::SignalExternalWorkflowExecutionCommandAttributes {
                            namespace,
                            execution: Some(execution),
                            signal_name: s.signal_name,
                            input: payloads(s.args),
                            control: String::new(),
                            child_workflow_only: child_only,
                            header: header(s.headers),
                        },
                    ),
                );
                let (m, out) = SignalExternalMachine::new(s.seq, cmd).map_err(Self::nde)?;
                let key = self.add_machine(Machine::SignalExternal(m), out, md);
                self.by_command.insert(CommandKey::SignalExternal(s.seq), key);
            }
            LangCommand::CancelSignalWorkflow(c) => {
                let key = self.lookup(CommandKey::SignalExternal(c.seq), "signal")?;
                let out = match &mut self.machines[key] {
                    Machine::SignalExternal(m) => m.cancel().map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::ScheduleLocalActivity(a) => {
                let seq = a.seq;
                if a.schedule_to_close_timeout.is_none() && a.start_to_close_timeout.is_none() {
                    return Err(WorkflowError::MalformedCompletion(format!(
                        "local activity {seq} needs a schedule-to-close or start-to-close timeout"
                    )));
                }
                let recorded = if self.replaying {
                    self.la_stash.remove(&seq)
                } else {
                    None
                };
                let (m, out) = LocalActivityMachine::new(a, self.replaying, self.time, recorded).map_err(Self::nde)?;
                let key = self.add_machine(Machine::LocalActivity(Box::new(m)), out, md);
                self.by_command.insert(CommandKey::LocalActivity(seq), key);
            }
            LangCommand::RequestCancelLocalActivity(a) => {
                let key = self.lookup(CommandKey::LocalActivity(a.seq), "local activity")?;
                let out = match &mut self.machines[key] {
                    Machine::LocalActivity(m) => m.cancel().map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::UpdateResponse(u) => {
                let Some(&key) = self.by_update.get(&u.protocol_instance_id) else {
                    return Err(WorkflowError::Nondeterminism(format!(
                        "the workflow answered update {}, which it was never asked to run",
                        u.protocol_instance_id
                    )));
                };
                let Some(response) = u.response else {
                    return Err(WorkflowError::MalformedCompletion(
                        "update_response has no response".into(),
                    ));
                };
                let replaying = self.replaying;
                let out = match &mut self.machines[key] {
                    Machine::Update(m) => m.respond(response, replaying).map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::ScheduleNexusOperation(n) => {
                let seq = n.seq;
                let (m, out) = NexusOperationMachine::new(n).map_err(Self::nde)?;
                let key = self.add_machine(Machine::NexusOperation(Box::new(m)), out, md);
                self.by_command.insert(CommandKey::NexusOperation(seq), key);
            }
            LangCommand::RequestCancelNexusOperation(n) => {
                let key = self.lookup(CommandKey::NexusOperation(n.seq), "nexus operation")?;
                let out = match &mut self.machines[key] {
                    Machine::NexusOperation(m) => m.cancel().map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::RespondToQuery(_) => {}
        }
        Ok(())
    }

    fn add_simple(&mut self, kind: SimpleKind, cmd: Command, md: Option<UserMetadata>) -> Result<(), WorkflowError> {
        if kind.is_terminal() {
            self.terminal_command_issued = true;
        }
        let (m, out) = SimpleCommandMachine::new(kind, cmd).map_err(Self::nde)?;
        self.add_machine(Machine::Simple(m), out, md);
        Ok(())
    }

    fn continue_as_new_command(&self, c: lang::ContinueAsNewWorkflowExecution) -> Command {
        let started = self.started.clone().unwrap_or_default();
        let task_queue = if c.task_queue.is_empty() {
            started
                .task_queue
                .as_ref()
                .map(|t| t.name.clone())
                .unwrap_or_else(|| self.config.task_queue.clone())
        } else {
            c.task_queue.clone()
        };
        let workflow_type = if c.workflow_type.is_empty() {
            self.workflow_type.clone()
        } else {
            c.workflow_type.clone()
        };
        new_command(
            CommandType::ContinueAsNewWorkflowExecution,
            CommandAttrs::ContinueAsNewWorkflowExecutionCommandAttributes(
                command::ContinueAsNewWorkflowExecutionCommandAttributes {
                    workflow_type: Some(common::WorkflowType { name: workflow_type }),
                    task_queue: Some(super::machines::activity::task_queue(&task_queue)),
                    input: payloads(c.arguments),
                    workflow_run_timeout: c.workflow_run_timeout.or(started.workflow_run_timeout),
                    workflow_task_timeout: c.workflow_task_timeout.or(started.workflow_task_timeout),
                    backoff_start_interval: c.backoff_start_interval,
                    retry_policy: c.retry_policy.or(started.retry_policy),
                    initiator: 0,
                    failure: None,
                    last_completion_result: None,
                    cron_schedule: String::new(),
                    header: header(c.headers),
                    memo: if c.memo.is_empty() {
                        started.memo
                    } else {
                        Some(common::Memo { fields: c.memo })
                    },
                    search_attributes: if c.search_attributes.is_empty() {
                        started.search_attributes
                    } else {
                        Some(common::SearchAttributes {
                            indexed_fields: c.search_attributes,
                        })
                    },
                    inherit_build_id: super::machines::activity::use_workflow_build_id(
                        c.versioning_intent,
                        &c.task_queue,
                        &self.config.task_queue,
                    ),
                    initial_versioning_behavior: c.initial_versioning_behavior,
                },
            ),
        )
    }

    fn start_child_command(&self, c: &lang::StartChildWorkflowExecution) -> Command {
        let task_queue = if c.task_queue.is_empty() {
            self.config.task_queue.clone()
        } else {
            c.task_queue.clone()
        };
        let namespace = if c.namespace.is_empty() {
            self.config.namespace.clone()
        } else {
            c.namespace.clone()
        };
        new_command(
            CommandType::StartChildWorkflowExecution,
            CommandAttrs::StartChildWorkflowExecutionCommandAttributes(
                command::StartChildWorkflowExecutionCommandAttributes {
                    namespace,
                    workflow_id: c.workflow_id.clone(),
                    workflow_type: Some(common::WorkflowType {
                        name: c.workflow_type.clone(),
                    }),
                    task_queue: Some(super::machines::activity::task_queue(&task_queue)),
                    input: payloads(c.input.clone()),
                    workflow_execution_timeout: c.workflow_execution_timeout,
                    workflow_run_timeout: c.workflow_run_timeout,
                    workflow_task_timeout: c.workflow_task_timeout,
                    parent_close_policy: c.parent_close_policy,
                    control: String::new(),
                    workflow_id_reuse_policy: c.workflow_id_reuse_policy,
                    retry_policy: c.retry_policy.clone(),
                    cron_schedule: c.cron_schedule.clone(),
                    header: header(c.headers.clone()),
                    memo: (!c.memo.is_empty()).then(|| common::Memo { fields: c.memo.clone() }),
                    search_attributes: (!c.search_attributes.is_empty()).then(|| common::SearchAttributes {
                        indexed_fields: c.search_attributes.clone(),
                    }),
                    inherit_build_id: super::machines::activity::use_workflow_build_id(
                        c.versioning_intent,
                        &c.task_queue,
                        &self.config.task_queue,
                    ),
                    priority: c.priority.clone(),
                    versioning_override: None,
                },
            ),
        )
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

    /// SDK metadata for the next completion: the flags first used now, and the SDK's name and
    /// version when they differ from the last ones history recorded. Empty when the server does
    /// not record `sdk_metadata`.
    pub fn sdk_metadata(&mut self, sdk_name: &str, sdk_version: &str) -> WorkflowTaskCompletedMetadata {
        if !self.config.sdk_metadata_supported {
            self.flags.last_recorded = (vec![], vec![]);
            return WorkflowTaskCompletedMetadata::default();
        }
        let core_used_flags = if !self.replaying {
            let new: Vec<u32> = flags::ALL
                .iter()
                .copied()
                .filter(|f| !self.flags.core_in_history.contains(f))
                .collect();
            self.flags.core_in_history.extend(new.iter().copied());
            new
        } else {
            vec![]
        };
        let lang_used_flags: Vec<u32> = std::mem::take(&mut self.flags.lang_new).into_iter().collect();
        self.flags.lang_in_history.extend(lang_used_flags.iter().copied());
        self.flags.last_recorded = (core_used_flags.clone(), lang_used_flags.clone());
        self.flags.sdk_before_last_completion = (
            self.flags.sdk_name_in_history.clone(),
            self.flags.sdk_version_in_history.clone(),
        );
        let changed = |recorded: &mut String, ours: &str| {
            if recorded == ours {
                String::new()
            } else {
                *recorded = ours.to_string();
                ours.to_string()
            }
        };
        WorkflowTaskCompletedMetadata {
            core_used_flags,
            lang_used_flags,
            sdk_name: changed(&mut self.flags.sdk_name_in_history, sdk_name),
            sdk_version: changed(&mut self.flags.sdk_version_in_history, sdk_version),
        }
    }

    /// The server discarded the workflow task just completed. A speculative task (one created to
    /// deliver updates) whose updates were all rejected leaves no events in history: its scheduled
    /// and started events never happened, and the next task reuses their ids. The completion's
    /// `reset_history_event_id` is the started event id of the last workflow task that stays
    /// completed, the run's checkpoint. Rolls the run back to just before the discarded task's
    /// scheduled event, drops anything keyed to later events, and makes the next completion record
    /// again the flags the discarded one recorded.
    pub fn discard_speculative_task(&mut self, reset_history_event_id: i64) -> Result<(), WorkflowError> {
        let discarded = self.last_wft.filter(|(scheduled, started)| {
            *started == self.last_applied_event_id && *scheduled + 1 == *started && reset_history_event_id < *scheduled
        });
        let Some((scheduled, started)) = discarded.filter(|_| self.pending.is_empty()) else {
            return Err(WorkflowError::Fatal(format!(
                "the server discarded the workflow task (back to started event {reset_history_event_id}), but the run's last \
                 events (up to {}, last task {:?}, {} unapplied) are not a discardable task",
                self.last_applied_event_id,
                self.last_wft,
                self.pending.len()
            )));
        };
        tracing::debug!(run_id = %self.run_id, scheduled, started, reset_history_event_id, "rolling back a discarded speculative workflow task");
        let keep = scheduled - 1;
        self.last_applied_event_id = keep;
        self.last_received_event_id = keep;
        self.task_started_event_id = reset_history_event_id;
        self.last_wft = None;
        self.by_event.retain(|event_id, _| *event_id <= keep);
        let (core, lang) = std::mem::take(&mut self.flags.last_recorded);
        for f in core {
            self.flags.core_in_history.remove(&f);
        }
        for f in lang {
            self.flags.lang_in_history.remove(&f);
            self.flags.lang_new.insert(f);
        }
        (self.flags.sdk_name_in_history, self.flags.sdk_version_in_history) =
            std::mem::take(&mut self.flags.sdk_before_last_completion);
        Ok(())
    }

    /// A count of machines per kind name, for debugging and metrics.
    pub fn machine_count(&self) -> usize {
        self.machines.len()
    }
}

fn upsert_command(fields: HashMap<String, Payload>) -> Command {
    new_command(
        CommandType::UpsertWorkflowSearchAttributes,
        CommandAttrs::UpsertWorkflowSearchAttributesCommandAttributes(
            command::UpsertWorkflowSearchAttributesCommandAttributes {
                search_attributes: Some(common::SearchAttributes { indexed_fields: fields }),
            },
        ),
    )
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

/// The worker version a WorkflowTaskCompleted event records: its deployment version, else the version string
/// (`<deployment>.<build id>`, or `<deployment>:<build id>` in newer servers), else the build id of its worker
/// stamp or its binary checksum.
fn recorded_version(a: &history::WorkflowTaskCompletedEventAttributes) -> Option<kcommon::WorkerDeploymentVersion> {
    if let Some(v) = a.deployment_version.as_ref().filter(|v| !v.build_id.is_empty()) {
        return Some(kcommon::WorkerDeploymentVersion {
            deployment_name: v.deployment_name.clone(),
            build_id: v.build_id.clone(),
        });
    }
    if !a.worker_deployment_version.is_empty() {
        let v = &a.worker_deployment_version;
        if let Some(i) = v.find([':', '.']) {
            return Some(kcommon::WorkerDeploymentVersion {
                deployment_name: v[..i].to_string(),
                build_id: v[i + 1..].to_string(),
            });
        }
    }
    let build_id = a
        .worker_version
        .as_ref()
        .map(|w| w.build_id.clone())
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| a.binary_checksum.clone());
    (!build_id.is_empty()).then(|| kcommon::WorkerDeploymentVersion {
        deployment_name: String::new(),
        build_id,
    })
}
