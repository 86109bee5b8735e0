//! Machines for commands that are answered by exactly one history event and produce no job:
//! complete, fail and cancel workflow, continue-as-new, upsert search attributes and modify
//! workflow properties. They share one table: Created → CommandCreated → EventRecorded.
use super::{MachineError, MachineOutput as Out, taken};
use crate::workflow::history::event_type;
use crate::workflow::pb::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SimpleKind {
    CompleteWorkflow,
    FailWorkflow,
    CancelWorkflow,
    ContinueAsNew,
    UpsertSearchAttributes,
    ModifyWorkflowProperties,
}

impl SimpleKind {
    pub(crate) const ALL: [SimpleKind; 6] = [
        SimpleKind::CompleteWorkflow,
        SimpleKind::FailWorkflow,
        SimpleKind::CancelWorkflow,
        SimpleKind::ContinueAsNew,
        SimpleKind::UpsertSearchAttributes,
        SimpleKind::ModifyWorkflowProperties,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            SimpleKind::CompleteWorkflow => "complete_workflow",
            SimpleKind::FailWorkflow => "fail_workflow",
            SimpleKind::CancelWorkflow => "cancel_workflow",
            SimpleKind::ContinueAsNew => "continue_as_new",
            SimpleKind::UpsertSearchAttributes => "upsert_search_attributes",
            SimpleKind::ModifyWorkflowProperties => "modify_workflow_properties",
        }
    }

    fn answering_event(self) -> EventType {
        match self {
            SimpleKind::CompleteWorkflow => EventType::WorkflowExecutionCompleted,
            SimpleKind::FailWorkflow => EventType::WorkflowExecutionFailed,
            SimpleKind::CancelWorkflow => EventType::WorkflowExecutionCanceled,
            SimpleKind::ContinueAsNew => EventType::WorkflowExecutionContinuedAsNew,
            SimpleKind::UpsertSearchAttributes => EventType::UpsertWorkflowSearchAttributes,
            SimpleKind::ModifyWorkflowProperties => EventType::WorkflowPropertiesModified,
        }
    }

    /// Terminal commands end the run.
    pub(crate) fn is_terminal(self) -> bool {
        matches!(
            self,
            SimpleKind::CompleteWorkflow
                | SimpleKind::FailWorkflow
                | SimpleKind::CancelWorkflow
                | SimpleKind::ContinueAsNew
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Created,
    CommandCreated,
    EventRecorded,
}

#[derive(Debug)]
pub(crate) enum Event {
    Schedule,
    CommandEvent,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Created", "Schedule", "CommandCreated"),
    ("CommandCreated", "CommandEvent", "EventRecorded"),
];

#[derive(Debug)]
pub(crate) struct SimpleCommandMachine {
    pub(crate) kind: SimpleKind,
    state: State,
    command: Option<Command>,
}

impl SimpleCommandMachine {
    pub(crate) fn new(kind: SimpleKind, command: Command) -> Result<(Self, Vec<Out>), MachineError> {
        let mut m = SimpleCommandMachine {
            kind,
            state: State::Created,
            command: Some(command),
        };
        let out = m.step(Event::Schedule)?;
        Ok((m, out))
    }

    fn step(&mut self, event: Event) -> Result<Vec<Out>, MachineError> {
        use State::*;
        let (next, out) = match (self.state, &event) {
            (Created, Event::Schedule) => (
                CommandCreated,
                self.command.take().map(Out::Command).into_iter().collect(),
            ),
            (CommandCreated, Event::CommandEvent) => (EventRecorded, vec![]),
            (s, e) => return Err(MachineError::invalid(self.kind.name(), &s, e)),
        };
        taken(self.kind.name(), &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent) -> Result<Vec<Out>, MachineError> {
        if event_type(e) != self.kind.answering_event() {
            return Err(MachineError::invalid(self.kind.name(), &self.state, &event_type(e)));
        }
        self.step(Event::CommandEvent)
    }
}
