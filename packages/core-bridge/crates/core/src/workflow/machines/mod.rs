//! One state machine per kind of workflow command. Each machine turns the workflow's command
//! into server commands, checks the history events that answer them, and produces activation
//! jobs. Every machine is a table-like `match` on (state, event); see each module.
use super::pb::*;
use std::fmt::Debug;

pub(crate) mod activity;
pub(crate) mod cancel_external;
pub(crate) mod child_workflow;
pub(crate) mod coverage;
pub(crate) mod local_activity;
pub(crate) mod nexus_operation;

pub(crate) mod patch;
pub(crate) mod signal_external;
pub(crate) mod simple;
pub(crate) mod timer;
pub(crate) mod update;

/// What a machine asks the run to do after a transition.
#[derive(Debug)]
pub(crate) enum MachineOutput {
    /// Deliver this job to the workflow in the next activation.
    Job(Job),
    /// Append a server command to the outgoing command queue.
    Command(Command),
    /// Remove this machine's commands that were queued but never sent (cancel before send).
    DropUnsentCommands,
    /// Send a protocol message (updates) with the next workflow task completion.
    Message(protocol::Message),
    /// Hand a local activity to the local activity manager.
    QueueLocalActivity(Box<local_activity::LocalActivityRequest>),
    /// Tell the local activity manager to cancel a running local activity.
    CancelLocalActivity(u32),
    /// Move workflow time forward (a local activity resolved).
    UpdateTime(prost_types::Timestamp),
}

/// Why a machine refused an event or command.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MachineError {
    /// The event or command is not valid in the machine's current state.
    InvalidTransition {
        machine: &'static str,
        state: String,
        event: String,
    },
    /// A history event answered this command, but its attributes differ from the command's.
    Mismatch(String),
}

impl MachineError {
    pub(crate) fn invalid(machine: &'static str, state: &impl Debug, event: &impl Debug) -> Self {
        MachineError::InvalidTransition {
            machine,
            state: label(state),
            event: label(event),
        }
    }
}

impl std::fmt::Display for MachineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MachineError::InvalidTransition { machine, state, event } => {
                write!(f, "{machine} machine in state {state} cannot handle {event}")
            }
            MachineError::Mismatch(m) => f.write_str(m),
        }
    }
}

/// Facts about the run that some transitions depend on.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EventContext {
    /// The event comes from history being replayed.
    pub replaying: bool,
    /// SDK flag 1: check activity/child ids and types against the command.
    pub id_and_type_checks: bool,
}

/// The name of an enum value without its fields, used in errors and coverage reports.
pub(crate) fn label(v: &impl Debug) -> String {
    let s = format!("{v:?}");
    let end = s.find(['(', ' ', '{']).unwrap_or(s.len());
    s[..end].to_string()
}

/// Records a transition taken (for the coverage report in tests).
pub(crate) fn taken(machine: &'static str, from: &impl Debug, event: &impl Debug, to: &impl Debug) {
    coverage::record(machine, &label(from), &label(event), &label(to));
}

/// Every machine kind, held by the run in one list.
#[derive(Debug)]
pub(crate) enum Machine {
    Timer(timer::TimerMachine),
    Activity(Box<activity::ActivityMachine>),
    Simple(simple::SimpleCommandMachine),
    SignalExternal(signal_external::SignalExternalMachine),
    CancelExternal(cancel_external::CancelExternalMachine),
    ChildWorkflow(Box<child_workflow::ChildWorkflowMachine>),
    Patch(patch::PatchMachine),
    LocalActivity(Box<local_activity::LocalActivityMachine>),
    Update(Box<update::UpdateMachine>),
    NexusOperation(Box<nexus_operation::NexusOperationMachine>),
}

impl Machine {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Machine::Timer(_) => timer::NAME,
            Machine::Activity(_) => activity::NAME,
            Machine::Simple(m) => m.kind.name(),
            Machine::SignalExternal(_) => signal_external::NAME,
            Machine::CancelExternal(_) => cancel_external::NAME,
            Machine::ChildWorkflow(_) => child_workflow::NAME,
            Machine::Patch(_) => patch::NAME,
            Machine::LocalActivity(_) => local_activity::NAME,
            Machine::Update(_) => update::NAME,
            Machine::NexusOperation(_) => nexus_operation::NAME,
        }
    }

    /// Feeds a history event (a command event matched to this machine, or a follow-up event).
    pub(crate) fn handle_event(
        &mut self,
        event: &HistoryEvent,
        ctx: EventContext,
    ) -> Result<Vec<MachineOutput>, MachineError> {
        match self {
            Machine::Timer(m) => m.handle_event(event),
            Machine::Activity(m) => m.handle_event(event, ctx),
            Machine::Simple(m) => m.handle_event(event),
            Machine::SignalExternal(m) => m.handle_event(event),
            Machine::CancelExternal(m) => m.handle_event(event),
            Machine::ChildWorkflow(m) => m.handle_event(event, ctx),
            Machine::Patch(m) => m.handle_event(event),
            Machine::LocalActivity(m) => m.handle_event(event, ctx),
            Machine::Update(m) => m.handle_event(event),
            Machine::NexusOperation(m) => m.handle_event(event),
        }
    }

    /// Lang cancelled the command this machine carries; machines lang cannot cancel ignore it.
    pub(crate) fn cancel(&mut self) -> Result<Vec<MachineOutput>, MachineError> {
        match self {
            Machine::Timer(m) => m.cancel(),
            Machine::Activity(m) => m.cancel(),
            Machine::SignalExternal(m) => m.cancel(),
            Machine::ChildWorkflow(m) => m.cancel(),
            Machine::LocalActivity(m) => m.cancel(),
            Machine::NexusOperation(m) => m.cancel(),
            Machine::Simple(_) | Machine::CancelExternal(_) | Machine::Patch(_) | Machine::Update(_) => Ok(vec![]),
        }
    }

    /// True when a queued command of this machine may be skipped instead of matched against
    /// `event` (a `patched()` call whose marker is absent from replayed history).
    pub(crate) fn may_skip_for(&self, event: &HistoryEvent, ctx: EventContext) -> bool {
        match self {
            Machine::Patch(m) => m.may_skip_for(event, ctx),
            _ => false,
        }
    }
}

/// The name of a server command type, for non-determinism messages.
pub(crate) fn command_name(c: &Command) -> String {
    CommandType::try_from(c.command_type)
        .map(|t| t.as_str_name().trim_start_matches("COMMAND_TYPE_").to_string())
        .unwrap_or_else(|_| format!("command type {}", c.command_type))
}

/// Builds a server command of the given type.
pub(crate) fn new_command(command_type: CommandType, attributes: CommandAttrs) -> Command {
    Command {
        command_type: command_type as i32,
        attributes: Some(attributes),
        user_metadata: None,
        event_group_markers: vec![],
    }
}

/// Turns a header map from the kairos protocol into a Temporal header (absent when empty).
pub(crate) fn header(fields: std::collections::HashMap<String, Payload>) -> Option<common::Header> {
    (!fields.is_empty()).then_some(common::Header { fields })
}

/// Wraps several payloads (absent when empty).
pub(crate) fn payloads(list: Vec<Payload>) -> Option<Payloads> {
    (!list.is_empty()).then_some(Payloads { payloads: list })
}

/// The first payload of a Payloads message, if any.
pub(crate) fn first_payload(p: Option<Payloads>) -> Option<Payload> {
    p.and_then(|p| p.payloads.into_iter().next())
}

/// A failure saying something was cancelled, with no details.
pub(crate) fn cancelled_failure(message: &str) -> Failure {
    Failure {
        message: message.to_string(),
        failure_info: Some(failure::failure::FailureInfo::CanceledFailureInfo(
            failure::CanceledFailureInfo::default(),
        )),
        ..Default::default()
    }
}
