//! The replay worker's source of workflow tasks: histories pushed by the worker are served one
//! at a time as if a server had sent them, each only after the previous run has been evicted.
use crate::protos::temporal::api::common::v1::{WorkflowExecution, WorkflowType};
use crate::protos::temporal::api::enums::v1::EventType;
use crate::protos::temporal::api::history::v1::{History, history_event::Attributes};
use crate::protos::temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::{Notify, mpsc};

/// One history to replay.
#[derive(Debug, Clone)]
pub struct HistoryForReplay {
    pub workflow_id: String,
    pub history: History,
}

pub struct ReplayFeed {
    rx: tokio::sync::Mutex<mpsc::Receiver<HistoryForReplay>>,
    in_flight: AtomicBool,
    run_done: Notify,
    counter: AtomicU64,
}

/// Pushes histories into a replay worker; dropping or closing it ends the replay.
#[derive(Clone)]
pub struct HistoryPusher {
    tx: Arc<Mutex<Option<mpsc::Sender<HistoryForReplay>>>>,
}

impl HistoryPusher {
    /// Queues a history; waits while the worker is busy with earlier ones.
    pub async fn push(&self, h: HistoryForReplay) -> Result<(), crate::errors::CoreError> {
        let tx = self.tx.lock().clone();
        match tx {
            Some(tx) => tx
                .send(h)
                .await
                .map_err(|_| crate::errors::CoreError::IllegalState("the replay worker has shut down".into())),
            None => Err(crate::errors::CoreError::IllegalState(
                "the history stream was closed".into(),
            )),
        }
    }

    /// No more histories: the worker shuts down once the queued ones are replayed.
    pub fn close(&self) {
        self.tx.lock().take();
    }
}

impl ReplayFeed {
    pub fn new() -> (Arc<Self>, HistoryPusher) {
        let (tx, rx) = mpsc::channel(1);
        (
            Arc::new(ReplayFeed {
                rx: tokio::sync::Mutex::new(rx),
                in_flight: AtomicBool::new(false),
                run_done: Notify::new(),
                counter: AtomicU64::new(0),
            }),
            HistoryPusher {
                tx: Arc::new(Mutex::new(Some(tx))),
            },
        )
    }

    pub(crate) fn run_finished(&self) {
        self.in_flight.store(false, Ordering::SeqCst);
        self.run_done.notify_one();
    }

    pub(crate) async fn next_task(&self) -> Option<PollWorkflowTaskQueueResponse> {
        while self.in_flight.load(Ordering::SeqCst) {
            self.run_done.notified().await;
        }
        let h = self.rx.lock().await.recv().await?;
        self.in_flight.store(true, Ordering::SeqCst);
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        Some(as_poll_response(h, n))
    }
}

/// A whole history as one workflow task.
pub fn as_poll_response(h: HistoryForReplay, n: u64) -> PollWorkflowTaskQueueResponse {
    let events = &h.history.events;
    let started_event_id = events
        .iter()
        .rev()
        .find(|e| e.event_type == EventType::WorkflowTaskStarted as i32)
        .map(|e| e.event_id)
        .unwrap_or(0);
    let (run_id, workflow_type) = match events.first().and_then(|e| e.attributes.as_ref()) {
        Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => (
            if a.original_execution_run_id.is_empty() {
                format!("replay-run-{n}")
            } else {
                a.original_execution_run_id.clone()
            },
            a.workflow_type.clone(),
        ),
        _ => (format!("replay-run-{n}"), None),
    };
    PollWorkflowTaskQueueResponse {
        task_token: format!("replay-{n}").into_bytes(),
        workflow_execution: Some(WorkflowExecution {
            workflow_id: h.workflow_id,
            run_id,
        }),
        workflow_type: Some(workflow_type.unwrap_or(WorkflowType { name: String::new() })),
        previous_started_event_id: started_event_id,
        started_event_id,
        attempt: 1,
        history: Some(h.history),
        ..Default::default()
    }
}
