//! Local activity machine. Live, scheduling hands the activity to the local activity manager
//! (it runs through this worker's activity poll and is retried in core); its resolution yields a
//! ResolveActivity job, moves workflow time, and records a `core_local_activity` marker whose
//! `data` detail is JSON LocalActivityMarkerData and whose `result` detail (or failure) holds the
//! outcome. While replaying nothing runs: the result comes from the marker, found ahead of time
//! in the next workflow task (pre-resolution); a placeholder marker command then matches the
//! recorded marker. If a live task starts while still waiting for a marker, the activity runs.
use super::{EventContext, MachineError, MachineOutput as Out, new_command, taken};
use crate::workflow::history::{LOCAL_ACTIVITY_MARKER_NAME, event_type, json_payload};
use crate::workflow::pb::*;
use kactivity::activity_resolution::Status;
use lang::ActivityCancellationType as CancelType;
use serde::{Deserialize, Serialize};

pub(crate) const NAME: &str = "local_activity";

/// JSON body of a local activity marker's `data` detail (field names are a wire fact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub(crate) struct LocalActivityMarkerData {
    pub seq: u32,
    pub attempt: u32,
    pub activity_id: String,
    pub activity_type: String,
    pub complete_time: Option<JsonTime>,
    pub backoff: Option<JsonTime>,
    pub original_schedule_time: Option<JsonTime>,
}

/// A timestamp or duration as `{"seconds": .., "nanos": ..}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub(crate) struct JsonTime {
    #[serde(default)]
    pub seconds: i64,
    #[serde(default)]
    pub nanos: i32,
}

impl From<prost_types::Timestamp> for JsonTime {
    fn from(t: prost_types::Timestamp) -> Self {
        JsonTime {
            seconds: t.seconds,
            nanos: t.nanos,
        }
    }
}
impl From<prost_types::Duration> for JsonTime {
    fn from(t: prost_types::Duration) -> Self {
        JsonTime {
            seconds: t.seconds,
            nanos: t.nanos,
        }
    }
}
impl JsonTime {
    pub(crate) fn timestamp(self) -> prost_types::Timestamp {
        prost_types::Timestamp {
            seconds: self.seconds,
            nanos: self.nanos,
        }
    }
    pub(crate) fn duration(self) -> prost_types::Duration {
        prost_types::Duration {
            seconds: self.seconds,
            nanos: self.nanos,
        }
    }
}

/// A recorded local activity outcome, read from a marker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordedLocalActivity {
    pub data: LocalActivityMarkerData,
    pub result: Option<Payload>,
    pub failure: Option<Failure>,
}

/// A recorded failure means the local activity was cancelled when it, or its direct cause, is
/// a cancellation.
fn is_cancellation(f: &Failure) -> bool {
    let cancelled = |f: &Failure| {
        matches!(
            f.failure_info,
            Some(failure::failure::FailureInfo::CanceledFailureInfo(_))
        )
    };
    cancelled(f) || f.cause.as_deref().is_some_and(cancelled)
}

/// Reads a local activity marker event.
pub(crate) fn local_activity_marker(e: &HistoryEvent) -> Option<RecordedLocalActivity> {
    let Some(EventAttrs::MarkerRecordedEventAttributes(m)) = &e.attributes else {
        return None;
    };
    if m.marker_name != LOCAL_ACTIVITY_MARKER_NAME {
        return None;
    }
    let data = m.details.get("data")?.payloads.first()?;
    let data: LocalActivityMarkerData = serde_json::from_slice(&data.data).ok()?;
    let result = m.details.get("result").and_then(|p| p.payloads.first().cloned());
    Some(RecordedLocalActivity {
        data,
        result,
        failure: m.failure.clone(),
    })
}

/// What the worker must run.
#[derive(Debug, Clone)]
pub(crate) struct LocalActivityRequest {
    pub cmd: lang::ScheduleLocalActivity,
}

/// How a local activity attempt sequence ended, as reported by the manager.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalActivityResolution {
    pub seq: u32,
    pub status: LocalActivityOutcome,
    /// The attempt that produced the outcome.
    pub attempt: u32,
    pub original_schedule_time: Option<prost_types::Timestamp>,
    /// How long the activity ran in total (moves workflow time).
    pub runtime: std::time::Duration,
}

/// The outcome of a local activity.
#[derive(Debug, Clone, PartialEq)]
pub enum LocalActivityOutcome {
    Completed(Option<Payload>),
    Failed(Failure),
    Cancelled(Failure),
    /// Retry after `backoff` through a workflow timer, as attempt `next_attempt`.
    Backoff {
        failure: Failure,
        next_attempt: u32,
        backoff: prost_types::Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Created,
    Executing,
    WaitingMarkerEvent,
    WaitingMarkerEventPreResolved,
    MarkerCommandCreated,
    MarkerRecorded,
    Abandoned,
}

#[derive(Debug)]
pub(crate) enum Event {
    Schedule,
    ScheduleWhileReplaying,
    PreResolve,
    Resolve,
    Cancel,
    LiveTaskStarted,
    MarkerRecorded,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Created", "Schedule", "Executing"),
    ("Created", "ScheduleWhileReplaying", "WaitingMarkerEvent"),
    ("WaitingMarkerEvent", "PreResolve", "WaitingMarkerEventPreResolved"),
    ("WaitingMarkerEvent", "LiveTaskStarted", "Executing"),
    ("WaitingMarkerEvent", "Cancel", "WaitingMarkerEvent"),
    ("WaitingMarkerEventPreResolved", "MarkerRecorded", "MarkerRecorded"),
    (
        "WaitingMarkerEventPreResolved",
        "Cancel",
        "WaitingMarkerEventPreResolved",
    ),
    ("Executing", "Resolve", "MarkerCommandCreated"),
    ("Executing", "Cancel", "Executing"),
    ("Executing", "Cancel", "Abandoned"),
    ("Abandoned", "Resolve", "Abandoned"),
    ("Abandoned", "MarkerRecorded", "MarkerRecorded"),
    ("Abandoned", "Cancel", "Abandoned"),
    ("MarkerCommandCreated", "MarkerRecorded", "MarkerRecorded"),
    ("MarkerCommandCreated", "Cancel", "MarkerCommandCreated"),
    ("MarkerRecorded", "Cancel", "MarkerRecorded"),
];

#[derive(Debug)]
pub(crate) struct LocalActivityMachine {
    state: State,
    cmd: lang::ScheduleLocalActivity,
    cancel_type: CancelType,
    workflow_time: Option<prost_types::Timestamp>,
}

fn add(t: prost_types::Timestamp, d: std::time::Duration) -> prost_types::Timestamp {
    let nanos = t.nanos as i64 + d.subsec_nanos() as i64;
    prost_types::Timestamp {
        seconds: t.seconds + d.as_secs() as i64 + nanos / 1_000_000_000,
        nanos: (nanos % 1_000_000_000) as i32,
    }
}

impl LocalActivityMachine {
    /// Schedules the activity; while replaying it waits for its marker instead (resolved at once
    /// when the look-ahead already found it).
    pub(crate) fn new(
        cmd: lang::ScheduleLocalActivity,
        replaying: bool,
        workflow_time: Option<prost_types::Timestamp>,
        recorded: Option<RecordedLocalActivity>,
    ) -> Result<(Self, Vec<Out>), MachineError> {
        let cancel_type = CancelType::try_from(cmd.cancellation_type).unwrap_or(CancelType::WaitCancellationCompleted);
        let mut m = LocalActivityMachine {
            state: State::Created,
            cmd,
            cancel_type,
            workflow_time,
        };
        let mut out;
        if replaying {
            out = m.step(Event::ScheduleWhileReplaying, None)?;
            if let Some(r) = recorded {
                out.extend(m.pre_resolve(r)?);
            }
        } else {
            out = m.step(Event::Schedule, None)?;
        }
        Ok((m, out))
    }

    /// Still needs an outcome (running, or waiting for its marker).
    pub(crate) fn is_unresolved(&self) -> bool {
        matches!(self.state, State::Executing | State::WaitingMarkerEvent)
    }

    pub(crate) fn is_waiting_for_marker(&self) -> bool {
        self.state == State::WaitingMarkerEvent
    }

    fn job(&self, status: Status) -> Out {
        Out::Job(Job::ResolveActivity(activation::ResolveActivity {
            seq: self.cmd.seq,
            result: Some(kactivity::ActivityResolution { status: Some(status) }),
            is_local: true,
        }))
    }

    fn marker_command(&self, r: &LocalActivityResolution, complete_time: Option<prost_types::Timestamp>) -> Command {
        let (result, failure, backoff) = match &r.status {
            LocalActivityOutcome::Completed(p) => (p.clone(), None, None),
            LocalActivityOutcome::Failed(f) | LocalActivityOutcome::Cancelled(f) => (None, Some(f.clone()), None),
            LocalActivityOutcome::Backoff { failure, backoff, .. } => {
                (None, Some(failure.clone()), Some(JsonTime::from(*backoff)))
            }
        };
        let data = LocalActivityMarkerData {
            seq: self.cmd.seq,
            attempt: r.attempt,
            activity_id: self.cmd.activity_id.clone(),
            activity_type: self.cmd.activity_type.clone(),
            complete_time: complete_time.map(JsonTime::from),
            backoff,
            original_schedule_time: r.original_schedule_time.map(JsonTime::from),
        };
        let mut details: std::collections::HashMap<String, Payloads> = [(
            "data".to_string(),
            Payloads {
                payloads: vec![json_payload(&data)],
            },
        )]
        .into();
        if let Some(p) = result {
            details.insert("result".into(), Payloads { payloads: vec![p] });
        }
        new_command(
            CommandType::RecordMarker,
            CommandAttrs::RecordMarkerCommandAttributes(command::RecordMarkerCommandAttributes {
                marker_name: LOCAL_ACTIVITY_MARKER_NAME.to_string(),
                details,
                header: None,
                failure,
            }),
        )
    }

    fn status_of(outcome: &LocalActivityOutcome) -> Status {
        match outcome {
            LocalActivityOutcome::Completed(p) => Status::Completed(kactivity::ActivitySuccess { result: p.clone() }),
            LocalActivityOutcome::Failed(f) => Status::Failed(kactivity::ActivityFailure {
                failure: Some(f.clone()),
            }),
            LocalActivityOutcome::Cancelled(f) => Status::Cancelled(kactivity::ActivityCancellation {
                failure: Some(f.clone()),
            }),
            LocalActivityOutcome::Backoff {
                next_attempt, backoff, ..
            } => Status::Backoff(kactivity::DoBackoff {
                attempt: *next_attempt,
                backoff_duration: Some(*backoff),
                original_schedule_time: None,
            }),
        }
    }

    /// The resolution the workflow sees. As in the official SDK cores, a cancellation, and a
    /// timeout that happened while running (not one read back from a marker), reach the workflow
    /// wrapped in an activity failure naming this local activity; the marker keeps the bare one.
    fn lang_status(&self, outcome: &LocalActivityOutcome, live: bool) -> Status {
        use failure::failure::FailureInfo;
        let wrap = |message: &str, cause: &Failure| Failure {
            message: message.to_string(),
            cause: Some(Box::new(cause.clone())),
            failure_info: Some(FailureInfo::ActivityFailureInfo(failure::ActivityFailureInfo {
                activity_type: Some(common::ActivityType {
                    name: self.cmd.activity_type.clone(),
                }),
                activity_id: self.cmd.activity_id.clone(),
                retry_state: enums::RetryState::CancelRequested as i32,
                ..Default::default()
            })),
            ..Default::default()
        };
        match outcome {
            LocalActivityOutcome::Cancelled(f)
                if matches!(f.failure_info, Some(FailureInfo::CanceledFailureInfo(_))) =>
            {
                Status::Cancelled(kactivity::ActivityCancellation {
                    failure: Some(wrap("Local Activity cancelled", f)),
                })
            }
            LocalActivityOutcome::Failed(f)
                if live && matches!(f.failure_info, Some(FailureInfo::TimeoutFailureInfo(_))) =>
            {
                Status::Failed(kactivity::ActivityFailure {
                    failure: Some(wrap("Local Activity timed out", f)),
                })
            }
            other => Self::status_of(other),
        }
    }

    fn step(&mut self, event: Event, resolution: Option<&LocalActivityResolution>) -> Result<Vec<Out>, MachineError> {
        use State::*;
        let (next, out) = match (self.state, &event) {
            (Created, Event::Schedule) => (
                Executing,
                vec![Out::QueueLocalActivity(Box::new(LocalActivityRequest {
                    cmd: self.cmd.clone(),
                }))],
            ),
            (Created, Event::ScheduleWhileReplaying) => (WaitingMarkerEvent, vec![]),
            (WaitingMarkerEvent, Event::PreResolve) => {
                let Some(r) = resolution else {
                    return Err(MachineError::invalid(NAME, &self.state, &event));
                };
                let complete = self.workflow_time.map(|t| add(t, r.runtime));
                let mut out = vec![self.job(self.with_schedule_time(self.lang_status(&r.status, false), r))];
                if let Some(t) = complete {
                    out.push(Out::UpdateTime(t));
                }
                out.push(Out::Command(self.marker_command(r, complete)));
                (WaitingMarkerEventPreResolved, out)
            }
            (WaitingMarkerEvent, Event::LiveTaskStarted) => (
                Executing,
                vec![Out::QueueLocalActivity(Box::new(LocalActivityRequest {
                    cmd: self.cmd.clone(),
                }))],
            ),
            (
                s @ (WaitingMarkerEvent
                | WaitingMarkerEventPreResolved
                | MarkerCommandCreated
                | MarkerRecorded
                | Abandoned),
                Event::Cancel,
            ) => (s, vec![]),
            (WaitingMarkerEventPreResolved | MarkerCommandCreated | Abandoned, Event::MarkerRecorded) => {
                (MarkerRecorded, vec![])
            }
            (Executing, Event::Resolve) => {
                let Some(r) = resolution else {
                    return Err(MachineError::invalid(NAME, &self.state, &event));
                };
                let complete = self.workflow_time.map(|t| add(t, r.runtime));
                let mut out = vec![self.job(self.with_schedule_time(self.lang_status(&r.status, true), r))];
                if let Some(t) = complete {
                    out.push(Out::UpdateTime(t));
                }
                out.push(Out::Command(self.marker_command(r, complete)));
                (MarkerCommandCreated, out)
            }
            (Executing, Event::Cancel) => match self.cancel_type {
                CancelType::WaitCancellationCompleted => (Executing, vec![Out::CancelLocalActivity(self.cmd.seq)]),
                _ => {
                    let r = LocalActivityResolution {
                        seq: self.cmd.seq,
                        status: LocalActivityOutcome::Cancelled(super::cancelled_failure("Activity cancelled")),
                        attempt: self.cmd.attempt.max(1),
                        original_schedule_time: self.cmd.original_schedule_time,
                        runtime: std::time::Duration::ZERO,
                    };
                    let out = vec![
                        Out::CancelLocalActivity(self.cmd.seq),
                        self.job(self.lang_status(&r.status, true)),
                        // Without a completion time: a cancel that does not wait moves no clock.
                        Out::Command(self.marker_command(&r, None)),
                    ];
                    (Abandoned, out)
                }
            },
            (Abandoned, Event::Resolve) => (Abandoned, vec![]),
            (s, e) => return Err(MachineError::invalid(NAME, &s, e)),
        };
        taken(NAME, &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    fn with_schedule_time(&self, mut s: Status, r: &LocalActivityResolution) -> Status {
        if let Status::Backoff(b) = &mut s {
            b.original_schedule_time = r.original_schedule_time.or(self.cmd.original_schedule_time);
        }
        s
    }

    /// The manager finished the activity.
    pub(crate) fn resolve(&mut self, r: &LocalActivityResolution) -> Result<Vec<Out>, MachineError> {
        self.step(Event::Resolve, Some(r))
    }

    /// History (seen ahead) recorded this activity's outcome.
    pub(crate) fn pre_resolve(&mut self, rec: RecordedLocalActivity) -> Result<Vec<Out>, MachineError> {
        let status = match (rec.result, rec.failure, rec.data.backoff) {
            (_, Some(f), Some(b)) => LocalActivityOutcome::Backoff {
                failure: f,
                next_attempt: rec.data.attempt + 1,
                backoff: b.duration(),
            },
            (_, Some(f), None) if is_cancellation(&f) => LocalActivityOutcome::Cancelled(f),
            (_, Some(f), None) => LocalActivityOutcome::Failed(f),
            (r, None, _) => LocalActivityOutcome::Completed(r),
        };
        let runtime = match (rec.data.complete_time, self.workflow_time) {
            (Some(c), Some(w)) => {
                let secs = (c.seconds - w.seconds) as f64 + (c.nanos - w.nanos) as f64 / 1e9;
                std::time::Duration::from_secs_f64(secs.max(0.0))
            }
            _ => std::time::Duration::ZERO,
        };
        let r = LocalActivityResolution {
            seq: self.cmd.seq,
            status,
            attempt: rec.data.attempt,
            original_schedule_time: rec.data.original_schedule_time.map(|t| t.timestamp()),
            runtime,
        };
        self.step(Event::PreResolve, Some(&r))
    }

    /// A live (non-replay) workflow task started while this activity still waited for a marker:
    /// the original worker never finished it, so run it now.
    pub(crate) fn live_task_started(&mut self) -> Result<Vec<Out>, MachineError> {
        self.step(Event::LiveTaskStarted, None)
    }

    pub(crate) fn cancel(&mut self) -> Result<Vec<Out>, MachineError> {
        self.step(Event::Cancel, None)
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent, ctx: EventContext) -> Result<Vec<Out>, MachineError> {
        let Some(rec) = local_activity_marker(e) else {
            return Err(MachineError::invalid(NAME, &self.state, &event_type(e)));
        };
        if rec.data.seq != self.cmd.seq {
            return Err(MachineError::Mismatch(format!(
                "local activity marker for seq {} in history does not match the workflow's local activity {}",
                rec.data.seq, self.cmd.seq
            )));
        }
        if ctx.id_and_type_checks
            && (rec.data.activity_id != self.cmd.activity_id || rec.data.activity_type != self.cmd.activity_type)
        {
            return Err(MachineError::Mismatch(format!(
                "local activity (id {}, type {}) in history does not match the workflow's (id {}, type {})",
                rec.data.activity_id, rec.data.activity_type, self.cmd.activity_id, self.cmd.activity_type
            )));
        }
        self.step(Event::MarkerRecorded, None)
    }
}
