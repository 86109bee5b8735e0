//! Cancel-external machine: `RequestCancelExternalWorkflowExecution` → Initiated →
//! CancelRequested | Failed, each resolving with ResolveRequestCancelExternalWorkflow.
use super::{MachineError, MachineOutput as Out, new_command, taken};
use crate::workflow::history::event_type;
use crate::workflow::pb::*;

pub(crate) const NAME: &str = "cancel_external";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Created,
    CommandCreated,
    Initiated,
    CancelRequested,
    Failed,
}

#[derive(Debug)]
pub(crate) enum Event {
    Schedule,
    RequestCancelExternalWorkflowExecutionInitiated,
    ExternalWorkflowExecutionCancelRequested,
    RequestCancelExternalWorkflowExecutionFailed,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Created", "Schedule", "CommandCreated"),
    (
        "CommandCreated",
        "RequestCancelExternalWorkflowExecutionInitiated",
        "Initiated",
    ),
    (
        "Initiated",
        "ExternalWorkflowExecutionCancelRequested",
        "CancelRequested",
    ),
    ("Initiated", "RequestCancelExternalWorkflowExecutionFailed", "Failed"),
];

#[derive(Debug)]
pub(crate) struct CancelExternalMachine {
    state: State,
    seq: u32,
    command: Option<Command>,
    /// Core-originated cancels (for child workflows) produce no job.
    silent: bool,
}

impl CancelExternalMachine {
    /// The workflow's own request to cancel another workflow (`RequestCancelExternalWorkflowExecution`).
    pub(crate) fn external(c: lang::RequestCancelExternalWorkflowExecution) -> Result<(Self, Vec<Out>), MachineError> {
        let target = c.workflow_execution.unwrap_or_default();
        let attrs = command::RequestCancelExternalWorkflowExecutionCommandAttributes {
            namespace: target.namespace,
            workflow_id: target.workflow_id,
            run_id: target.run_id,
            control: String::new(),
            child_workflow_only: false,
            reason: c.reason,
        };
        Self::new(c.seq, cancel_command(attrs), false)
    }

    /// The core's own, silent, request to cancel a started child workflow when the workflow cancels it.
    pub(crate) fn child(
        child_seq: u32,
        namespace: String,
        workflow_id: String,
        reason: String,
    ) -> Result<(Self, Vec<Out>), MachineError> {
        let attrs = command::RequestCancelExternalWorkflowExecutionCommandAttributes {
            namespace,
            workflow_id,
            run_id: String::new(),
            control: String::new(),
            child_workflow_only: true,
            reason,
        };
        Self::new(child_seq, cancel_command(attrs), true)
    }

    fn new(seq: u32, command: Command, silent: bool) -> Result<(Self, Vec<Out>), MachineError> {
        let mut m = CancelExternalMachine {
            state: State::Created,
            seq,
            command: Some(command),
            silent,
        };
        let out = m.step(Event::Schedule, 0)?;
        Ok((m, out))
    }

    fn resolve(&self, failure: Option<Failure>) -> Vec<Out> {
        if self.silent {
            return vec![];
        }
        vec![Out::Job(Job::ResolveRequestCancelExternalWorkflow(
            activation::ResolveRequestCancelExternalWorkflow { seq: self.seq, failure },
        ))]
    }

    fn step(&mut self, event: Event, cause: i32) -> Result<Vec<Out>, MachineError> {
        use State::*;
        let (next, out) = match (self.state, &event) {
            (Created, Event::Schedule) => (
                CommandCreated,
                self.command.take().map(Out::Command).into_iter().collect(),
            ),
            (CommandCreated, Event::RequestCancelExternalWorkflowExecutionInitiated) => (Initiated, vec![]),
            (Initiated, Event::ExternalWorkflowExecutionCancelRequested) => (CancelRequested, self.resolve(None)),
            (Initiated, Event::RequestCancelExternalWorkflowExecutionFailed) => {
                let cause = enums::CancelExternalWorkflowExecutionFailedCause::try_from(cause)
                    .map(|c| c.as_str_name().to_string())
                    .unwrap_or_default();
                let failure = Failure {
                    message: format!("Unable to cancel external workflow because {cause}"),
                    failure_info: Some(failure::failure::FailureInfo::ApplicationFailureInfo(
                        failure::ApplicationFailureInfo {
                            r#type: "RequestCancelExternalWorkflowExecutionFailed".into(),
                            ..Default::default()
                        },
                    )),
                    ..Default::default()
                };
                (Failed, self.resolve(Some(failure)))
            }
            (s, e) => return Err(MachineError::invalid(NAME, &s, e)),
        };
        taken(NAME, &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent) -> Result<Vec<Out>, MachineError> {
        match &e.attributes {
            Some(EventAttrs::RequestCancelExternalWorkflowExecutionInitiatedEventAttributes(_)) => {
                self.step(Event::RequestCancelExternalWorkflowExecutionInitiated, 0)
            }
            Some(EventAttrs::ExternalWorkflowExecutionCancelRequestedEventAttributes(_)) => {
                self.step(Event::ExternalWorkflowExecutionCancelRequested, 0)
            }
            Some(EventAttrs::RequestCancelExternalWorkflowExecutionFailedEventAttributes(a)) => {
                self.step(Event::RequestCancelExternalWorkflowExecutionFailed, a.cause)
            }
            _ => Err(MachineError::invalid(NAME, &self.state, &event_type(e))),
        }
    }
}

fn cancel_command(attrs: command::RequestCancelExternalWorkflowExecutionCommandAttributes) -> Command {
    new_command(
        CommandType::RequestCancelExternalWorkflowExecution,
        CommandAttrs::RequestCancelExternalWorkflowExecutionCommandAttributes(attrs),
    )
}
