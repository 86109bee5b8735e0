//! Child workflow machine: `StartChildWorkflowExecution` → Initiated → Started | StartFailed, then
//! Completed | Failed | Canceled | TimedOut | Terminated. Jobs: ResolveChildWorkflowExecutionStart,
//! then ResolveChildWorkflowExecution. Cancelling before the command is sent resolves the start
//! as cancelled; afterwards the run issues a core-originated cancel request for the child
//! (except for ABANDON) and this machine resolves at once (ABANDON, TRY_CANCEL), when the
//! request is delivered (WAIT_CANCELLATION_REQUESTED) or when the child ends
//! (WAIT_CANCELLATION_COMPLETED).
use super::activity::{task_queue, use_workflow_build_id};
use super::{EventContext, MachineError, MachineOutput as Out, first_payload, header, new_command, payloads, taken};
use crate::workflow::history::event_type;
use crate::workflow::pb::*;
use activation::{child_workflow_result, resolve_child_workflow_execution_start as start_status};
use lang::ChildWorkflowCancellationType as CancelType;

pub(crate) const NAME: &str = "child_workflow";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Created,
    StartCommandCreated,
    StartEventRecorded,
    Started,
    StartFailed,
    Completed,
    Failed,
    Canceled,
    TimedOut,
    Terminated,
    CanceledBeforeSent,
}

#[derive(Debug)]
pub(crate) enum Event {
    Schedule,
    StartChildWorkflowExecutionInitiated,
    StartChildWorkflowExecutionFailed,
    ChildWorkflowExecutionStarted,
    ChildWorkflowExecutionCompleted,
    ChildWorkflowExecutionFailed,
    ChildWorkflowExecutionCanceled,
    ChildWorkflowExecutionTimedOut,
    ChildWorkflowExecutionTerminated,
    Cancel,
    CancelDelivered,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Created", "Schedule", "StartCommandCreated"),
    (
        "StartCommandCreated",
        "StartChildWorkflowExecutionInitiated",
        "StartEventRecorded",
    ),
    ("StartCommandCreated", "Cancel", "CanceledBeforeSent"),
    ("StartEventRecorded", "StartChildWorkflowExecutionFailed", "StartFailed"),
    ("StartEventRecorded", "ChildWorkflowExecutionStarted", "Started"),
    ("StartEventRecorded", "Cancel", "StartEventRecorded"),
    ("StartEventRecorded", "CancelDelivered", "StartEventRecorded"),
    ("Started", "ChildWorkflowExecutionCompleted", "Completed"),
    ("Started", "ChildWorkflowExecutionFailed", "Failed"),
    ("Started", "ChildWorkflowExecutionCanceled", "Canceled"),
    ("Started", "ChildWorkflowExecutionTimedOut", "TimedOut"),
    ("Started", "ChildWorkflowExecutionTerminated", "Terminated"),
    ("Started", "Cancel", "Started"),
    ("Started", "CancelDelivered", "Started"),
    ("CanceledBeforeSent", "Cancel", "CanceledBeforeSent"),
    ("StartFailed", "Cancel", "StartFailed"),
    ("Completed", "Cancel", "Completed"),
    ("Failed", "Cancel", "Failed"),
    ("Canceled", "Cancel", "Canceled"),
    ("TimedOut", "Cancel", "TimedOut"),
    ("Terminated", "Cancel", "Terminated"),
];

#[derive(Debug)]
pub(crate) struct ChildWorkflowMachine {
    state: State,
    pub(crate) cmd: lang::StartChildWorkflowExecution,
    cancel_type: CancelType,
    command: Option<Command>,
    initiated_event_id: i64,
    started_event_id: i64,
    run_id: String,
    /// The workflow has been told how the child ended (or that it was cancelled).
    resolved: bool,
    cancel_requested: bool,
}

impl ChildWorkflowMachine {
    /// Starts a child; an empty namespace or task queue in `cmd` means the parent's own.
    pub(crate) fn new(
        cmd: lang::StartChildWorkflowExecution,
        own_namespace: &str,
        own_task_queue: &str,
    ) -> Result<(Self, Vec<Out>), MachineError> {
        let command = start_child_command(&cmd, own_namespace, own_task_queue);
        let cancel_type = CancelType::try_from(cmd.cancellation_type).unwrap_or(CancelType::Abandon);
        let mut m = ChildWorkflowMachine {
            state: State::Created,
            cmd,
            cancel_type,
            command: Some(command),
            initiated_event_id: 0,
            started_event_id: 0,
            run_id: String::new(),
            resolved: false,
            cancel_requested: false,
        };
        let out = m.step(Event::Schedule, None)?;
        Ok((m, out))
    }

    /// True once the child's start was recorded, so a cancel must go to the server.
    pub(crate) fn needs_server_cancel(&self) -> bool {
        matches!(self.state, State::StartEventRecorded | State::Started) && self.cancel_type != CancelType::Abandon
    }

    pub(crate) fn workflow_id(&self) -> &str {
        &self.cmd.workflow_id
    }

    pub(crate) fn namespace(&self) -> &str {
        &self.cmd.namespace
    }

    fn child_failure(&self, message: &str, cause: Failure, retry_state: i32) -> Failure {
        Failure {
            message: message.to_string(),
            cause: Some(Box::new(cause)),
            failure_info: Some(failure::failure::FailureInfo::ChildWorkflowExecutionFailureInfo(
                failure::ChildWorkflowExecutionFailureInfo {
                    namespace: self.cmd.namespace.clone(),
                    workflow_execution: Some(common::WorkflowExecution {
                        workflow_id: self.cmd.workflow_id.clone(),
                        run_id: self.run_id.clone(),
                    }),
                    workflow_type: Some(common::WorkflowType {
                        name: self.cmd.workflow_type.clone(),
                    }),
                    initiated_event_id: self.initiated_event_id,
                    started_event_id: self.started_event_id,
                    retry_state,
                },
            )),
            ..Default::default()
        }
    }

    fn resolve(&mut self, status: child_workflow_result::Status) -> Vec<Out> {
        if self.resolved {
            return vec![];
        }
        self.resolved = true;
        vec![Out::Job(Job::ResolveChildWorkflowExecution(
            activation::ResolveChildWorkflowExecution {
                seq: self.cmd.seq,
                result: Some(activation::ChildWorkflowResult { status: Some(status) }),
            },
        ))]
    }

    fn resolve_cancelled(&mut self, details: Option<Payloads>) -> Vec<Out> {
        let cause = Failure {
            message: "Child Workflow execution cancelled".into(),
            failure_info: Some(failure::failure::FailureInfo::CanceledFailureInfo(
                failure::CanceledFailureInfo {
                    details,
                    identity: String::new(),
                },
            )),
            ..Default::default()
        };
        let f = self.child_failure(
            "Child Workflow execution cancelled",
            cause,
            enums::RetryState::NonRetryableFailure as i32,
        );
        self.resolve(child_workflow_result::Status::Cancelled(
            activation::ChildWorkflowCancelled { failure: Some(f) },
        ))
    }

    fn outcome(&mut self, e: &HistoryEvent) -> Vec<Out> {
        use child_workflow_result::Status;
        let status = match &e.attributes {
            Some(EventAttrs::ChildWorkflowExecutionCompletedEventAttributes(a)) => {
                Status::Completed(activation::ChildWorkflowCompleted {
                    result: first_payload(a.result.clone()),
                })
            }
            Some(EventAttrs::ChildWorkflowExecutionFailedEventAttributes(a)) => {
                let f = self.child_failure(
                    "Child Workflow execution failed",
                    a.failure.clone().unwrap_or_default(),
                    a.retry_state,
                );
                Status::Failed(activation::ChildWorkflowFailed { failure: Some(f) })
            }
            Some(EventAttrs::ChildWorkflowExecutionTimedOutEventAttributes(a)) => {
                let cause = Failure {
                    message: "Child Workflow execution timed out".into(),
                    failure_info: Some(failure::failure::FailureInfo::TimeoutFailureInfo(
                        failure::TimeoutFailureInfo {
                            timeout_type: enums::TimeoutType::StartToClose as i32,
                            last_heartbeat_details: None,
                        },
                    )),
                    ..Default::default()
                };
                let f = self.child_failure("Child Workflow execution timed out", cause, a.retry_state);
                Status::Failed(activation::ChildWorkflowFailed { failure: Some(f) })
            }
            Some(EventAttrs::ChildWorkflowExecutionTerminatedEventAttributes(_)) => {
                let cause = Failure {
                    message: "Child Workflow execution terminated".into(),
                    failure_info: Some(failure::failure::FailureInfo::TerminatedFailureInfo(
                        failure::TerminatedFailureInfo::default(),
                    )),
                    ..Default::default()
                };
                let f = self.child_failure(
                    "Child Workflow execution terminated",
                    cause,
                    enums::RetryState::NonRetryableFailure as i32,
                );
                Status::Failed(activation::ChildWorkflowFailed { failure: Some(f) })
            }
            Some(EventAttrs::ChildWorkflowExecutionCanceledEventAttributes(a)) => {
                return self.resolve_cancelled(a.details.clone());
            }
            _ => return vec![],
        };
        self.resolve(status)
    }

    fn start_job(&self, status: start_status::Status) -> Out {
        Out::Job(Job::ResolveChildWorkflowExecutionStart(
            activation::ResolveChildWorkflowExecutionStart {
                seq: self.cmd.seq,
                status: Some(status),
            },
        ))
    }

    fn step(&mut self, event: Event, e: Option<&HistoryEvent>) -> Result<Vec<Out>, MachineError> {
        use State::*;
        let (next, out) = match (self.state, &event) {
            (Created, Event::Schedule) => (
                StartCommandCreated,
                self.command.take().map(Out::Command).into_iter().collect(),
            ),
            (StartCommandCreated, Event::StartChildWorkflowExecutionInitiated) => (StartEventRecorded, vec![]),
            (StartCommandCreated, Event::Cancel) => {
                self.resolved = true;
                let job = self.start_job(start_status::Status::Cancelled(
                    activation::ChildWorkflowStartCancelled {
                        failure: Some(super::cancelled_failure(
                            "Child Workflow execution cancelled before it was started",
                        )),
                    },
                ));
                (CanceledBeforeSent, vec![Out::DropUnsentCommands, job])
            }
            (StartEventRecorded, Event::StartChildWorkflowExecutionFailed) => {
                self.resolved = true;
                let cause = match e.and_then(|e| e.attributes.as_ref()) {
                    Some(EventAttrs::StartChildWorkflowExecutionFailedEventAttributes(a)) => a.cause,
                    _ => 0,
                };
                let job = self.start_job(start_status::Status::Failed(activation::ChildWorkflowStartFailed {
                    workflow_id: self.cmd.workflow_id.clone(),
                    workflow_type: self.cmd.workflow_type.clone(),
                    cause,
                }));
                (StartFailed, vec![job])
            }
            (StartEventRecorded, Event::ChildWorkflowExecutionStarted) => {
                let job = self.start_job(start_status::Status::Succeeded(
                    activation::ChildWorkflowStartSucceeded {
                        run_id: self.run_id.clone(),
                    },
                ));
                let mut out = vec![job];
                if self.cancel_requested && matches!(self.cancel_type, CancelType::TryCancel | CancelType::Abandon) {
                    out.extend(self.resolve_cancelled(None));
                }
                (Started, out)
            }
            (s @ (StartEventRecorded | Started), Event::Cancel) => {
                self.cancel_requested = true;
                let out = match self.cancel_type {
                    CancelType::Abandon | CancelType::TryCancel if s == Started => self.resolve_cancelled(None),
                    _ => vec![],
                };
                (s, out)
            }
            (s @ (StartEventRecorded | Started), Event::CancelDelivered) => {
                let out = if self.cancel_type == CancelType::WaitCancellationRequested && s == Started {
                    self.resolve_cancelled(None)
                } else {
                    vec![]
                };
                (s, out)
            }
            (Started, Event::ChildWorkflowExecutionCompleted) => {
                (Completed, e.map(|e| self.outcome(e)).unwrap_or_default())
            }
            (Started, Event::ChildWorkflowExecutionFailed) => (Failed, e.map(|e| self.outcome(e)).unwrap_or_default()),
            (Started, Event::ChildWorkflowExecutionCanceled) => {
                (Canceled, e.map(|e| self.outcome(e)).unwrap_or_default())
            }
            (Started, Event::ChildWorkflowExecutionTimedOut) => {
                (TimedOut, e.map(|e| self.outcome(e)).unwrap_or_default())
            }
            (Started, Event::ChildWorkflowExecutionTerminated) => {
                (Terminated, e.map(|e| self.outcome(e)).unwrap_or_default())
            }
            (
                s @ (CanceledBeforeSent | StartFailed | Completed | Failed | Canceled | TimedOut | Terminated),
                Event::Cancel,
            ) => (s, vec![]),
            (s, ev) => return Err(MachineError::invalid(NAME, &s, ev)),
        };
        taken(NAME, &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    pub(crate) fn cancel(&mut self) -> Result<Vec<Out>, MachineError> {
        self.step(Event::Cancel, None)
    }

    /// The core-originated cancel request for this child reached the child.
    pub(crate) fn cancel_delivered(&mut self) -> Result<Vec<Out>, MachineError> {
        self.step(Event::CancelDelivered, None)
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent, ctx: EventContext) -> Result<Vec<Out>, MachineError> {
        let event = match &e.attributes {
            Some(EventAttrs::StartChildWorkflowExecutionInitiatedEventAttributes(a)) => {
                let ty = a.workflow_type.as_ref().map(|t| t.name.as_str()).unwrap_or("");
                if ctx.id_and_type_checks && (a.workflow_id != self.cmd.workflow_id || ty != self.cmd.workflow_type) {
                    return Err(MachineError::Mismatch(format!(
                        "child workflow (id {}, type {ty}) in history does not match the workflow's child (id {}, type {})",
                        a.workflow_id, self.cmd.workflow_id, self.cmd.workflow_type
                    )));
                }
                self.initiated_event_id = e.event_id;
                Event::StartChildWorkflowExecutionInitiated
            }
            Some(EventAttrs::StartChildWorkflowExecutionFailedEventAttributes(_)) => {
                Event::StartChildWorkflowExecutionFailed
            }
            Some(EventAttrs::ChildWorkflowExecutionStartedEventAttributes(a)) => {
                self.started_event_id = e.event_id;
                self.run_id = a
                    .workflow_execution
                    .as_ref()
                    .map(|x| x.run_id.clone())
                    .unwrap_or_default();
                Event::ChildWorkflowExecutionStarted
            }
            Some(EventAttrs::ChildWorkflowExecutionCompletedEventAttributes(_)) => {
                Event::ChildWorkflowExecutionCompleted
            }
            Some(EventAttrs::ChildWorkflowExecutionFailedEventAttributes(_)) => Event::ChildWorkflowExecutionFailed,
            Some(EventAttrs::ChildWorkflowExecutionCanceledEventAttributes(_)) => Event::ChildWorkflowExecutionCanceled,
            Some(EventAttrs::ChildWorkflowExecutionTimedOutEventAttributes(_)) => Event::ChildWorkflowExecutionTimedOut,
            Some(EventAttrs::ChildWorkflowExecutionTerminatedEventAttributes(_)) => {
                Event::ChildWorkflowExecutionTerminated
            }
            _ => return Err(MachineError::invalid(NAME, &self.state, &event_type(e))),
        };
        self.step(event, Some(e))
    }
}

fn start_child_command(c: &lang::StartChildWorkflowExecution, own_namespace: &str, own_task_queue: &str) -> Command {
    let queue = if c.task_queue.is_empty() {
        own_task_queue.to_string()
    } else {
        c.task_queue.clone()
    };
    let namespace = if c.namespace.is_empty() {
        own_namespace.to_string()
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
                task_queue: Some(task_queue(&queue)),
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
                inherit_build_id: use_workflow_build_id(c.versioning_intent, &c.task_queue, own_task_queue),
                priority: c.priority.clone(),
                versioning_override: None,
            },
        ),
    )
}
