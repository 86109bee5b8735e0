use super::*;
use crate::protos::temporal::api::nexus::v1::Request as NexusRequest;

#[test]
fn parses_request_timeouts_in_the_nexus_and_go_duration_forms() {
    assert_eq!(parse_request_timeout("10s"), Some(Duration::from_secs(10)));
    assert_eq!(parse_request_timeout("250ms"), Some(Duration::from_millis(250)));
    assert_eq!(parse_request_timeout("2m"), Some(Duration::from_secs(120)));
    assert_eq!(parse_request_timeout(" 1.5s "), Some(Duration::from_millis(1500)));
    assert_eq!(parse_request_timeout("1m30.5s"), Some(Duration::from_millis(90_500)));
    assert_eq!(parse_request_timeout("1h0m0s"), Some(Duration::from_secs(3600)));
    assert_eq!(parse_request_timeout("9.5µs"), Some(Duration::from_nanos(9_500)));
    assert_eq!(parse_request_timeout("120ns"), Some(Duration::from_nanos(120)));
    assert_eq!(parse_request_timeout("-1m2s"), Some(Duration::ZERO), "already past");
    assert_eq!(parse_request_timeout("0s"), Some(Duration::ZERO));
    assert_eq!(parse_request_timeout("0"), Some(Duration::ZERO));
    for bad in ["soon", "", "10", "s", "1x", "1.2.3s", "-"] {
        assert_eq!(parse_request_timeout(bad), None, "{bad:?}");
    }
}

#[test]
fn failed_executions_are_labelled_by_handler_error_type_or_operation_state() {
    use crate::protos::temporal::api::failure::v1::{Failure, NexusHandlerFailureInfo, failure::FailureInfo};
    use crate::protos::temporal::api::nexus::v1::{
        HandlerError, Response, StartOperationResponse, UnsuccessfulOperationError, response, start_operation_response,
    };
    let handler = Status::Error(HandlerError {
        error_type: "BAD_REQUEST".into(),
        ..Default::default()
    });
    assert_eq!(failure_reason(&handler).as_deref(), Some("handler_error_BAD_REQUEST"));
    let typed = Status::Failure(Failure {
        failure_info: Some(FailureInfo::NexusHandlerFailureInfo(NexusHandlerFailureInfo {
            r#type: "INTERNAL".into(),
            ..Default::default()
        })),
        ..Default::default()
    });
    assert_eq!(failure_reason(&typed).as_deref(), Some("handler_error_INTERNAL"));
    assert_eq!(
        failure_reason(&Status::Failure(Failure::default())).as_deref(),
        Some("operation_failed")
    );
    let start = |v| {
        Status::Completed(Response {
            variant: Some(response::Variant::StartOperation(StartOperationResponse {
                variant: Some(v),
            })),
        })
    };
    let canceled = start(start_operation_response::Variant::OperationError(
        UnsuccessfulOperationError {
            operation_state: "canceled".into(),
            failure: None,
        },
    ));
    assert_eq!(failure_reason(&canceled).as_deref(), Some("operation_canceled"));
    let ok = start(start_operation_response::Variant::SyncSuccess(Default::default()));
    assert_eq!(failure_reason(&ok), None);
    assert_eq!(failure_reason(&Status::AckCancel(true)), None);
}

async fn next_cancel_within(held: &HeldTasks, wait: Duration) -> Option<CancelNexusTask> {
    tokio::time::timeout(wait, held.next_cancel()).await.ok()
}

#[tokio::test]
async fn a_held_task_past_its_request_deadline_gets_one_timed_out_cancel() {
    let held = HeldTasks::new();
    held.hand_out(b"t1".to_vec(), None, Some(Duration::from_millis(20)));
    let c = next_cancel_within(&held, Duration::from_secs(5))
        .await
        .expect("a cancel");
    assert_eq!(c.task_token, b"t1");
    assert_eq!(c.reason, NexusTaskCancelReason::TimedOut as i32);
    assert_eq!(
        held.cancel_all(NexusTaskCancelReason::WorkerShutdown),
        0,
        "never two cancels for one task"
    );
    assert!(held.release(b"t1").is_some());
    assert!(held.release(b"t1").is_none(), "completed once");
}

#[tokio::test]
async fn a_task_completed_before_its_deadline_gets_no_cancel() {
    let held = HeldTasks::new();
    held.hand_out(b"t1".to_vec(), None, Some(Duration::from_millis(30)));
    held.hand_out(b"t2".to_vec(), None, Some(Duration::ZERO));
    assert!(held.release(b"t1").is_some());
    let c = next_cancel_within(&held, Duration::from_secs(5))
        .await
        .expect("t2 had no time left");
    assert_eq!(c.task_token, b"t2");
    assert!(next_cancel_within(&held, Duration::from_millis(80)).await.is_none());
}

#[tokio::test]
async fn shutdown_cancels_every_held_task_and_drops_cancels_of_tasks_completed_meanwhile() {
    let held = HeldTasks::new();
    for t in [b"a", b"b", b"c"] {
        held.hand_out(t.to_vec(), None, None);
    }
    assert_eq!(held.cancel_all(NexusTaskCancelReason::WorkerShutdown), 3);
    assert!(held.release(b"b").is_some());
    let mut got = vec![];
    while let Some(c) = next_cancel_within(&held, Duration::from_millis(50)).await {
        assert_eq!(c.reason, NexusTaskCancelReason::WorkerShutdown as i32);
        got.push(c.task_token);
    }
    got.sort();
    assert_eq!(got, vec![b"a".to_vec(), b"c".to_vec()]);
}

fn worker_config() -> Arc<WorkerConfig> {
    Arc::new(WorkerConfig {
        task_queue: "tq".into(),
        enable_nexus: true,
        ..Default::default()
    })
}

fn nexus_task(token: &str, timeout: Option<&str>) -> PollNexusTaskQueueResponse {
    PollNexusTaskQueueResponse {
        task_token: token.as_bytes().to_vec(),
        request: Some(NexusRequest {
            header: timeout
                .map(|t| [("Request-Timeout".to_string(), t.to_string())].into())
                .unwrap_or_default(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A Nexus task source with no server: tasks are pushed in by the test.
fn tasks_without_server() -> (
    Arc<NexusTasks>,
    mpsc::Sender<Polled>,
    watch::Sender<bool>,
    Arc<Semaphore>,
) {
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let conn = Connection::unconnected(Arc::new(crate::telemetry::metrics::Metrics::default()));
    let nexus = NexusTasks::new(worker_config(), conn, shutdown_rx);
    nexus.pollers_started.store(true, Ordering::SeqCst);
    let tx = nexus.tx.lock().take().expect("sender");
    (nexus, tx, shutdown_tx, Arc::new(Semaphore::new(10)))
}

async fn push(tx: &mpsc::Sender<Polled>, slots: &Arc<Semaphore>, resp: PollNexusTaskQueueResponse) {
    let permit = slots.clone().acquire_owned().await.expect("permit");
    assert!(
        tx.send(Polled::Task {
            resp: Box::new(resp),
            permit,
            received: Instant::now()
        })
        .await
        .is_ok()
    );
}

fn ack(token: &[u8]) -> NexusTaskCompletion {
    NexusTaskCompletion {
        task_token: token.to_vec(),
        status: Some(Status::AckCancel(true)),
    }
}

#[tokio::test]
async fn the_poll_delivers_a_timed_out_cancel_ahead_of_new_tasks_with_the_request_deadline_set() {
    let (nexus, tx, _shutdown, slots) = tasks_without_server();
    push(&tx, &slots, nexus_task("t1", Some("30ms"))).await;
    let first = nexus.poll().await.expect("task");
    assert!(matches!(first.variant, Some(Variant::Task(_))));
    let deadline = first.request_deadline.expect("deadline from the header");
    let left = SystemTime::try_from(deadline)
        .expect("time")
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    assert!(left <= Duration::from_millis(30));
    let cancel = tokio::time::timeout(Duration::from_secs(5), nexus.poll())
        .await
        .expect("in time")
        .expect("cancel");
    let Some(Variant::CancelTask(c)) = cancel.variant else {
        panic!("a cancel task, got {cancel:?}")
    };
    assert_eq!(
        (c.task_token.as_slice(), c.reason),
        (&b"t1"[..], NexusTaskCancelReason::TimedOut as i32)
    );
    nexus.complete(ack(b"t1")).await.expect("ack needs no server");
    assert!(nexus.complete(ack(b"t1")).await.is_err(), "unknown once completed");
    let snapshot = nexus.conn.metrics().snapshot();
    let latency = snapshot
        .iter()
        .find(|p| p.name == "temporal_nexus_task_execution_latency")
        .expect("latency recorded");
    assert_eq!(latency.count, 1);
    assert!(
        !snapshot
            .iter()
            .any(|p| p.name == "temporal_nexus_task_execution_failed"),
        "an ack is not a failure"
    );
}

#[tokio::test]
async fn shutdown_waits_for_held_tasks_cancelling_them_after_the_grace_period() {
    let (nexus, tx, shutdown, slots) = tasks_without_server();
    push(&tx, &slots, nexus_task("t1", None)).await;
    push(&tx, &slots, nexus_task("t2", None)).await;
    nexus.poll().await.expect("t1");
    nexus.poll().await.expect("t2");
    shutdown.send_replace(true);
    drop(tx);
    let drained = {
        let nexus = nexus.clone();
        tokio::spawn(async move { nexus.wait_until_drained().await })
    };
    nexus.complete(ack(b"t2")).await.expect("t2");
    nexus.cancel_all_for_shutdown();
    let cancel = tokio::time::timeout(Duration::from_secs(5), nexus.poll())
        .await
        .expect("in time")
        .expect("cancel, not ShutDown");
    let Some(Variant::CancelTask(c)) = cancel.variant else {
        panic!("a cancel task")
    };
    assert_eq!(
        (c.task_token.as_slice(), c.reason),
        (&b"t1"[..], NexusTaskCancelReason::WorkerShutdown as i32)
    );
    assert!(!drained.is_finished(), "finalize waits while the worker holds t1");
    assert_eq!(nexus.held_count(), 1);
    let pending = {
        let nexus = nexus.clone();
        tokio::spawn(async move { nexus.poll().await })
    };
    nexus.complete(ack(b"t1")).await.expect("t1");
    let last = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("in time")
        .expect("joined");
    assert!(matches!(last, Err(CoreError::ShutDown)));
    tokio::time::timeout(Duration::from_secs(5), drained)
        .await
        .expect("finalize may finish")
        .expect("joined");
}
