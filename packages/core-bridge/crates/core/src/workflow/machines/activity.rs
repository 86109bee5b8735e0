//! Activity machine: `ScheduleActivityTask` → Scheduled → Started → Completed | Failed | TimedOut,
//! plus cancellation with the three cancellation types (TRY_CANCEL resolves at once and asks the
//! server, WAIT_CANCELLATION_COMPLETED asks the server and waits for the outcome, ABANDON resolves
//! at once and tells nobody). Cancelling before the command was sent drops it.
use super::{EventContext, MachineError, MachineOutput as Out, header, new_command, payloads, taken};
use crate::workflow::history::event_type;
use crate::workflow::pb::*;
use lang::ActivityCancellationType as CancelType;

pub(crate) const NAME: &str = "activity";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Created,
    ScheduleCommandCreated,
    ScheduledEventRecorded,
    Started,
    ScheduledCancelCommandCreated,
    ScheduledCancelEventRecorded,
    StartedCancelCommandCreated,
    StartedCancelEventRecorded,
    Completed,
    Failed,
    TimedOut,
    Canceled,
    CanceledBeforeSent,
    Abandoned,
}

#[derive(Debug)]
pub(crate) enum Event {
    Schedule,
    ActivityTaskScheduled,
    ActivityTaskStarted,
    ActivityTaskCompleted,
    ActivityTaskFailed,
    ActivityTaskTimedOut,
    ActivityTaskCancelRequested,
    ActivityTaskCanceled,
    Cancel,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Created", "Schedule", "ScheduleCommandCreated"),
    (
        "ScheduleCommandCreated",
        "ActivityTaskScheduled",
        "ScheduledEventRecorded",
    ),
    ("ScheduleCommandCreated", "Cancel", "CanceledBeforeSent"),
    ("ScheduledEventRecorded", "ActivityTaskStarted", "Started"),
    ("ScheduledEventRecorded", "ActivityTaskTimedOut", "TimedOut"),
    ("ScheduledEventRecorded", "Cancel", "ScheduledCancelCommandCreated"),
    ("ScheduledEventRecorded", "Cancel", "Abandoned"),
    ("Started", "ActivityTaskCompleted", "Completed"),
    ("Started", "ActivityTaskFailed", "Failed"),
    ("Started", "ActivityTaskTimedOut", "TimedOut"),
    ("Started", "Cancel", "StartedCancelCommandCreated"),
    ("Started", "Cancel", "Abandoned"),
    (
        "ScheduledCancelCommandCreated",
        "ActivityTaskCancelRequested",
        "ScheduledCancelEventRecorded",
    ),
    (
        "ScheduledCancelCommandCreated",
        "Cancel",
        "ScheduledCancelCommandCreated",
    ),
    (
        "ScheduledCancelEventRecorded",
        "ActivityTaskStarted",
        "StartedCancelEventRecorded",
    ),
    ("ScheduledCancelEventRecorded", "ActivityTaskCanceled", "Canceled"),
    ("ScheduledCancelEventRecorded", "ActivityTaskTimedOut", "TimedOut"),
    (
        "StartedCancelCommandCreated",
        "ActivityTaskCancelRequested",
        "StartedCancelEventRecorded",
    ),
    ("StartedCancelCommandCreated", "Cancel", "StartedCancelCommandCreated"),
    ("StartedCancelEventRecorded", "ActivityTaskCanceled", "Canceled"),
    ("StartedCancelEventRecorded", "ActivityTaskCompleted", "Completed"),
    ("StartedCancelEventRecorded", "ActivityTaskFailed", "Failed"),
    ("StartedCancelEventRecorded", "ActivityTaskTimedOut", "TimedOut"),
    ("Abandoned", "ActivityTaskStarted", "Abandoned"),
    ("Abandoned", "ActivityTaskCompleted", "Abandoned"),
    ("Abandoned", "ActivityTaskFailed", "Abandoned"),
    ("Abandoned", "ActivityTaskTimedOut", "Abandoned"),
    ("Abandoned", "ActivityTaskCanceled", "Abandoned"),
    ("Abandoned", "Cancel", "Abandoned"),
    ("Completed", "Cancel", "Completed"),
    ("Failed", "Cancel", "Failed"),
    ("TimedOut", "Cancel", "TimedOut"),
    ("Canceled", "Cancel", "Canceled"),
    ("CanceledBeforeSent", "Cancel", "CanceledBeforeSent"),
];

#[derive(Debug)]
pub(crate) struct ActivityMachine {
    state: State,
    cmd: lang::ScheduleActivity,
    cancel_type: CancelType,
    scheduled_event_id: i64,
    started_event_id: i64,
    identity: String,
}

impl ActivityMachine {
    /// `own_task_queue` fills in an empty task queue and decides the default versioning intent.
    pub(crate) fn new(
        cmd: lang::ScheduleActivity,
        own_task_queue: &str,
        metadata: Option<crate::protos::temporal::api::sdk::v1::UserMetadata>,
    ) -> Result<(Self, Vec<Out>), MachineError> {
        let cancel_type = CancelType::try_from(cmd.cancellation_type).unwrap_or(CancelType::TryCancel);
        let mut m = ActivityMachine {
            state: State::Created,
            cmd,
            cancel_type,
            scheduled_event_id: 0,
            started_event_id: 0,
            identity: String::new(),
        };
        let mut out = m.step(Event::Schedule, None)?;
        if let Some(Out::Command(c)) = out.first_mut() {
            c.user_metadata = metadata;
            if let Some(CommandAttrs::ScheduleActivityTaskCommandAttributes(a)) = &mut c.attributes {
                let tq = a.task_queue.as_ref().map(|t| t.name.as_str()).unwrap_or("");
                a.use_workflow_build_id = use_workflow_build_id(m.cmd.versioning_intent, tq, own_task_queue);
                if tq.is_empty() {
                    a.task_queue = Some(task_queue(own_task_queue));
                }
            }
        }
        Ok((m, out))
    }

    fn schedule_command(&self) -> Command {
        let c = &self.cmd;
        new_command(
            CommandType::ScheduleActivityTask,
            CommandAttrs::ScheduleActivityTaskCommandAttributes(command::ScheduleActivityTaskCommandAttributes {
                activity_id: c.activity_id.clone(),
                activity_type: Some(common::ActivityType {
                    name: c.activity_type.clone(),
                }),
                task_queue: Some(task_queue(&c.task_queue)),
                header: header(c.headers.clone()),
                input: payloads(c.arguments.clone()),
                schedule_to_close_timeout: c.schedule_to_close_timeout,
                schedule_to_start_timeout: c.schedule_to_start_timeout,
                start_to_close_timeout: c.start_to_close_timeout,
                heartbeat_timeout: c.heartbeat_timeout,
                retry_policy: c.retry_policy.clone(),
                // A candidate only: the worker keeps it when it can reserve a slot for the task.
                request_eager_execution: !c.do_not_eagerly_execute,
                use_workflow_build_id: false,
                priority: c.priority.clone(),
            }),
        )
    }

    fn request_cancel_command(&self) -> Command {
        new_command(
            CommandType::RequestCancelActivityTask,
            CommandAttrs::RequestCancelActivityTaskCommandAttributes(
                command::RequestCancelActivityTaskCommandAttributes {
                    scheduled_event_id: self.scheduled_event_id,
                },
            ),
        )
    }

    fn activity_failure(&self, message: &str, cause: Option<Failure>, retry_state: i32) -> Failure {
        Failure {
            message: message.to_string(),
            cause: cause.map(Box::new),
            failure_info: Some(failure::failure::FailureInfo::ActivityFailureInfo(
                failure::ActivityFailureInfo {
                    scheduled_event_id: self.scheduled_event_id,
                    started_event_id: self.started_event_id,
                    identity: self.identity.clone(),
                    activity_type: Some(common::ActivityType {
                        name: self.cmd.activity_type.clone(),
                    }),
                    activity_id: self.cmd.activity_id.clone(),
                    retry_state,
                },
            )),
            ..Default::default()
        }
    }

    fn resolve(&self, status: kactivity::activity_resolution::Status) -> Out {
        Out::Job(Job::ResolveActivity(activation::ResolveActivity {
            seq: self.cmd.seq,
            result: Some(kactivity::ActivityResolution { status: Some(status) }),
            is_local: false,
        }))
    }

    fn resolve_cancelled(&self, details: Option<Payloads>) -> Out {
        let cause = Failure {
            message: "Activity cancelled".into(),
            failure_info: Some(failure::failure::FailureInfo::CanceledFailureInfo(
                failure::CanceledFailureInfo {
                    details,
                    identity: String::new(),
                },
            )),
            ..Default::default()
        };
        let f = self.activity_failure(
            "Activity cancelled",
            Some(cause),
            enums::RetryState::CancelRequested as i32,
        );
        self.resolve(kactivity::activity_resolution::Status::Cancelled(
            kactivity::ActivityCancellation { failure: Some(f) },
        ))
    }

    fn outcome_job(&self, e: &HistoryEvent) -> Option<Out> {
        use kactivity::activity_resolution::Status;
        match &e.attributes {
            Some(EventAttrs::ActivityTaskCompletedEventAttributes(a)) => {
                Some(self.resolve(Status::Completed(kactivity::ActivitySuccess {
                    result: super::first_payload(a.result.clone()),
                })))
            }
            Some(EventAttrs::ActivityTaskFailedEventAttributes(a)) => {
                Some(self.resolve(Status::Failed(kactivity::ActivityFailure {
                    failure: Some(self.activity_failure("Activity task failed", a.failure.clone(), a.retry_state)),
                })))
            }
            Some(EventAttrs::ActivityTaskTimedOutEventAttributes(a)) => {
                Some(self.resolve(Status::Failed(kactivity::ActivityFailure {
                    failure: Some(self.activity_failure("Activity task timed out", a.failure.clone(), a.retry_state)),
                })))
            }
            Some(EventAttrs::ActivityTaskCanceledEventAttributes(a)) => Some(self.resolve_cancelled(a.details.clone())),
            _ => None,
        }
    }

    fn step(&mut self, event: Event, e: Option<&HistoryEvent>) -> Result<Vec<Out>, MachineError> {
        use State::*;
        let waits = self.cancel_type == CancelType::WaitCancellationCompleted;
        let outcome = |m: &Self| e.and_then(|e| m.outcome_job(e)).into_iter().collect::<Vec<_>>();
        let (next, out) = match (self.state, &event) {
            (Created, Event::Schedule) => (ScheduleCommandCreated, vec![Out::Command(self.schedule_command())]),
            (ScheduleCommandCreated, Event::ActivityTaskScheduled) => (ScheduledEventRecorded, vec![]),
            (ScheduleCommandCreated, Event::Cancel) => (
                CanceledBeforeSent,
                vec![Out::DropUnsentCommands, self.resolve_cancelled(None)],
            ),
            (ScheduledEventRecorded, Event::ActivityTaskStarted) => (Started, vec![]),
            (ScheduledEventRecorded, Event::ActivityTaskTimedOut) => (TimedOut, outcome(self)),
            (s @ (ScheduledEventRecorded | Started), Event::Cancel) => match self.cancel_type {
                CancelType::Abandon => (Abandoned, vec![self.resolve_cancelled(None)]),
                _ => {
                    let next = if s == Started {
                        StartedCancelCommandCreated
                    } else {
                        ScheduledCancelCommandCreated
                    };
                    let mut out = vec![Out::Command(self.request_cancel_command())];
                    if !waits {
                        out.push(self.resolve_cancelled(None));
                    }
                    (next, out)
                }
            },
            (Started, Event::ActivityTaskCompleted) => (Completed, outcome(self)),
            (Started, Event::ActivityTaskFailed) => (Failed, outcome(self)),
            (Started, Event::ActivityTaskTimedOut) => (TimedOut, outcome(self)),
            (ScheduledCancelCommandCreated, Event::ActivityTaskCancelRequested) => {
                (ScheduledCancelEventRecorded, vec![])
            }
            (ScheduledCancelCommandCreated, Event::Cancel) => (ScheduledCancelCommandCreated, vec![]),
            (ScheduledCancelEventRecorded, Event::ActivityTaskStarted) => (StartedCancelEventRecorded, vec![]),
            (ScheduledCancelEventRecorded, Event::ActivityTaskCanceled) => {
                (Canceled, if waits { outcome(self) } else { vec![] })
            }
            (ScheduledCancelEventRecorded, Event::ActivityTaskTimedOut) => {
                (TimedOut, if waits { outcome(self) } else { vec![] })
            }
            (StartedCancelCommandCreated, Event::ActivityTaskCancelRequested) => (StartedCancelEventRecorded, vec![]),
            (StartedCancelCommandCreated, Event::Cancel) => (StartedCancelCommandCreated, vec![]),
            (StartedCancelEventRecorded, Event::ActivityTaskCanceled) => {
                (Canceled, if waits { outcome(self) } else { vec![] })
            }
            (StartedCancelEventRecorded, Event::ActivityTaskCompleted) => {
                (Completed, if waits { outcome(self) } else { vec![] })
            }
            (StartedCancelEventRecorded, Event::ActivityTaskFailed) => {
                (Failed, if waits { outcome(self) } else { vec![] })
            }
            (StartedCancelEventRecorded, Event::ActivityTaskTimedOut) => {
                (TimedOut, if waits { outcome(self) } else { vec![] })
            }
            (
                Abandoned,
                Event::ActivityTaskStarted
                | Event::ActivityTaskCompleted
                | Event::ActivityTaskFailed
                | Event::ActivityTaskTimedOut
                | Event::ActivityTaskCanceled
                | Event::Cancel,
            ) => (Abandoned, vec![]),
            (s @ (Completed | Failed | TimedOut | Canceled | CanceledBeforeSent), Event::Cancel) => (s, vec![]),
            (s, ev) => return Err(MachineError::invalid(NAME, &s, ev)),
        };
        taken(NAME, &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    pub(crate) fn cancel(&mut self) -> Result<Vec<Out>, MachineError> {
        self.step(Event::Cancel, None)
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent, ctx: EventContext) -> Result<Vec<Out>, MachineError> {
        let event = match &e.attributes {
            Some(EventAttrs::ActivityTaskScheduledEventAttributes(a)) => {
                if ctx.id_and_type_checks {
                    let ty = a.activity_type.as_ref().map(|t| t.name.as_str()).unwrap_or("");
                    if a.activity_id != self.cmd.activity_id || ty != self.cmd.activity_type {
                        return Err(MachineError::Mismatch(format!(
                            "activity (id {}, type {}) in history does not match the workflow's activity (id {}, type {})",
                            a.activity_id, ty, self.cmd.activity_id, self.cmd.activity_type
                        )));
                    }
                }
                self.scheduled_event_id = e.event_id;
                Event::ActivityTaskScheduled
            }
            Some(EventAttrs::ActivityTaskStartedEventAttributes(a)) => {
                self.started_event_id = e.event_id;
                self.identity = a.identity.clone();
                Event::ActivityTaskStarted
            }
            Some(EventAttrs::ActivityTaskCompletedEventAttributes(_)) => Event::ActivityTaskCompleted,
            Some(EventAttrs::ActivityTaskFailedEventAttributes(_)) => Event::ActivityTaskFailed,
            Some(EventAttrs::ActivityTaskTimedOutEventAttributes(_)) => Event::ActivityTaskTimedOut,
            Some(EventAttrs::ActivityTaskCancelRequestedEventAttributes(_)) => Event::ActivityTaskCancelRequested,
            Some(EventAttrs::ActivityTaskCanceledEventAttributes(_)) => Event::ActivityTaskCanceled,
            _ => return Err(MachineError::invalid(NAME, &self.state, &event_type(e))),
        };
        self.step(event, Some(e))
    }
}

pub(crate) fn task_queue(name: &str) -> crate::protos::temporal::api::taskqueue::v1::TaskQueue {
    crate::protos::temporal::api::taskqueue::v1::TaskQueue {
        name: name.to_string(),
        kind: enums::TaskQueueKind::Normal as i32,
        normal_name: String::new(),
    }
}

/// Whether a command should stay on the workflow's build id, from its versioning intent.
pub(crate) fn use_workflow_build_id(intent: i32, target_queue: &str, own_queue: &str) -> bool {
    match kcommon::VersioningIntent::try_from(intent).unwrap_or(kcommon::VersioningIntent::Unspecified) {
        kcommon::VersioningIntent::Compatible => true,
        kcommon::VersioningIntent::Default => false,
        kcommon::VersioningIntent::Unspecified => target_queue.is_empty() || target_queue == own_queue,
    }
}
