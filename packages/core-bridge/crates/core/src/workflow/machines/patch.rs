//! Patch machine (`patched()` / `deprecatePatch()`): `SetPatchMarker` → a `core_patch` marker
//! command whose `patch-data` detail is JSON `{id, deprecated}`, answered by MarkerRecorded.
//! While replaying, a patch command whose marker is absent from history is skipped (the
//! workflow saw `patched() == false` there); the run handles deprecated markers that no command
//! asks for, and the NotifyHasPatch look-ahead.
use super::{EventContext, MachineError, MachineOutput as Out, new_command, taken};
use crate::workflow::history::{
    PATCH_MARKER_DETAILS_KEY, PATCH_MARKER_NAME, PatchMarkerData, event_type, json_payload, patch_marker,
};
use crate::workflow::pb::*;

pub(crate) const NAME: &str = "patch";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Created,
    MarkerCommandCreated,
    MarkerRecorded,
    Skipped,
}

#[derive(Debug)]
pub(crate) enum Event {
    Schedule,
    MarkerRecorded,
    Skip,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Created", "Schedule", "MarkerCommandCreated"),
    ("MarkerCommandCreated", "MarkerRecorded", "MarkerRecorded"),
    ("MarkerCommandCreated", "Skip", "Skipped"),
];

#[derive(Debug)]
pub(crate) struct PatchMachine {
    state: State,
    pub(crate) patch_id: String,
    deprecated: bool,
}

/// The server command that records a patch marker.
pub(crate) fn marker_command(patch_id: &str, deprecated: bool) -> Command {
    let data = PatchMarkerData {
        id: patch_id.to_string(),
        deprecated,
    };
    new_command(
        CommandType::RecordMarker,
        CommandAttrs::RecordMarkerCommandAttributes(command::RecordMarkerCommandAttributes {
            marker_name: PATCH_MARKER_NAME.to_string(),
            details: [(
                PATCH_MARKER_DETAILS_KEY.to_string(),
                Payloads {
                    payloads: vec![json_payload(&data)],
                },
            )]
            .into(),
            header: None,
            failure: None,
        }),
    )
}

impl PatchMachine {
    pub(crate) fn new(cmd: lang::SetPatchMarker) -> Result<(Self, Vec<Out>), MachineError> {
        let mut m = PatchMachine {
            state: State::Created,
            patch_id: cmd.patch_id,
            deprecated: cmd.deprecated,
        };
        let out = m.step(Event::Schedule)?;
        Ok((m, out))
    }

    fn step(&mut self, event: Event) -> Result<Vec<Out>, MachineError> {
        use State::*;
        let (next, out) = match (self.state, &event) {
            (Created, Event::Schedule) => (
                MarkerCommandCreated,
                vec![Out::Command(marker_command(&self.patch_id, self.deprecated))],
            ),
            (MarkerCommandCreated, Event::MarkerRecorded) => (MarkerRecorded, vec![]),
            (MarkerCommandCreated, Event::Skip) => (Skipped, vec![Out::DropUnsentCommands]),
            (s, e) => return Err(MachineError::invalid(NAME, &s, e)),
        };
        taken(NAME, &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    /// While replaying, a patch command can be skipped when `event` is not its marker.
    pub(crate) fn may_skip_for(&self, event: &HistoryEvent, ctx: EventContext) -> bool {
        ctx.replaying
            && self.state == State::MarkerCommandCreated
            && patch_marker(event).is_none_or(|(id, _)| id != self.patch_id)
    }

    pub(crate) fn skip(&mut self) -> Result<Vec<Out>, MachineError> {
        self.step(Event::Skip)
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent) -> Result<Vec<Out>, MachineError> {
        match patch_marker(e) {
            Some((id, _)) if id == self.patch_id => self.step(Event::MarkerRecorded),
            Some((id, _)) => Err(MachineError::Mismatch(format!(
                "patch marker {id} in history does not match the workflow's patch {}",
                self.patch_id
            ))),
            None => Err(MachineError::invalid(NAME, &self.state, &event_type(e))),
        }
    }
}
