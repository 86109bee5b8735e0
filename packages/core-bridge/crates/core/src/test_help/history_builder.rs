//! Builds histories event by event with automatic ids and times, the way the server would
//! record them.
use crate::protos::temporal::api::sdk::v1::WorkflowTaskCompletedMetadata;
use crate::workflow::history::event_type;
use crate::workflow::pb::*;

mod other_workflows;

pub(crate) struct HistoryBuilder {
    events: Vec<HistoryEvent>,
    workflow_type: String,
    /// Seconds since the epoch of the next event.
    clock: i64,
    last_wft_scheduled: i64,
    last_wft_started: i64,
    /// Core flags written into every WFT-completed event.
    pub core_flags: Vec<u32>,
    /// Protocol messages delivered with the task that ends at the given WFT-started event.
    pub messages: std::collections::HashMap<i64, Vec<protocol::Message>>,
}

impl HistoryBuilder {
    pub(crate) fn new(workflow_type: &str) -> Self {
        HistoryBuilder {
            events: vec![],
            workflow_type: workflow_type.into(),
            clock: 1_700_000_000,
            last_wft_scheduled: 0,
            last_wft_started: 0,
            core_flags: vec![1, 2, 3],
            messages: Default::default(),
        }
    }

    pub(crate) fn add(&mut self, et: EventType, attrs: EventAttrs) -> i64 {
        let id = self.events.len() as i64 + 1;
        self.clock += 1;
        self.events.push(HistoryEvent {
            event_id: id,
            event_time: Some(prost_types::Timestamp {
                seconds: self.clock,
                nanos: 0,
            }),
            event_type: et as i32,
            attributes: Some(attrs),
            ..Default::default()
        });
        id
    }

    pub(crate) fn add_workflow_execution_started(&mut self) -> i64 {
        let attrs = history::WorkflowExecutionStartedEventAttributes {
            workflow_type: Some(common::WorkflowType {
                name: self.workflow_type.clone(),
            }),
            workflow_id: "wf-id".into(),
            original_execution_run_id: "run-1".into(),
            first_execution_run_id: "run-1".into(),
            attempt: 1,
            task_queue: Some(crate::workflow::machines::activity::task_queue("tq")),
            ..Default::default()
        };
        self.add(
            EventType::WorkflowExecutionStarted,
            EventAttrs::WorkflowExecutionStartedEventAttributes(attrs),
        )
    }

    pub(crate) fn add_wft_scheduled(&mut self) -> i64 {
        let id = self.add(
            EventType::WorkflowTaskScheduled,
            EventAttrs::WorkflowTaskScheduledEventAttributes(Default::default()),
        );
        self.last_wft_scheduled = id;
        id
    }

    pub(crate) fn add_wft_started(&mut self) -> i64 {
        let id = self.add(
            EventType::WorkflowTaskStarted,
            EventAttrs::WorkflowTaskStartedEventAttributes(history::WorkflowTaskStartedEventAttributes {
                scheduled_event_id: self.last_wft_scheduled,
                ..Default::default()
            }),
        );
        self.last_wft_started = id;
        id
    }

    pub(crate) fn add_wft_completed(&mut self) -> i64 {
        self.add(
            EventType::WorkflowTaskCompleted,
            EventAttrs::WorkflowTaskCompletedEventAttributes(history::WorkflowTaskCompletedEventAttributes {
                scheduled_event_id: self.last_wft_scheduled,
                started_event_id: self.last_wft_started,
                sdk_metadata: Some(WorkflowTaskCompletedMetadata {
                    core_used_flags: self.core_flags.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_wft_failed(&mut self) -> i64 {
        self.add(
            EventType::WorkflowTaskFailed,
            EventAttrs::WorkflowTaskFailedEventAttributes(history::WorkflowTaskFailedEventAttributes {
                scheduled_event_id: self.last_wft_scheduled,
                started_event_id: self.last_wft_started,
                ..Default::default()
            }),
        )
    }

    /// Scheduled, started and completed: one whole workflow task.
    pub(crate) fn add_full_wft(&mut self) -> i64 {
        self.add_wft_scheduled();
        self.add_wft_started();
        self.add_wft_completed()
    }

    pub(crate) fn add_timer_started(&mut self, seq: u32) -> i64 {
        self.add(
            EventType::TimerStarted,
            EventAttrs::TimerStartedEventAttributes(history::TimerStartedEventAttributes {
                timer_id: seq.to_string(),
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_timer_fired(&mut self, started: i64, seq: u32) -> i64 {
        self.add(
            EventType::TimerFired,
            EventAttrs::TimerFiredEventAttributes(history::TimerFiredEventAttributes {
                timer_id: seq.to_string(),
                started_event_id: started,
            }),
        )
    }

    pub(crate) fn add_timer_canceled(&mut self, started: i64, seq: u32) -> i64 {
        self.add(
            EventType::TimerCanceled,
            EventAttrs::TimerCanceledEventAttributes(history::TimerCanceledEventAttributes {
                timer_id: seq.to_string(),
                started_event_id: started,
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_activity_scheduled(&mut self, activity_id: &str, activity_type: &str) -> i64 {
        self.add(
            EventType::ActivityTaskScheduled,
            EventAttrs::ActivityTaskScheduledEventAttributes(history::ActivityTaskScheduledEventAttributes {
                activity_id: activity_id.into(),
                activity_type: Some(common::ActivityType {
                    name: activity_type.into(),
                }),
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_activity_started(&mut self, scheduled: i64) -> i64 {
        self.add(
            EventType::ActivityTaskStarted,
            EventAttrs::ActivityTaskStartedEventAttributes(history::ActivityTaskStartedEventAttributes {
                scheduled_event_id: scheduled,
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_activity_completed(&mut self, scheduled: i64, started: i64, result: Payload) -> i64 {
        self.add(
            EventType::ActivityTaskCompleted,
            EventAttrs::ActivityTaskCompletedEventAttributes(history::ActivityTaskCompletedEventAttributes {
                scheduled_event_id: scheduled,
                started_event_id: started,
                result: Some(Payloads { payloads: vec![result] }),
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_activity_failed(&mut self, scheduled: i64, started: i64, message: &str) -> i64 {
        self.add(
            EventType::ActivityTaskFailed,
            EventAttrs::ActivityTaskFailedEventAttributes(history::ActivityTaskFailedEventAttributes {
                scheduled_event_id: scheduled,
                started_event_id: started,
                failure: Some(Failure {
                    message: message.into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_activity_timed_out(&mut self, scheduled: i64, started: i64) -> i64 {
        self.add(
            EventType::ActivityTaskTimedOut,
            EventAttrs::ActivityTaskTimedOutEventAttributes(history::ActivityTaskTimedOutEventAttributes {
                scheduled_event_id: scheduled,
                started_event_id: started,
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_activity_cancel_requested(&mut self, scheduled: i64) -> i64 {
        self.add(
            EventType::ActivityTaskCancelRequested,
            EventAttrs::ActivityTaskCancelRequestedEventAttributes(
                history::ActivityTaskCancelRequestedEventAttributes {
                    scheduled_event_id: scheduled,
                    ..Default::default()
                },
            ),
        )
    }

    pub(crate) fn add_activity_canceled(&mut self, scheduled: i64, started: i64) -> i64 {
        self.add(
            EventType::ActivityTaskCanceled,
            EventAttrs::ActivityTaskCanceledEventAttributes(history::ActivityTaskCanceledEventAttributes {
                scheduled_event_id: scheduled,
                started_event_id: started,
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_signaled(&mut self, name: &str) -> i64 {
        self.add(
            EventType::WorkflowExecutionSignaled,
            EventAttrs::WorkflowExecutionSignaledEventAttributes(history::WorkflowExecutionSignaledEventAttributes {
                signal_name: name.into(),
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_cancel_requested(&mut self) -> i64 {
        self.add(
            EventType::WorkflowExecutionCancelRequested,
            EventAttrs::WorkflowExecutionCancelRequestedEventAttributes(Default::default()),
        )
    }

    pub(crate) fn add_workflow_execution_completed(&mut self) -> i64 {
        self.add(
            EventType::WorkflowExecutionCompleted,
            EventAttrs::WorkflowExecutionCompletedEventAttributes(Default::default()),
        )
    }

    pub(crate) fn add_workflow_execution_failed(&mut self) -> i64 {
        self.add(
            EventType::WorkflowExecutionFailed,
            EventAttrs::WorkflowExecutionFailedEventAttributes(Default::default()),
        )
    }

    pub(crate) fn add_workflow_execution_canceled(&mut self) -> i64 {
        self.add(
            EventType::WorkflowExecutionCanceled,
            EventAttrs::WorkflowExecutionCanceledEventAttributes(Default::default()),
        )
    }

    pub(crate) fn add_continued_as_new(&mut self) -> i64 {
        self.add(
            EventType::WorkflowExecutionContinuedAsNew,
            EventAttrs::WorkflowExecutionContinuedAsNewEventAttributes(Default::default()),
        )
    }

    pub(crate) fn add_patch_marker(&mut self, id: &str, deprecated: bool) -> i64 {
        let Some(CommandAttrs::RecordMarkerCommandAttributes(m)) =
            crate::workflow::machines::patch::marker_command(id, deprecated).attributes
        else {
            unreachable!("marker_command builds a marker")
        };
        self.add(
            EventType::MarkerRecorded,
            EventAttrs::MarkerRecordedEventAttributes(history::MarkerRecordedEventAttributes {
                marker_name: m.marker_name,
                details: m.details,
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_upsert_search_attributes(&mut self, fields: &[&str]) -> i64 {
        self.add(
            EventType::UpsertWorkflowSearchAttributes,
            EventAttrs::UpsertWorkflowSearchAttributesEventAttributes(
                history::UpsertWorkflowSearchAttributesEventAttributes {
                    search_attributes: Some(common::SearchAttributes {
                        indexed_fields: fields.iter().map(|f| (f.to_string(), Payload::default())).collect(),
                    }),
                    ..Default::default()
                },
            ),
        )
    }

    pub(crate) fn add_properties_modified(&mut self) -> i64 {
        self.add(
            EventType::WorkflowPropertiesModified,
            EventAttrs::WorkflowPropertiesModifiedEventAttributes(Default::default()),
        )
    }

    /// A signal, then a whole workflow task (a task woken by the signal).
    pub(crate) fn add_full_wft_after_signal(&mut self) -> i64 {
        self.add_signaled("poke");
        self.add_full_wft()
    }

    pub(crate) fn add_update_accepted(&mut self, update_id: &str, sequencing_event_id: i64) -> i64 {
        self.add(
            EventType::WorkflowExecutionUpdateAccepted,
            EventAttrs::WorkflowExecutionUpdateAcceptedEventAttributes(
                history::WorkflowExecutionUpdateAcceptedEventAttributes {
                    protocol_instance_id: update_id.into(),
                    accepted_request_message_id: format!("{update_id}/request"),
                    accepted_request_sequencing_event_id: sequencing_event_id,
                    accepted_request: Some(update_request(update_id)),
                },
            ),
        )
    }

    pub(crate) fn add_update_completed(&mut self, update_id: &str, accepted: i64) -> i64 {
        self.add(
            EventType::WorkflowExecutionUpdateCompleted,
            EventAttrs::WorkflowExecutionUpdateCompletedEventAttributes(
                history::WorkflowExecutionUpdateCompletedEventAttributes {
                    meta: Some(update::Meta {
                        update_id: update_id.into(),
                        identity: String::new(),
                    }),
                    accepted_event_id: accepted,
                    outcome: None,
                },
            ),
        )
    }

    pub(crate) fn add_update_admitted(&mut self, update_id: &str) -> i64 {
        self.add(
            EventType::WorkflowExecutionUpdateAdmitted,
            EventAttrs::WorkflowExecutionUpdateAdmittedEventAttributes(
                history::WorkflowExecutionUpdateAdmittedEventAttributes {
                    request: Some(update_request(update_id)),
                    origin: 0,
                },
            ),
        )
    }

    pub(crate) fn add_nexus_scheduled(&mut self) -> i64 {
        self.add(
            EventType::NexusOperationScheduled,
            EventAttrs::NexusOperationScheduledEventAttributes(history::NexusOperationScheduledEventAttributes {
                endpoint: "ep".into(),
                service: "svc".into(),
                operation: "op".into(),
                ..Default::default()
            }),
        )
    }

    pub(crate) fn add_nexus_started(&mut self, scheduled: i64) -> i64 {
        self.add(
            EventType::NexusOperationStarted,
            EventAttrs::NexusOperationStartedEventAttributes(history::NexusOperationStartedEventAttributes {
                scheduled_event_id: scheduled,
                operation_token: "token-1".into(),
                ..Default::default()
            }),
        )
    }

    /// A Nexus outcome: 0 completed, 1 failed, 2 canceled, 3 timed out.
    pub(crate) fn add_nexus_outcome(&mut self, scheduled: i64, kind: u8) -> i64 {
        let f = Some(Failure {
            message: "nexus".into(),
            ..Default::default()
        });
        match kind {
            0 => self.add(
                EventType::NexusOperationCompleted,
                EventAttrs::NexusOperationCompletedEventAttributes(history::NexusOperationCompletedEventAttributes {
                    scheduled_event_id: scheduled,
                    result: Some(payload("nexus result")),
                    ..Default::default()
                }),
            ),
            1 => self.add(
                EventType::NexusOperationFailed,
                EventAttrs::NexusOperationFailedEventAttributes(history::NexusOperationFailedEventAttributes {
                    scheduled_event_id: scheduled,
                    failure: f,
                    ..Default::default()
                }),
            ),
            2 => self.add(
                EventType::NexusOperationCanceled,
                EventAttrs::NexusOperationCanceledEventAttributes(history::NexusOperationCanceledEventAttributes {
                    scheduled_event_id: scheduled,
                    failure: f,
                    ..Default::default()
                }),
            ),
            _ => self.add(
                EventType::NexusOperationTimedOut,
                EventAttrs::NexusOperationTimedOutEventAttributes(history::NexusOperationTimedOutEventAttributes {
                    scheduled_event_id: scheduled,
                    failure: f,
                    ..Default::default()
                }),
            ),
        }
    }

    pub(crate) fn add_nexus_cancel_requested(&mut self, scheduled: i64) -> i64 {
        self.add(
            EventType::NexusOperationCancelRequested,
            EventAttrs::NexusOperationCancelRequestedEventAttributes(
                history::NexusOperationCancelRequestedEventAttributes {
                    scheduled_event_id: scheduled,
                    ..Default::default()
                },
            ),
        )
    }

    pub(crate) fn add_nexus_cancel_request_done(&mut self, scheduled: i64, requested: i64, failed: bool) -> i64 {
        if failed {
            self.add(
                EventType::NexusOperationCancelRequestFailed,
                EventAttrs::NexusOperationCancelRequestFailedEventAttributes(
                    history::NexusOperationCancelRequestFailedEventAttributes {
                        scheduled_event_id: scheduled,
                        requested_event_id: requested,
                        ..Default::default()
                    },
                ),
            )
        } else {
            self.add(
                EventType::NexusOperationCancelRequestCompleted,
                EventAttrs::NexusOperationCancelRequestCompletedEventAttributes(
                    history::NexusOperationCancelRequestCompletedEventAttributes {
                        scheduled_event_id: scheduled,
                        requested_event_id: requested,
                        ..Default::default()
                    },
                ),
            )
        }
    }

    /// A local activity marker as the core records it.
    pub(crate) fn add_local_activity_marker(
        &mut self,
        seq: u32,
        activity_type: &str,
        result: Option<Payload>,
        failure: Option<Failure>,
    ) -> i64 {
        let data = crate::workflow::machines::local_activity::LocalActivityMarkerData {
            seq,
            attempt: 1,
            activity_id: seq.to_string(),
            activity_type: activity_type.into(),
            complete_time: Some(crate::workflow::machines::local_activity::JsonTime {
                seconds: self.clock,
                nanos: 0,
            }),
            backoff: None,
            original_schedule_time: None,
        };
        let mut details: std::collections::HashMap<String, Payloads> = [(
            "data".to_string(),
            Payloads {
                payloads: vec![crate::workflow::history::json_payload(&data)],
            },
        )]
        .into();
        if let Some(r) = result {
            details.insert("result".into(), Payloads { payloads: vec![r] });
        }
        self.add(
            EventType::MarkerRecorded,
            EventAttrs::MarkerRecordedEventAttributes(history::MarkerRecordedEventAttributes {
                marker_name: crate::workflow::history::LOCAL_ACTIVITY_MARKER_NAME.into(),
                details,
                failure,
                ..Default::default()
            }),
        )
    }

    /// The last event added, to adjust attributes the builder does not set.
    pub(crate) fn last_event_mut(&mut self) -> &mut HistoryEvent {
        self.events.last_mut().expect("history has events")
    }

    pub(crate) fn events(&self) -> Vec<HistoryEvent> {
        self.events.clone()
    }

    /// Ids of every WFT-started event that ends a logical task, in order.
    pub(crate) fn task_ends(&self) -> Vec<i64> {
        let mut ends = vec![];
        let mut from = 0;
        while from < self.events.len() {
            match crate::workflow::history::next_task_end(&self.events[from..]) {
                Some(ix) => {
                    let e = &self.events[from + ix];
                    if event_type(e) == EventType::WorkflowTaskStarted {
                        ends.push(e.event_id);
                    }
                    from += ix + 1;
                }
                None => break,
            }
        }
        ends
    }

    /// Events up to and including `id`.
    pub(crate) fn events_through(&self, id: i64) -> Vec<HistoryEvent> {
        self.events.iter().filter(|e| e.event_id <= id).cloned().collect()
    }
}

/// An update request as the server sends it.
pub(crate) fn update_request(update_id: &str) -> update::Request {
    update::Request {
        meta: Some(update::Meta {
            update_id: update_id.into(),
            identity: "client".into(),
        }),
        input: Some(update::Input {
            header: None,
            name: "set".into(),
            args: Some(Payloads {
                payloads: vec![payload("v")],
            }),
        }),
        ..Default::default()
    }
}

/// The protocol message carrying an update request.
pub(crate) fn update_message(update_id: &str, sequencing_event_id: i64) -> protocol::Message {
    protocol::Message {
        id: format!("{update_id}/request"),
        protocol_instance_id: update_id.into(),
        sequencing_id: Some(protocol::message::SequencingId::EventId(sequencing_event_id)),
        body: Some(prost_types::Any {
            type_url: "type.googleapis.com/temporal.api.update.v1.Request".into(),
            value: prost::Message::encode_to_vec(&update_request(update_id)),
        }),
    }
}

/// A `json/plain` payload for tests.
pub(crate) fn payload(text: &str) -> Payload {
    crate::workflow::history::json_payload(&text)
}
