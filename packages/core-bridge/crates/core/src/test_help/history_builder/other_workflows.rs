//! Events about other workflows: child workflows, and signals and cancel requests to external ones.
use super::{HistoryBuilder, payload};
use crate::workflow::pb::*;

impl HistoryBuilder {
    fn child_execution(&self) -> Option<common::WorkflowExecution> {
        Some(common::WorkflowExecution {
            workflow_id: "child".into(),
            run_id: "child-run".into(),
        })
    }

    pub(crate) fn add_child_initiated(&mut self, workflow_id: &str, workflow_type: &str) -> i64 {
        self.add(
            EventType::StartChildWorkflowExecutionInitiated,
            EventAttrs::StartChildWorkflowExecutionInitiatedEventAttributes(
                history::StartChildWorkflowExecutionInitiatedEventAttributes {
                    workflow_id: workflow_id.into(),
                    workflow_type: Some(common::WorkflowType {
                        name: workflow_type.into(),
                    }),
                    ..Default::default()
                },
            ),
        )
    }

    pub(crate) fn add_child_started(&mut self, initiated: i64) -> i64 {
        let execution = self.child_execution();
        self.add(
            EventType::ChildWorkflowExecutionStarted,
            EventAttrs::ChildWorkflowExecutionStartedEventAttributes(
                history::ChildWorkflowExecutionStartedEventAttributes {
                    initiated_event_id: initiated,
                    workflow_execution: execution,
                    ..Default::default()
                },
            ),
        )
    }

    pub(crate) fn add_child_start_failed(&mut self, initiated: i64) -> i64 {
        self.add(
            EventType::StartChildWorkflowExecutionFailed,
            EventAttrs::StartChildWorkflowExecutionFailedEventAttributes(
                history::StartChildWorkflowExecutionFailedEventAttributes {
                    initiated_event_id: initiated,
                    cause: enums::StartChildWorkflowExecutionFailedCause::WorkflowAlreadyExists as i32,
                    ..Default::default()
                },
            ),
        )
    }

    /// A child outcome: 0 completed, 1 failed, 2 canceled, 3 timed out, 4 terminated.
    pub(crate) fn add_child_outcome(&mut self, initiated: i64, started: i64, kind: u8) -> i64 {
        let ex = self.child_execution();
        match kind {
            0 => self.add(
                EventType::ChildWorkflowExecutionCompleted,
                EventAttrs::ChildWorkflowExecutionCompletedEventAttributes(
                    history::ChildWorkflowExecutionCompletedEventAttributes {
                        initiated_event_id: initiated,
                        started_event_id: started,
                        workflow_execution: ex,
                        result: Some(Payloads {
                            payloads: vec![payload("child done")],
                        }),
                        ..Default::default()
                    },
                ),
            ),
            1 => self.add(
                EventType::ChildWorkflowExecutionFailed,
                EventAttrs::ChildWorkflowExecutionFailedEventAttributes(
                    history::ChildWorkflowExecutionFailedEventAttributes {
                        initiated_event_id: initiated,
                        started_event_id: started,
                        workflow_execution: ex,
                        failure: Some(Failure {
                            message: "child failed".into(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                ),
            ),
            2 => self.add(
                EventType::ChildWorkflowExecutionCanceled,
                EventAttrs::ChildWorkflowExecutionCanceledEventAttributes(
                    history::ChildWorkflowExecutionCanceledEventAttributes {
                        initiated_event_id: initiated,
                        started_event_id: started,
                        workflow_execution: ex,
                        ..Default::default()
                    },
                ),
            ),
            3 => self.add(
                EventType::ChildWorkflowExecutionTimedOut,
                EventAttrs::ChildWorkflowExecutionTimedOutEventAttributes(
                    history::ChildWorkflowExecutionTimedOutEventAttributes {
                        initiated_event_id: initiated,
                        started_event_id: started,
                        workflow_execution: ex,
                        ..Default::default()
                    },
                ),
            ),
            _ => self.add(
                EventType::ChildWorkflowExecutionTerminated,
                EventAttrs::ChildWorkflowExecutionTerminatedEventAttributes(
                    history::ChildWorkflowExecutionTerminatedEventAttributes {
                        initiated_event_id: initiated,
                        started_event_id: started,
                        workflow_execution: ex,
                        ..Default::default()
                    },
                ),
            ),
        }
    }

    pub(crate) fn add_signal_external_initiated(&mut self) -> i64 {
        self.add(
            EventType::SignalExternalWorkflowExecutionInitiated,
            EventAttrs::SignalExternalWorkflowExecutionInitiatedEventAttributes(Default::default()),
        )
    }

    pub(crate) fn add_external_signaled(&mut self, initiated: i64) -> i64 {
        self.add(
            EventType::ExternalWorkflowExecutionSignaled,
            EventAttrs::ExternalWorkflowExecutionSignaledEventAttributes(
                history::ExternalWorkflowExecutionSignaledEventAttributes {
                    initiated_event_id: initiated,
                    ..Default::default()
                },
            ),
        )
    }

    pub(crate) fn add_signal_external_failed(&mut self, initiated: i64) -> i64 {
        self.add(
            EventType::SignalExternalWorkflowExecutionFailed,
            EventAttrs::SignalExternalWorkflowExecutionFailedEventAttributes(
                history::SignalExternalWorkflowExecutionFailedEventAttributes {
                    initiated_event_id: initiated,
                    cause: 1,
                    ..Default::default()
                },
            ),
        )
    }

    pub(crate) fn add_cancel_external_initiated(&mut self) -> i64 {
        self.add(
            EventType::RequestCancelExternalWorkflowExecutionInitiated,
            EventAttrs::RequestCancelExternalWorkflowExecutionInitiatedEventAttributes(Default::default()),
        )
    }

    pub(crate) fn add_external_cancel_requested(&mut self, initiated: i64) -> i64 {
        self.add(
            EventType::ExternalWorkflowExecutionCancelRequested,
            EventAttrs::ExternalWorkflowExecutionCancelRequestedEventAttributes(
                history::ExternalWorkflowExecutionCancelRequestedEventAttributes {
                    initiated_event_id: initiated,
                    ..Default::default()
                },
            ),
        )
    }

    pub(crate) fn add_cancel_external_failed(&mut self, initiated: i64) -> i64 {
        self.add(
            EventType::RequestCancelExternalWorkflowExecutionFailed,
            EventAttrs::RequestCancelExternalWorkflowExecutionFailedEventAttributes(
                history::RequestCancelExternalWorkflowExecutionFailedEventAttributes {
                    initiated_event_id: initiated,
                    cause: 1,
                    ..Default::default()
                },
            ),
        )
    }
}
