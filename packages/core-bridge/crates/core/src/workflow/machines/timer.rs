//! Timer machine: `StartTimer` → TimerStarted → TimerFired (job FireTimer), or a cancel, which
//! drops the command if it was never sent and otherwise issues `CancelTimer`. The server timer id
//! is the seq as a decimal string, as in the official SDKs.
use super::{MachineError, MachineOutput as Out, new_command, taken};
use crate::workflow::pb::*;

pub(crate) const NAME: &str = "timer";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Created,
    StartCommandCreated,
    StartCommandRecorded,
    CancelCommandCreated,
    Fired,
    Canceled,
    CanceledBeforeSent,
}

#[derive(Debug)]
pub(crate) enum Event {
    Schedule,
    TimerStarted,
    TimerFired,
    Cancel,
    TimerCanceled,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Created", "Schedule", "StartCommandCreated"),
    ("StartCommandCreated", "TimerStarted", "StartCommandRecorded"),
    ("StartCommandCreated", "Cancel", "CanceledBeforeSent"),
    ("StartCommandRecorded", "TimerFired", "Fired"),
    ("StartCommandRecorded", "Cancel", "CancelCommandCreated"),
    ("CancelCommandCreated", "Cancel", "CancelCommandCreated"),
    ("CancelCommandCreated", "TimerCanceled", "Canceled"),
    ("Fired", "Cancel", "Fired"),
    ("Canceled", "Cancel", "Canceled"),
    ("CanceledBeforeSent", "Cancel", "CanceledBeforeSent"),
];

#[derive(Debug)]
pub(crate) struct TimerMachine {
    state: State,
    seq: u32,
    start_to_fire_timeout: Option<prost_types::Duration>,
}

impl TimerMachine {
    pub(crate) fn new(cmd: lang::StartTimer) -> Result<(Self, Vec<Out>), MachineError> {
        let mut m = TimerMachine {
            state: State::Created,
            seq: cmd.seq,
            start_to_fire_timeout: cmd.start_to_fire_timeout,
        };
        let out = m.step(Event::Schedule)?;
        Ok((m, out))
    }

    fn timer_id(&self) -> String {
        self.seq.to_string()
    }

    fn step(&mut self, event: Event) -> Result<Vec<Out>, MachineError> {
        use State::*;
        let (next, out) = match (self.state, &event) {
            (Created, Event::Schedule) => (
                StartCommandCreated,
                vec![Out::Command(new_command(
                    CommandType::StartTimer,
                    CommandAttrs::StartTimerCommandAttributes(command::StartTimerCommandAttributes {
                        timer_id: self.timer_id(),
                        start_to_fire_timeout: self.start_to_fire_timeout,
                    }),
                ))],
            ),
            (StartCommandCreated, Event::TimerStarted) => (StartCommandRecorded, vec![]),
            (StartCommandCreated, Event::Cancel) => (CanceledBeforeSent, vec![Out::DropUnsentCommands]),
            (StartCommandRecorded, Event::TimerFired) => (
                Fired,
                vec![Out::Job(Job::FireTimer(activation::FireTimer { seq: self.seq }))],
            ),
            (StartCommandRecorded, Event::Cancel) => (
                CancelCommandCreated,
                vec![Out::Command(new_command(
                    CommandType::CancelTimer,
                    CommandAttrs::CancelTimerCommandAttributes(command::CancelTimerCommandAttributes {
                        timer_id: self.timer_id(),
                    }),
                ))],
            ),
            (CancelCommandCreated, Event::Cancel) => (CancelCommandCreated, vec![]),
            (CancelCommandCreated, Event::TimerCanceled) => (Canceled, vec![]),
            (s @ (Fired | Canceled | CanceledBeforeSent), Event::Cancel) => (s, vec![]),
            (s, e) => return Err(MachineError::invalid(NAME, &s, e)),
        };
        taken(NAME, &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    /// The workflow cancelled the timer.
    pub(crate) fn cancel(&mut self) -> Result<Vec<Out>, MachineError> {
        self.step(Event::Cancel)
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent) -> Result<Vec<Out>, MachineError> {
        let (event, timer_id) = match &e.attributes {
            Some(EventAttrs::TimerStartedEventAttributes(a)) => (Event::TimerStarted, &a.timer_id),
            Some(EventAttrs::TimerFiredEventAttributes(a)) => (Event::TimerFired, &a.timer_id),
            Some(EventAttrs::TimerCanceledEventAttributes(a)) => (Event::TimerCanceled, &a.timer_id),
            _ => {
                return Err(MachineError::invalid(
                    NAME,
                    &self.state,
                    &crate::workflow::history::event_type(e),
                ));
            }
        };
        if *timer_id != self.timer_id() {
            return Err(MachineError::Mismatch(format!(
                "timer id {timer_id} in history does not match the workflow's timer {}",
                self.seq
            )));
        }
        self.step(event)
    }
}
