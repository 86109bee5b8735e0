//! Nexus operation machine: `ScheduleNexusOperation` → Scheduled → Started (async operation,
//! ResolveNexusOperationStart with the token) → Completed | Failed | Canceled | TimedOut
//! (ResolveNexusOperation). An outcome right after Scheduled means the operation ran
//! synchronously (start resolves with `started_sync`, then the result); a failure before start
//! resolves the start as failed. Cancellation follows the four cancellation types.
use super::{MachineError, MachineOutput as Out, cancelled_failure, new_command, taken};
use crate::workflow::history::event_type;
use crate::workflow::pb::*;
use activation::resolve_nexus_operation_start::Status as StartStatus;
use knexus::nexus_operation_result::Status as ResultStatus;
use lang::NexusOperationCancellationType as CancelType;

pub(crate) const NAME: &str = "nexus_operation";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Created,
    ScheduleCommandCreated,
    Scheduled,
    Started,
    CancelCommandCreated,
    CancelRequested,
    Completed,
    Failed,
    Canceled,
    TimedOut,
    CanceledBeforeSent,
    Abandoned,
}

#[derive(Debug)]
pub(crate) enum Event {
    Schedule,
    NexusOperationScheduled,
    NexusOperationStarted,
    NexusOperationCompleted,
    NexusOperationFailed,
    NexusOperationCanceled,
    NexusOperationTimedOut,
    Cancel,
    NexusOperationCancelRequested,
    NexusOperationCancelRequestCompleted,
    NexusOperationCancelRequestFailed,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Created", "Schedule", "ScheduleCommandCreated"),
    ("ScheduleCommandCreated", "NexusOperationScheduled", "Scheduled"),
    ("ScheduleCommandCreated", "Cancel", "CanceledBeforeSent"),
    ("Scheduled", "NexusOperationStarted", "Started"),
    ("Scheduled", "NexusOperationCompleted", "Completed"),
    ("Scheduled", "NexusOperationFailed", "Failed"),
    ("Scheduled", "NexusOperationCanceled", "Canceled"),
    ("Scheduled", "NexusOperationTimedOut", "TimedOut"),
    ("Scheduled", "Cancel", "CancelCommandCreated"),
    ("Scheduled", "Cancel", "Abandoned"),
    ("Started", "NexusOperationCompleted", "Completed"),
    ("Started", "NexusOperationFailed", "Failed"),
    ("Started", "NexusOperationCanceled", "Canceled"),
    ("Started", "NexusOperationTimedOut", "TimedOut"),
    ("Started", "Cancel", "CancelCommandCreated"),
    ("Started", "Cancel", "Abandoned"),
    (
        "CancelCommandCreated",
        "NexusOperationCancelRequested",
        "CancelRequested",
    ),
    ("CancelCommandCreated", "Cancel", "CancelCommandCreated"),
    ("CancelRequested", "NexusOperationStarted", "CancelRequested"),
    (
        "CancelRequested",
        "NexusOperationCancelRequestCompleted",
        "CancelRequested",
    ),
    (
        "CancelRequested",
        "NexusOperationCancelRequestFailed",
        "CancelRequested",
    ),
    ("CancelRequested", "NexusOperationCompleted", "Completed"),
    ("CancelRequested", "NexusOperationFailed", "Failed"),
    ("CancelRequested", "NexusOperationCanceled", "Canceled"),
    ("CancelRequested", "NexusOperationTimedOut", "TimedOut"),
    ("CancelRequested", "Cancel", "CancelRequested"),
    ("Abandoned", "NexusOperationStarted", "Abandoned"),
    ("Abandoned", "NexusOperationCompleted", "Abandoned"),
    ("Abandoned", "NexusOperationFailed", "Abandoned"),
    ("Abandoned", "NexusOperationCanceled", "Abandoned"),
    ("Abandoned", "NexusOperationTimedOut", "Abandoned"),
    ("Abandoned", "Cancel", "Abandoned"),
    ("Completed", "Cancel", "Completed"),
    ("Failed", "Cancel", "Failed"),
    ("Canceled", "Cancel", "Canceled"),
    ("TimedOut", "Cancel", "TimedOut"),
    ("CanceledBeforeSent", "Cancel", "CanceledBeforeSent"),
];

#[derive(Debug)]
pub(crate) struct NexusOperationMachine {
    state: State,
    cmd: lang::ScheduleNexusOperation,
    cancel_type: CancelType,
    scheduled_event_id: i64,
    operation_token: String,
    start_resolved: bool,
    resolved: bool,
}

impl NexusOperationMachine {
    pub(crate) fn new(cmd: lang::ScheduleNexusOperation) -> Result<(Self, Vec<Out>), MachineError> {
        let cancel_type = CancelType::try_from(cmd.cancellation_type).unwrap_or(CancelType::WaitCancellationCompleted);
        let mut m = NexusOperationMachine {
            state: State::Created,
            cmd,
            cancel_type,
            scheduled_event_id: 0,
            operation_token: String::new(),
            start_resolved: false,
            resolved: false,
        };
        let out = m.step(Event::Schedule, None)?;
        Ok((m, out))
    }

    fn schedule_command(&self) -> Command {
        let c = &self.cmd;
        new_command(
            CommandType::ScheduleNexusOperation,
            CommandAttrs::ScheduleNexusOperationCommandAttributes(command::ScheduleNexusOperationCommandAttributes {
                endpoint: c.endpoint.clone(),
                service: c.service.clone(),
                operation: c.operation.clone(),
                input: c.input.clone(),
                schedule_to_close_timeout: c.schedule_to_close_timeout,
                nexus_header: c.nexus_header.clone(),
                schedule_to_start_timeout: c.schedule_to_start_timeout,
                start_to_close_timeout: c.start_to_close_timeout,
            }),
        )
    }

    fn wrap(&self, cause: Option<Failure>) -> Failure {
        Failure {
            message: "nexus operation completed unsuccessfully".into(),
            cause: cause.map(Box::new),
            failure_info: Some(failure::failure::FailureInfo::NexusOperationExecutionFailureInfo(
                failure::NexusOperationFailureInfo {
                    scheduled_event_id: self.scheduled_event_id,
                    endpoint: self.cmd.endpoint.clone(),
                    service: self.cmd.service.clone(),
                    operation: self.cmd.operation.clone(),
                    operation_id: String::new(),
                    operation_token: self.operation_token.clone(),
                },
            )),
            ..Default::default()
        }
    }

    fn start_job(&mut self, status: StartStatus) -> Out {
        self.start_resolved = true;
        Out::Job(Job::ResolveNexusOperationStart(
            activation::ResolveNexusOperationStart {
                seq: self.cmd.seq,
                status: Some(status),
            },
        ))
    }

    fn result_job(&mut self, status: ResultStatus) -> Vec<Out> {
        if self.resolved {
            return vec![];
        }
        self.resolved = true;
        vec![Out::Job(Job::ResolveNexusOperation(
            activation::ResolveNexusOperation {
                seq: self.cmd.seq,
                result: Some(knexus::NexusOperationResult { status: Some(status) }),
            },
        ))]
    }

    /// The failure of an outcome event as the workflow sees it. The server writes it already wrapped in a
    /// Nexus operation failure (with the operation's details), so it is passed on as it is; only a failure
    /// without that wrapper (or none at all) is wrapped here.
    fn event_failure(&self, failure: &Option<Failure>) -> Failure {
        match failure {
            Some(f)
                if matches!(
                    f.failure_info,
                    Some(failure::failure::FailureInfo::NexusOperationExecutionFailureInfo(_))
                ) =>
            {
                f.clone()
            }
            other => self.wrap(other.clone()),
        }
    }

    /// Jobs for an outcome event (completed, failed, canceled, timed out).
    fn outcome(&mut self, e: &HistoryEvent) -> Vec<Out> {
        let status = match &e.attributes {
            Some(EventAttrs::NexusOperationCompletedEventAttributes(a)) => {
                ResultStatus::Completed(a.result.clone().unwrap_or_default())
            }
            Some(EventAttrs::NexusOperationFailedEventAttributes(a)) => {
                ResultStatus::Failed(self.event_failure(&a.failure))
            }
            Some(EventAttrs::NexusOperationCanceledEventAttributes(a)) => {
                ResultStatus::Cancelled(self.event_failure(&a.failure))
            }
            Some(EventAttrs::NexusOperationTimedOutEventAttributes(a)) => {
                ResultStatus::TimedOut(self.event_failure(&a.failure))
            }
            _ => return vec![],
        };
        let mut out = vec![];
        if !self.start_resolved {
            match &status {
                ResultStatus::Completed(_) => out.push(self.start_job(StartStatus::StartedSync(true))),
                ResultStatus::Failed(f) | ResultStatus::Cancelled(f) | ResultStatus::TimedOut(f) => {
                    let f = f.clone();
                    self.resolved = true;
                    out.push(self.start_job(StartStatus::Failed(f)));
                    return out;
                }
            }
        }
        out.extend(self.result_job(status));
        out
    }

    fn resolve_cancelled(&mut self) -> Vec<Out> {
        let f = self.wrap(Some(cancelled_failure("Nexus operation cancelled")));
        if !self.start_resolved {
            self.resolved = true;
            return vec![self.start_job(StartStatus::Failed(f))];
        }
        self.result_job(ResultStatus::Cancelled(f))
    }

    fn step(&mut self, event: Event, e: Option<&HistoryEvent>) -> Result<Vec<Out>, MachineError> {
        use State::*;
        let outcome = |m: &mut Self| e.map(|e| m.outcome(e)).unwrap_or_default();
        let (next, out) = match (self.state, &event) {
            (Created, Event::Schedule) => (ScheduleCommandCreated, vec![Out::Command(self.schedule_command())]),
            (ScheduleCommandCreated, Event::NexusOperationScheduled) => (Scheduled, vec![]),
            (ScheduleCommandCreated, Event::Cancel) => {
                let mut out = vec![Out::DropUnsentCommands];
                out.extend(self.resolve_cancelled());
                (CanceledBeforeSent, out)
            }
            (Scheduled, Event::NexusOperationStarted) => {
                let job = self.start_job(StartStatus::OperationToken(self.operation_token.clone()));
                (Started, vec![job])
            }
            (Scheduled | Started, Event::NexusOperationCompleted) => (Completed, outcome(self)),
            (Scheduled | Started, Event::NexusOperationFailed) => (Failed, outcome(self)),
            (Scheduled | Started, Event::NexusOperationCanceled) => (Canceled, outcome(self)),
            (Scheduled | Started, Event::NexusOperationTimedOut) => (TimedOut, outcome(self)),
            (Scheduled | Started, Event::Cancel) => match self.cancel_type {
                CancelType::Abandon => (Abandoned, self.resolve_cancelled()),
                CancelType::TryCancel => {
                    let mut out = vec![Out::Command(self.cancel_command())];
                    out.extend(self.resolve_cancelled());
                    (CancelCommandCreated, out)
                }
                _ => (CancelCommandCreated, vec![Out::Command(self.cancel_command())]),
            },
            (CancelCommandCreated, Event::NexusOperationCancelRequested) => (CancelRequested, vec![]),
            (CancelCommandCreated, Event::Cancel) => (CancelCommandCreated, vec![]),
            (CancelRequested, Event::NexusOperationStarted) => {
                let out = if self.start_resolved {
                    vec![]
                } else {
                    vec![self.start_job(StartStatus::OperationToken(self.operation_token.clone()))]
                };
                (CancelRequested, out)
            }
            (
                CancelRequested,
                Event::NexusOperationCancelRequestCompleted | Event::NexusOperationCancelRequestFailed,
            ) => {
                let out = if self.cancel_type == CancelType::WaitCancellationRequested {
                    self.resolve_cancelled()
                } else {
                    vec![]
                };
                (CancelRequested, out)
            }
            (CancelRequested, Event::NexusOperationCompleted) => (Completed, outcome(self)),
            (CancelRequested, Event::NexusOperationFailed) => (Failed, outcome(self)),
            (CancelRequested, Event::NexusOperationCanceled) => (Canceled, outcome(self)),
            (CancelRequested, Event::NexusOperationTimedOut) => (TimedOut, outcome(self)),
            (CancelRequested, Event::Cancel) => (CancelRequested, vec![]),
            (
                Abandoned,
                Event::NexusOperationStarted
                | Event::NexusOperationCompleted
                | Event::NexusOperationFailed
                | Event::NexusOperationCanceled
                | Event::NexusOperationTimedOut
                | Event::Cancel,
            ) => (Abandoned, vec![]),
            (s @ (Completed | Failed | Canceled | TimedOut | CanceledBeforeSent), Event::Cancel) => (s, vec![]),
            (s, ev) => return Err(MachineError::invalid(NAME, &s, ev)),
        };
        taken(NAME, &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    fn cancel_command(&self) -> Command {
        new_command(
            CommandType::RequestCancelNexusOperation,
            CommandAttrs::RequestCancelNexusOperationCommandAttributes(
                command::RequestCancelNexusOperationCommandAttributes {
                    scheduled_event_id: self.scheduled_event_id,
                },
            ),
        )
    }

    pub(crate) fn cancel(&mut self) -> Result<Vec<Out>, MachineError> {
        self.step(Event::Cancel, None)
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent) -> Result<Vec<Out>, MachineError> {
        let event = match &e.attributes {
            Some(EventAttrs::NexusOperationScheduledEventAttributes(a)) => {
                if a.endpoint != self.cmd.endpoint || a.service != self.cmd.service || a.operation != self.cmd.operation
                {
                    return Err(MachineError::Mismatch(format!(
                        "nexus operation {}/{}/{} in history does not match the workflow's {}/{}/{}",
                        a.endpoint, a.service, a.operation, self.cmd.endpoint, self.cmd.service, self.cmd.operation
                    )));
                }
                self.scheduled_event_id = e.event_id;
                Event::NexusOperationScheduled
            }
            Some(EventAttrs::NexusOperationStartedEventAttributes(a)) => {
                self.operation_token = if a.operation_token.is_empty() {
                    a.operation_id.clone()
                } else {
                    a.operation_token.clone()
                };
                Event::NexusOperationStarted
            }
            Some(EventAttrs::NexusOperationCompletedEventAttributes(_)) => Event::NexusOperationCompleted,
            Some(EventAttrs::NexusOperationFailedEventAttributes(_)) => Event::NexusOperationFailed,
            Some(EventAttrs::NexusOperationCanceledEventAttributes(_)) => Event::NexusOperationCanceled,
            Some(EventAttrs::NexusOperationTimedOutEventAttributes(_)) => Event::NexusOperationTimedOut,
            Some(EventAttrs::NexusOperationCancelRequestedEventAttributes(_)) => Event::NexusOperationCancelRequested,
            Some(EventAttrs::NexusOperationCancelRequestCompletedEventAttributes(_)) => {
                Event::NexusOperationCancelRequestCompleted
            }
            Some(EventAttrs::NexusOperationCancelRequestFailedEventAttributes(_)) => {
                Event::NexusOperationCancelRequestFailed
            }
            _ => return Err(MachineError::invalid(NAME, &self.state, &event_type(e))),
        };
        self.step(event, Some(e))
    }
}
