//! Machines for commands that are answered by exactly one history event and produce no job:
//! complete, fail and cancel workflow, continue-as-new, upsert search attributes and modify
//! workflow properties. They share one table: Created → CommandCreated → EventRecorded.
use super::activity::{task_queue, use_workflow_build_id};
use super::{MachineError, MachineOutput as Out, header, new_command, payloads, taken};
use crate::workflow::history::event_type;
use crate::workflow::pb::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SimpleKind {
    CompleteWorkflow,
    FailWorkflow,
    CancelWorkflow,
    ContinueAsNew,
    UpsertSearchAttributes,
    ModifyWorkflowProperties,
}

impl SimpleKind {
    pub(crate) const ALL: [SimpleKind; 6] = [
        SimpleKind::CompleteWorkflow,
        SimpleKind::FailWorkflow,
        SimpleKind::CancelWorkflow,
        SimpleKind::ContinueAsNew,
        SimpleKind::UpsertSearchAttributes,
        SimpleKind::ModifyWorkflowProperties,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            SimpleKind::CompleteWorkflow => "complete_workflow",
            SimpleKind::FailWorkflow => "fail_workflow",
            SimpleKind::CancelWorkflow => "cancel_workflow",
            SimpleKind::ContinueAsNew => "continue_as_new",
            SimpleKind::UpsertSearchAttributes => "upsert_search_attributes",
            SimpleKind::ModifyWorkflowProperties => "modify_workflow_properties",
        }
    }

    fn answering_event(self) -> EventType {
        match self {
            SimpleKind::CompleteWorkflow => EventType::WorkflowExecutionCompleted,
            SimpleKind::FailWorkflow => EventType::WorkflowExecutionFailed,
            SimpleKind::CancelWorkflow => EventType::WorkflowExecutionCanceled,
            SimpleKind::ContinueAsNew => EventType::WorkflowExecutionContinuedAsNew,
            SimpleKind::UpsertSearchAttributes => EventType::UpsertWorkflowSearchAttributes,
            SimpleKind::ModifyWorkflowProperties => EventType::WorkflowPropertiesModified,
        }
    }

    /// Terminal commands end the run.
    pub(crate) fn is_terminal(self) -> bool {
        matches!(
            self,
            SimpleKind::CompleteWorkflow
                | SimpleKind::FailWorkflow
                | SimpleKind::CancelWorkflow
                | SimpleKind::ContinueAsNew
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Created,
    CommandCreated,
    EventRecorded,
}

#[derive(Debug)]
pub(crate) enum Event {
    Schedule,
    CommandEvent,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Created", "Schedule", "CommandCreated"),
    ("CommandCreated", "CommandEvent", "EventRecorded"),
];

#[derive(Debug)]
pub(crate) struct SimpleCommandMachine {
    pub(crate) kind: SimpleKind,
    state: State,
    command: Option<Command>,
}

impl SimpleCommandMachine {
    pub(crate) fn new(kind: SimpleKind, command: Command) -> Result<(Self, Vec<Out>), MachineError> {
        let mut m = SimpleCommandMachine {
            kind,
            state: State::Created,
            command: Some(command),
        };
        let out = m.step(Event::Schedule)?;
        Ok((m, out))
    }

    pub(crate) fn complete_workflow(c: lang::CompleteWorkflowExecution) -> Result<(Self, Vec<Out>), MachineError> {
        let attrs = command::CompleteWorkflowExecutionCommandAttributes {
            result: c.result.map(|p| Payloads { payloads: vec![p] }),
        };
        Self::new(
            SimpleKind::CompleteWorkflow,
            new_command(
                CommandType::CompleteWorkflowExecution,
                CommandAttrs::CompleteWorkflowExecutionCommandAttributes(attrs),
            ),
        )
    }

    pub(crate) fn fail_workflow(f: lang::FailWorkflowExecution) -> Result<(Self, Vec<Out>), MachineError> {
        let attrs = command::FailWorkflowExecutionCommandAttributes { failure: f.failure };
        Self::new(
            SimpleKind::FailWorkflow,
            new_command(
                CommandType::FailWorkflowExecution,
                CommandAttrs::FailWorkflowExecutionCommandAttributes(attrs),
            ),
        )
    }

    pub(crate) fn cancel_workflow() -> Result<(Self, Vec<Out>), MachineError> {
        let attrs = command::CancelWorkflowExecutionCommandAttributes { details: None };
        Self::new(
            SimpleKind::CancelWorkflow,
            new_command(
                CommandType::CancelWorkflowExecution,
                CommandAttrs::CancelWorkflowExecutionCommandAttributes(attrs),
            ),
        )
    }

    /// Continue-as-new; what the command leaves empty is taken from the run's start (`started`), its
    /// workflow type, and the worker's own task queue.
    pub(crate) fn continue_as_new(
        c: lang::ContinueAsNewWorkflowExecution,
        started: history::WorkflowExecutionStartedEventAttributes,
        workflow_type: &str,
        own_task_queue: &str,
    ) -> Result<(Self, Vec<Out>), MachineError> {
        let queue = if c.task_queue.is_empty() {
            started
                .task_queue
                .as_ref()
                .map(|t| t.name.clone())
                .unwrap_or_else(|| own_task_queue.to_string())
        } else {
            c.task_queue.clone()
        };
        let workflow_type = if c.workflow_type.is_empty() {
            workflow_type.to_string()
        } else {
            c.workflow_type.clone()
        };
        let attrs = command::ContinueAsNewWorkflowExecutionCommandAttributes {
            workflow_type: Some(common::WorkflowType { name: workflow_type }),
            task_queue: Some(task_queue(&queue)),
            input: payloads(c.arguments),
            workflow_run_timeout: c.workflow_run_timeout.or(started.workflow_run_timeout),
            workflow_task_timeout: c.workflow_task_timeout.or(started.workflow_task_timeout),
            backoff_start_interval: c.backoff_start_interval,
            retry_policy: c.retry_policy.or(started.retry_policy),
            initiator: 0,
            failure: None,
            last_completion_result: None,
            cron_schedule: String::new(),
            header: header(c.headers),
            memo: if c.memo.is_empty() {
                started.memo
            } else {
                Some(common::Memo { fields: c.memo })
            },
            search_attributes: if c.search_attributes.is_empty() {
                started.search_attributes
            } else {
                Some(common::SearchAttributes {
                    indexed_fields: c.search_attributes,
                })
            },
            inherit_build_id: use_workflow_build_id(c.versioning_intent, &c.task_queue, own_task_queue),
            initial_versioning_behavior: c.initial_versioning_behavior,
        };
        Self::new(
            SimpleKind::ContinueAsNew,
            new_command(
                CommandType::ContinueAsNewWorkflowExecution,
                CommandAttrs::ContinueAsNewWorkflowExecutionCommandAttributes(attrs),
            ),
        )
    }

    pub(crate) fn upsert_search_attributes(
        fields: std::collections::HashMap<String, Payload>,
    ) -> Result<(Self, Vec<Out>), MachineError> {
        let attrs = command::UpsertWorkflowSearchAttributesCommandAttributes {
            search_attributes: Some(common::SearchAttributes { indexed_fields: fields }),
        };
        Self::new(
            SimpleKind::UpsertSearchAttributes,
            new_command(
                CommandType::UpsertWorkflowSearchAttributes,
                CommandAttrs::UpsertWorkflowSearchAttributesCommandAttributes(attrs),
            ),
        )
    }

    pub(crate) fn modify_workflow_properties(
        p: lang::ModifyWorkflowProperties,
    ) -> Result<(Self, Vec<Out>), MachineError> {
        let attrs = command::ModifyWorkflowPropertiesCommandAttributes {
            upserted_memo: Some(common::Memo {
                fields: p.upserted_memo,
            }),
        };
        Self::new(
            SimpleKind::ModifyWorkflowProperties,
            new_command(
                CommandType::ModifyWorkflowProperties,
                CommandAttrs::ModifyWorkflowPropertiesCommandAttributes(attrs),
            ),
        )
    }

    fn step(&mut self, event: Event) -> Result<Vec<Out>, MachineError> {
        use State::*;
        let (next, out) = match (self.state, &event) {
            (Created, Event::Schedule) => (
                CommandCreated,
                self.command.take().map(Out::Command).into_iter().collect(),
            ),
            (CommandCreated, Event::CommandEvent) => (EventRecorded, vec![]),
            (s, e) => return Err(MachineError::invalid(self.kind.name(), &s, e)),
        };
        taken(self.kind.name(), &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent) -> Result<Vec<Out>, MachineError> {
        if event_type(e) != self.kind.answering_event() {
            return Err(MachineError::invalid(self.kind.name(), &self.state, &event_type(e)));
        }
        self.step(Event::CommandEvent)
    }
}
