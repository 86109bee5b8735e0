//! Facts about history events: which ones answer a command, which event a follow-up belongs to,
//! and where one logical workflow task (the unit of one activation) ends.
use super::pb::*;

/// Marker name of `patched()` markers, shared with the official SDKs.
pub const PATCH_MARKER_NAME: &str = "core_patch";
/// Details key holding the JSON patch data in a patch marker.
pub const PATCH_MARKER_DETAILS_KEY: &str = "patch-data";
/// Marker name of local activity result markers, shared with the official SDKs.
pub const LOCAL_ACTIVITY_MARKER_NAME: &str = "core_local_activity";
/// Search attribute that lists the patches a run has seen.
pub const CHANGE_VERSION_SEARCH_ATTRIBUTE: &str = "TemporalChangeVersion";

pub(crate) fn event_type(e: &HistoryEvent) -> EventType {
    EventType::try_from(e.event_type).unwrap_or(EventType::Unspecified)
}

/// True for events the server records because the workflow issued a command (the events that
/// FIFO command matching pairs with the workflow's commands), grouped by the machine that issues
/// the command.
pub(crate) fn is_command_event(e: &HistoryEvent) -> bool {
    use EventType as E;
    match event_type(e) {
        // Timers.
        E::TimerStarted | E::TimerCanceled => true,
        // Activities.
        E::ActivityTaskScheduled | E::ActivityTaskCancelRequested => true,
        // Child workflows, and signals and cancels sent to other workflows.
        E::StartChildWorkflowExecutionInitiated
        | E::SignalExternalWorkflowExecutionInitiated
        | E::RequestCancelExternalWorkflowExecutionInitiated => true,
        // Nexus operations.
        E::NexusOperationScheduled | E::NexusOperationCancelRequested => true,
        // Markers (patches and local activities), search attributes and workflow properties.
        E::MarkerRecorded | E::UpsertWorkflowSearchAttributes | E::WorkflowPropertiesModified => true,
        // Update responses (protocol message commands).
        E::WorkflowExecutionUpdateAccepted
        | E::WorkflowExecutionUpdateRejected
        | E::WorkflowExecutionUpdateCompleted => true,
        // Ending the run.
        E::WorkflowExecutionCompleted
        | E::WorkflowExecutionFailed
        | E::WorkflowExecutionCanceled
        | E::WorkflowExecutionContinuedAsNew => true,
        _ => false,
    }
}

/// True for events after which nothing more can happen in the run.
pub(crate) fn is_final_event(e: &HistoryEvent) -> bool {
    matches!(
        event_type(e),
        EventType::WorkflowExecutionCompleted
            | EventType::WorkflowExecutionFailed
            | EventType::WorkflowExecutionTimedOut
            | EventType::WorkflowExecutionCanceled
            | EventType::WorkflowExecutionTerminated
            | EventType::WorkflowExecutionContinuedAsNew
    )
}

/// For an event that follows up on a command (a timer firing, an activity completing), the id of
/// the event that recorded the command.
pub(crate) fn initiating_event_id(e: &HistoryEvent) -> Option<i64> {
    use EventAttrs as A;
    Some(match e.attributes.as_ref()? {
        A::TimerFiredEventAttributes(a) => a.started_event_id,
        A::ActivityTaskStartedEventAttributes(a) => a.scheduled_event_id,
        A::ActivityTaskCompletedEventAttributes(a) => a.scheduled_event_id,
        A::ActivityTaskFailedEventAttributes(a) => a.scheduled_event_id,
        A::ActivityTaskTimedOutEventAttributes(a) => a.scheduled_event_id,
        A::ActivityTaskCanceledEventAttributes(a) => a.scheduled_event_id,
        A::ChildWorkflowExecutionStartedEventAttributes(a) => a.initiated_event_id,
        A::StartChildWorkflowExecutionFailedEventAttributes(a) => a.initiated_event_id,
        A::ChildWorkflowExecutionCompletedEventAttributes(a) => a.initiated_event_id,
        A::ChildWorkflowExecutionFailedEventAttributes(a) => a.initiated_event_id,
        A::ChildWorkflowExecutionCanceledEventAttributes(a) => a.initiated_event_id,
        A::ChildWorkflowExecutionTimedOutEventAttributes(a) => a.initiated_event_id,
        A::ChildWorkflowExecutionTerminatedEventAttributes(a) => a.initiated_event_id,
        A::ExternalWorkflowExecutionSignaledEventAttributes(a) => a.initiated_event_id,
        A::SignalExternalWorkflowExecutionFailedEventAttributes(a) => a.initiated_event_id,
        A::ExternalWorkflowExecutionCancelRequestedEventAttributes(a) => a.initiated_event_id,
        A::RequestCancelExternalWorkflowExecutionFailedEventAttributes(a) => a.initiated_event_id,
        A::NexusOperationStartedEventAttributes(a) => a.scheduled_event_id,
        A::NexusOperationCompletedEventAttributes(a) => a.scheduled_event_id,
        A::NexusOperationFailedEventAttributes(a) => a.scheduled_event_id,
        A::NexusOperationCanceledEventAttributes(a) => a.scheduled_event_id,
        A::NexusOperationTimedOutEventAttributes(a) => a.scheduled_event_id,
        A::NexusOperationCancelRequestCompletedEventAttributes(a) => a.scheduled_event_id,
        A::NexusOperationCancelRequestFailedEventAttributes(a) => a.scheduled_event_id,
        _ => return None,
    })
}

/// If the event is a patch marker, its patch id and deprecated flag. Reads the JSON form
/// (`patch-data`) and the older form written by earlier SDK cores: a `patch_id` detail holding
/// the id as raw UTF-8 and a `deprecated` detail whose first byte is non-zero when deprecated
/// (both details required, as the official SDKs read it).
pub(crate) fn patch_marker(e: &HistoryEvent) -> Option<(String, bool)> {
    let Some(EventAttrs::MarkerRecordedEventAttributes(m)) = &e.attributes else {
        return None;
    };
    if m.marker_name != PATCH_MARKER_NAME {
        return None;
    }
    if let Some(p) = m.details.get(PATCH_MARKER_DETAILS_KEY).and_then(|p| p.payloads.first()) {
        let data: PatchMarkerData = serde_json::from_slice(&p.data).ok()?;
        return Some((data.id, data.deprecated));
    }
    let id = std::str::from_utf8(&m.details.get("patch_id")?.payloads.first()?.data)
        .ok()?
        .to_string();
    let deprecated = *m.details.get("deprecated")?.payloads.first()?.data.first()? != 0;
    Some((id, deprecated))
}

/// JSON body of a patch marker's `patch-data` detail.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub(crate) struct PatchMarkerData {
    pub id: String,
    pub deprecated: bool,
}

/// A `json/plain` payload holding `value`.
pub(crate) fn json_payload<T: serde::Serialize>(value: &T) -> Payload {
    Payload {
        metadata: [("encoding".to_string(), b"json/plain".to_vec())].into(),
        data: serde_json::to_vec(value).unwrap_or_default(),
        external_payloads: vec![],
    }
}

/// Where the next logical workflow task ends within `events` (an index, inclusive), following
/// the rules that decide which events one activation covers:
/// - a terminal workflow event always ends it;
/// - a WFT-started event ends it, unless that attempt failed or timed out (its events merge into
///   the next one), or it was a WFT heartbeat (completed and immediately rescheduled with no
///   command events seen yet), or an update accepted right after its completion belongs to an
///   earlier task.
///
/// Returns `None` when `events` holds no complete task yet.
pub(crate) fn next_task_end(events: &[HistoryEvent]) -> Option<usize> {
    let mut saw_command = false;
    let mut saw_command_or_started = false;
    let mut started_indexes: Vec<(i64, usize)> = vec![];
    for (ix, e) in events.iter().enumerate() {
        let et = event_type(e);
        if is_command_event(e) {
            saw_command = true;
            saw_command_or_started = true;
        }
        if et == EventType::WorkflowExecutionStarted {
            saw_command_or_started = true;
        }
        if is_final_event(e) {
            return Some(ix);
        }
        if et != EventType::WorkflowTaskStarted {
            continue;
        }
        started_indexes.push((e.event_id, ix));
        let Some(next) = events.get(ix + 1) else {
            return Some(ix);
        };
        match event_type(next) {
            EventType::WorkflowTaskFailed
            | EventType::WorkflowTaskTimedOut
            | EventType::WorkflowExecutionTimedOut
            | EventType::WorkflowExecutionTerminated
            | EventType::WorkflowExecutionCanceled => {
                started_indexes.pop();
                continue;
            }
            EventType::WorkflowTaskCompleted => {
                let Some(after) = events.get(ix + 2) else {
                    return Some(ix);
                };
                if !saw_command && event_type(after) == EventType::WorkflowTaskScheduled {
                    continue;
                }
                if let Some(EventAttrs::WorkflowExecutionUpdateAcceptedEventAttributes(a)) = &after.attributes
                    && let Some((_, back_ix)) = started_indexes
                        .iter()
                        .rev()
                        .find(|(id, _)| *id < a.accepted_request_sequencing_event_id)
                {
                    return Some(*back_ix);
                }
                return Some(ix);
            }
            _ => {}
        }
        if saw_command_or_started {
            return Some(ix);
        }
    }
    None
}

/// Where the next logical workflow task ends, counting only ends that events still to come cannot
/// move. With `complete` false (more history pages are on the server), an end is settled only when
/// it is a terminal event or the two events after it (all that the boundary rules look at) are
/// already here.
pub(crate) fn settled_task_end(events: &[HistoryEvent], complete: bool) -> Option<usize> {
    let end = next_task_end(events)?;
    let settled = complete || is_final_event(&events[end]) || end + 2 < events.len();
    settled.then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_help::HistoryBuilder;

    #[test]
    fn only_events_recorded_for_workflow_commands_are_command_events() {
        let of = |et: EventType| HistoryEvent {
            event_type: et as i32,
            ..Default::default()
        };
        for et in [
            EventType::TimerStarted,
            EventType::TimerCanceled,
            EventType::ActivityTaskScheduled,
            EventType::ActivityTaskCancelRequested,
            EventType::StartChildWorkflowExecutionInitiated,
            EventType::SignalExternalWorkflowExecutionInitiated,
            EventType::RequestCancelExternalWorkflowExecutionInitiated,
            EventType::NexusOperationScheduled,
            EventType::NexusOperationCancelRequested,
            EventType::MarkerRecorded,
            EventType::UpsertWorkflowSearchAttributes,
            EventType::WorkflowPropertiesModified,
            EventType::WorkflowExecutionUpdateAccepted,
            EventType::WorkflowExecutionUpdateRejected,
            EventType::WorkflowExecutionUpdateCompleted,
            EventType::WorkflowExecutionCompleted,
            EventType::WorkflowExecutionFailed,
            EventType::WorkflowExecutionCanceled,
            EventType::WorkflowExecutionContinuedAsNew,
        ] {
            assert!(is_command_event(&of(et)), "{et:?}");
        }
        for et in [
            EventType::Unspecified,
            EventType::WorkflowExecutionStarted,
            EventType::WorkflowTaskScheduled,
            EventType::WorkflowTaskStarted,
            EventType::WorkflowTaskCompleted,
            EventType::WorkflowTaskFailed,
            EventType::TimerFired,
            EventType::ActivityTaskStarted,
            EventType::ActivityTaskCompleted,
            EventType::ActivityTaskCanceled,
            EventType::ChildWorkflowExecutionStarted,
            EventType::ExternalWorkflowExecutionSignaled,
            EventType::NexusOperationCompleted,
            EventType::WorkflowExecutionSignaled,
            EventType::WorkflowExecutionCancelRequested,
            EventType::WorkflowExecutionUpdateAdmitted,
            EventType::WorkflowExecutionTerminated,
            EventType::WorkflowExecutionTimedOut,
            EventType::WorkflowPropertiesModifiedExternally,
        ] {
            assert!(!is_command_event(&of(et)), "{et:?}");
        }
    }

    #[test]
    fn single_timer_history_splits_into_two_tasks() {
        let mut h = HistoryBuilder::new("wf");
        h.add_workflow_execution_started();
        h.add_full_wft();
        let started = h.add_timer_started(1);
        h.add_timer_fired(started, 1);
        h.add_full_wft();
        h.add_workflow_execution_completed();
        let events = h.events();
        let first = next_task_end(&events).expect("first task");
        assert_eq!(events[first].event_id, 3);
        let second = next_task_end(&events[first + 1..]).expect("second task");
        assert_eq!(events[first + 1 + second].event_id, 8);
    }

    #[test]
    fn with_pages_still_to_come_only_settled_task_ends_count() {
        let mut h = HistoryBuilder::new("wf");
        h.add_workflow_execution_started();
        h.add_wft_scheduled();
        h.add_wft_started();
        h.add_wft_failed();
        h.add_full_wft();
        let events = h.events();
        // Ends after the first attempt's started event: what follows could merge it.
        assert_eq!(next_task_end(&events[..3]), Some(2));
        assert_eq!(settled_task_end(&events[..3], false), None);
        assert_eq!(settled_task_end(&events[..3], true), Some(2), "nothing more will come");
        assert_eq!(
            settled_task_end(&events[..4], false),
            None,
            "one event after the end is not enough"
        );
        assert_eq!(
            settled_task_end(&events[..6], false),
            None,
            "the second attempt's started event is last"
        );
        assert_eq!(
            settled_task_end(&events, false),
            None,
            "only the completed event follows"
        );
        let mut ended = HistoryBuilder::new("wf");
        ended.add_workflow_execution_started();
        ended.add_workflow_execution_completed();
        assert_eq!(
            settled_task_end(&ended.events(), false),
            Some(1),
            "a terminal event ends the task for good"
        );
        h.add_timer_started(1);
        let events = h.events();
        assert_eq!(
            settled_task_end(&events, false),
            Some(5),
            "two events after the end settle it"
        );
    }

    #[test]
    fn failed_attempts_and_heartbeats_merge_into_the_next_task() {
        let mut h = HistoryBuilder::new("wf");
        h.add_workflow_execution_started();
        h.add_wft_scheduled();
        h.add_wft_started();
        h.add_wft_failed();
        h.add_wft_scheduled();
        h.add_wft_started();
        h.add_wft_completed();
        h.add_wft_scheduled();
        let last = h.add_wft_started();
        let events = h.events();
        let end = next_task_end(&events).expect("task");
        assert_eq!(events[end].event_id, last);
    }
}
