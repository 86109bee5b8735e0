//! Signal-external machine: `SignalExternalWorkflowExecution` → Initiated → Signaled | Failed,
//! each resolving with ResolveSignalExternalWorkflow. A cancel only has an effect before the
//! command is sent: it drops the command and resolves with a cancelled failure.
use super::{MachineError, MachineOutput as Out, cancelled_failure, header, new_command, payloads, taken};
use crate::workflow::history::event_type;
use crate::workflow::pb::*;

pub(crate) const NAME: &str = "signal_external";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Created,
    CommandCreated,
    Initiated,
    Signaled,
    Failed,
    Canceled,
}

#[derive(Debug)]
pub(crate) enum Event {
    Schedule,
    SignalExternalWorkflowExecutionInitiated,
    ExternalWorkflowExecutionSignaled,
    SignalExternalWorkflowExecutionFailed,
    Cancel,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Created", "Schedule", "CommandCreated"),
    (
        "CommandCreated",
        "SignalExternalWorkflowExecutionInitiated",
        "Initiated",
    ),
    ("CommandCreated", "Cancel", "Canceled"),
    ("Initiated", "ExternalWorkflowExecutionSignaled", "Signaled"),
    ("Initiated", "SignalExternalWorkflowExecutionFailed", "Failed"),
    ("Initiated", "Cancel", "Initiated"),
    ("Signaled", "Cancel", "Signaled"),
    ("Failed", "Cancel", "Failed"),
    ("Canceled", "Cancel", "Canceled"),
];

#[derive(Debug)]
pub(crate) struct SignalExternalMachine {
    state: State,
    seq: u32,
    command: Option<Command>,
}

impl SignalExternalMachine {
    /// Signals `target`, the command's target taken out of `s`; a child workflow is addressed in the
    /// run's own namespace.
    pub(crate) fn new(
        s: lang::SignalExternalWorkflowExecution,
        target: lang::signal_external_workflow_execution::Target,
        own_namespace: &str,
    ) -> Result<(Self, Vec<Out>), MachineError> {
        use lang::signal_external_workflow_execution::Target;
        let (namespace, execution, child_workflow_only) = match target {
            Target::WorkflowExecution(w) => (
                w.namespace,
                common::WorkflowExecution {
                    workflow_id: w.workflow_id,
                    run_id: w.run_id,
                },
                false,
            ),
            Target::ChildWorkflowId(id) => (
                own_namespace.to_string(),
                common::WorkflowExecution {
                    workflow_id: id,
                    run_id: String::new(),
                },
                true,
            ),
        };
        let attrs = command::SignalExternalWorkflowExecutionCommandAttributes {
            namespace,
            execution: Some(execution),
            signal_name: s.signal_name,
            input: payloads(s.args),
            control: String::new(),
            child_workflow_only,
            header: header(s.headers),
        };
        let command = new_command(
            CommandType::SignalExternalWorkflowExecution,
            CommandAttrs::SignalExternalWorkflowExecutionCommandAttributes(attrs),
        );
        Self::with_command(s.seq, command)
    }

    fn with_command(seq: u32, command: Command) -> Result<(Self, Vec<Out>), MachineError> {
        let mut m = SignalExternalMachine {
            state: State::Created,
            seq,
            command: Some(command),
        };
        let out = m.step(Event::Schedule, None)?;
        Ok((m, out))
    }

    fn resolve(&self, failure: Option<Failure>) -> Out {
        Out::Job(Job::ResolveSignalExternalWorkflow(
            activation::ResolveSignalExternalWorkflow { seq: self.seq, failure },
        ))
    }

    fn step(&mut self, event: Event, failed_cause: Option<i32>) -> Result<Vec<Out>, MachineError> {
        use State::*;
        let (next, out) = match (self.state, &event) {
            (Created, Event::Schedule) => (
                CommandCreated,
                self.command.take().map(Out::Command).into_iter().collect(),
            ),
            (CommandCreated, Event::SignalExternalWorkflowExecutionInitiated) => (Initiated, vec![]),
            (CommandCreated, Event::Cancel) => (
                Canceled,
                vec![
                    Out::DropUnsentCommands,
                    self.resolve(Some(cancelled_failure("Signal was cancelled before being sent"))),
                ],
            ),
            (Initiated, Event::ExternalWorkflowExecutionSignaled) => (Signaled, vec![self.resolve(None)]),
            (Initiated, Event::SignalExternalWorkflowExecutionFailed) => {
                let cause = enums::SignalExternalWorkflowExecutionFailedCause::try_from(failed_cause.unwrap_or(0))
                    .map(|c| c.as_str_name().to_string())
                    .unwrap_or_default();
                let failure = Failure {
                    message: format!("Unable to signal external workflow: {cause}"),
                    failure_info: Some(failure::failure::FailureInfo::ApplicationFailureInfo(
                        failure::ApplicationFailureInfo {
                            r#type: "SignalExternalWorkflowExecutionFailed".into(),
                            ..Default::default()
                        },
                    )),
                    ..Default::default()
                };
                (Failed, vec![self.resolve(Some(failure))])
            }
            (s @ (Initiated | Signaled | Failed | Canceled), Event::Cancel) => (s, vec![]),
            (s, e) => return Err(MachineError::invalid(NAME, &s, e)),
        };
        taken(NAME, &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    pub(crate) fn cancel(&mut self) -> Result<Vec<Out>, MachineError> {
        self.step(Event::Cancel, None)
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent) -> Result<Vec<Out>, MachineError> {
        match &e.attributes {
            Some(EventAttrs::SignalExternalWorkflowExecutionInitiatedEventAttributes(_)) => {
                self.step(Event::SignalExternalWorkflowExecutionInitiated, None)
            }
            Some(EventAttrs::ExternalWorkflowExecutionSignaledEventAttributes(_)) => {
                self.step(Event::ExternalWorkflowExecutionSignaled, None)
            }
            Some(EventAttrs::SignalExternalWorkflowExecutionFailedEventAttributes(a)) => {
                self.step(Event::SignalExternalWorkflowExecutionFailed, Some(a.cause))
            }
            _ => Err(MachineError::invalid(NAME, &self.state, &event_type(e))),
        }
    }
}
