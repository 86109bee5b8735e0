use super::*;
use crate::protos::kairos::core::activity::{ActivityFailure, ActivitySuccess};
use crate::protos::kairos::core::commands::ScheduleLocalActivity;
use crate::protos::temporal::api::failure::v1::ApplicationFailureInfo;

fn ms(n: u64) -> Option<prost_types::Duration> {
    prost_types::Duration::try_from(Duration::from_millis(n)).ok()
}

fn manager(slots: usize) -> (Arc<LocalActivities>, mpsc::UnboundedReceiver<LaResolution>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (LocalActivities::new(slots, tx, None), rx)
}

fn ctx(run_id: &str) -> LaContext {
    LaContext {
        run_id: run_id.into(),
        workflow_id: "wf".into(),
        ..Default::default()
    }
}

fn request(seq: u32, schedule_to_start_ms: Option<u64>) -> LocalActivityRequest {
    LocalActivityRequest {
        cmd: ScheduleLocalActivity {
            seq,
            activity_id: seq.to_string(),
            activity_type: "la".into(),
            attempt: 1,
            start_to_close_timeout: ms(10_000),
            schedule_to_start_timeout: schedule_to_start_ms.and_then(ms),
            retry_policy: Some(RetryPolicy {
                initial_interval: ms(300),
                backoff_coefficient: 1.0,
                ..Default::default()
            }),
            ..Default::default()
        },
    }
}

async fn next_task(la: &LocalActivities) -> ActivityTask {
    tokio::time::timeout(Duration::from_secs(5), la.next())
        .await
        .expect("a task in time")
        .expect("open queue")
}

async fn no_task_within(la: &LocalActivities, wait: Duration) {
    if let Ok(t) = tokio::time::timeout(wait, la.next()).await {
        panic!("unexpected task {t:?}");
    }
}

async fn resolution(rx: &mut mpsc::UnboundedReceiver<LaResolution>) -> LaResolution {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a resolution in time")
        .expect("open channel")
}

fn timeout_kind(o: &LocalActivityOutcome) -> Option<TimeoutType> {
    match o {
        LocalActivityOutcome::Failed(Failure {
            failure_info: Some(FailureInfo::TimeoutFailureInfo(t)),
            ..
        }) => TimeoutType::try_from(t.timeout_type).ok(),
        _ => None,
    }
}

fn failed(message: &str) -> Status {
    Status::Failed(ActivityFailure {
        failure: Some(Failure {
            message: message.into(),
            ..Default::default()
        }),
    })
}

fn completed() -> Status {
    Status::Completed(ActivitySuccess { result: None })
}

#[tokio::test]
async fn an_activity_the_worker_does_not_take_in_time_times_out_schedule_to_start_and_is_never_handed_out() {
    let (la, mut rx) = manager(10);
    la.start(ctx("r1"), request(1, Some(30)));
    let r = resolution(&mut rx).await;
    assert_eq!(r.resolution.seq, 1);
    assert_eq!(timeout_kind(&r.resolution.status), Some(TimeoutType::ScheduleToStart));
    assert_eq!(la.running_count(), 0);
    no_task_within(&la, Duration::from_millis(50)).await;
}

#[tokio::test]
async fn waiting_for_a_slot_counts_against_schedule_to_start() {
    let (la, mut rx) = manager(1);
    la.start(ctx("r1"), request(1, None));
    let first = next_task(&la).await;
    la.start(ctx("r1"), request(2, Some(30)));
    let r = resolution(&mut rx).await;
    assert_eq!(
        (r.resolution.seq, timeout_kind(&r.resolution.status)),
        (2, Some(TimeoutType::ScheduleToStart))
    );
    la.complete(&first.task_token, completed()).expect("known token");
    let r = resolution(&mut rx).await;
    assert_eq!(r.resolution.seq, 1);
    assert!(matches!(r.resolution.status, LocalActivityOutcome::Completed(_)));
    no_task_within(&la, Duration::from_millis(20)).await;
    assert_eq!(la.running_count(), 0);
}

#[tokio::test]
async fn an_activity_taken_in_time_is_not_timed_out_by_schedule_to_start() {
    let (la, mut rx) = manager(10);
    la.start(ctx("r1"), request(1, Some(30)));
    let task = next_task(&la).await;
    // Run past the schedule-to-start deadline before completing.
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(rx.try_recv().is_err(), "no timeout once the worker has the task");
    la.complete(&task.task_token, completed()).expect("known token");
    assert!(matches!(
        resolution(&mut rx).await.resolution.status,
        LocalActivityOutcome::Completed(_)
    ));
}

#[tokio::test]
async fn evicting_a_run_cancels_handed_out_activities_drops_queued_ones_and_ignores_their_results() {
    let (la, mut rx) = manager(1);
    la.start(ctx("r1"), request(1, None));
    la.start(ctx("r1"), request(2, None));
    la.start(ctx("other"), request(1, None));
    let first = next_task(&la).await;
    la.abandon_run("r1");
    let cancel = next_task(&la).await;
    assert_eq!(cancel.task_token, first.task_token);
    let Some(Variant::Cancel(c)) = cancel.variant else {
        panic!("a cancel task")
    };
    assert_eq!(c.reason, ActivityCancelReason::Cancelled as i32);
    assert_eq!(
        la.running_count(),
        2,
        "the worker still holds the cancelled attempt; the other run waits"
    );
    la.complete(&first.task_token, failed("cancelled"))
        .expect("known token");
    assert!(rx.try_recv().is_err(), "results of an evicted run are ignored");
    // The slot went to the other run's activity; r1's queued one was dropped.
    let next = next_task(&la).await;
    let Some(Variant::Start(s)) = &next.variant else {
        panic!("a start task")
    };
    assert_eq!(s.workflow_execution.as_ref().map(|e| e.run_id.as_str()), Some("other"));
    la.complete(&next.task_token, completed()).expect("known token");
    assert_eq!(resolution(&mut rx).await.run_id, "other");
    assert_eq!(la.running_count(), 0);
    // The run comes back and schedules its activity again: a new attempt runs.
    la.start(ctx("r1"), request(1, None));
    let again = next_task(&la).await;
    assert_ne!(again.task_token, first.task_token);
    assert!(matches!(again.variant, Some(Variant::Start(_))));
}

#[tokio::test]
async fn a_retry_backing_off_is_dropped_when_its_run_is_evicted() {
    let (la, mut rx) = manager(10);
    la.start(ctx("r1"), request(1, None));
    let task = next_task(&la).await;
    la.complete(&task.task_token, failed("flaky")).expect("known token");
    assert_eq!(la.running_count(), 1, "attempt 2 waits out its backoff");
    la.abandon_run("r1");
    assert_eq!(la.running_count(), 0);
    no_task_within(&la, Duration::from_millis(450)).await;
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn cancelling_an_activity_during_its_retry_backoff_resolves_it_as_cancelled() {
    let (la, mut rx) = manager(10);
    la.start(ctx("r1"), request(1, None));
    let task = next_task(&la).await;
    la.complete(&task.task_token, failed("flaky")).expect("known token");
    la.cancel("r1", 1, true);
    let r = resolution(&mut rx).await;
    assert!(matches!(r.resolution.status, LocalActivityOutcome::Cancelled(_)));
    assert_eq!(r.resolution.attempt, 2);
    assert_eq!(la.running_count(), 0);
    no_task_within(&la, Duration::from_millis(450)).await;
}

#[tokio::test]
async fn an_abandoned_activity_is_forgotten_once_the_worker_completes_it() {
    let (la, mut rx) = manager(10);
    la.start(ctx("r1"), request(1, None));
    let task = next_task(&la).await;
    la.cancel("r1", 1, false);
    assert!(matches!(next_task(&la).await.variant, Some(Variant::Cancel(_))));
    assert_eq!(la.running_count(), 1);
    la.complete(&task.task_token, completed()).expect("known token");
    assert_eq!(la.running_count(), 0, "nothing left to wait for at shutdown");
    assert!(rx.try_recv().is_err(), "the workflow was already told");
}

#[tokio::test]
async fn attempts_are_counted_in_the_local_activity_metrics() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let metrics = Arc::new(Metrics::default());
    let la = LocalActivities::new(10, tx, Some(metrics.clone()));
    let mut req = request(1, None);
    req.cmd.retry_policy = Some(RetryPolicy {
        initial_interval: ms(1),
        backoff_coefficient: 1.0,
        ..Default::default()
    });
    la.start(ctx("r1"), req);
    let first = next_task(&la).await;
    la.complete(&first.task_token, failed("flaky")).expect("known token");
    let second = next_task(&la).await;
    la.complete(&second.task_token, completed()).expect("known token");
    assert!(matches!(
        resolution(&mut rx).await.resolution.status,
        LocalActivityOutcome::Completed(_)
    ));
    let snapshot = metrics.snapshot();
    let point = |name: &str| {
        snapshot
            .iter()
            .find(|p| p.name == format!("temporal_{name}"))
            .map(|p| (p.value, p.count))
    };
    assert_eq!(point("local_activity_total"), Some((2.0, 0)), "two attempts ran");
    assert_eq!(point("local_activity_execution_failed"), Some((1.0, 0)));
    assert_eq!(point("local_activity_execution_latency").map(|p| p.1), Some(2));
    assert_eq!(point("local_activity_succeed_endtoend_latency").map(|p| p.1), Some(1));
    assert_eq!(point("local_activity_execution_cancelled"), None);
    let labels = &snapshot
        .iter()
        .find(|p| p.name == "temporal_local_activity_total")
        .expect("series")
        .labels;
    assert!(labels.contains(&("activity_type".to_string(), "la".to_string())));
}

#[tokio::test]
async fn the_slot_is_released_when_an_attempt_completes() {
    let (la, mut rx) = manager(1);
    la.start(ctx("r1"), request(1, None));
    let a = next_task(&la).await;
    la.complete(&a.task_token, completed()).expect("known token");
    resolution(&mut rx).await;
    la.start(ctx("r1"), request(2, None));
    let b = next_task(&la).await;
    assert_ne!(a.task_token, b.task_token, "the second activity got the only slot");
}

fn app_failure(non_retryable: bool, ty: &str) -> Failure {
    Failure {
        message: "x".into(),
        failure_info: Some(FailureInfo::ApplicationFailureInfo(ApplicationFailureInfo {
            non_retryable,
            r#type: ty.into(),
            ..Default::default()
        })),
        ..Default::default()
    }
}

#[test]
fn backoff_follows_the_retry_policy() {
    let policy = RetryPolicy {
        initial_interval: Some(prost_types::Duration { seconds: 1, nanos: 0 }),
        backoff_coefficient: 2.0,
        maximum_interval: Some(prost_types::Duration { seconds: 5, nanos: 0 }),
        maximum_attempts: 4,
        non_retryable_error_types: vec!["Fatal".into()],
    };
    let f = app_failure(false, "Boom");
    assert_eq!(next_backoff(&policy, 1, &f), Some(Duration::from_secs(1)));
    assert_eq!(next_backoff(&policy, 2, &f), Some(Duration::from_secs(2)));
    assert_eq!(next_backoff(&policy, 3, &f), Some(Duration::from_secs(4)));
    assert_eq!(next_backoff(&policy, 4, &f), None, "max attempts reached");
    assert_eq!(
        next_backoff(&policy, 1, &app_failure(true, "Boom")),
        None,
        "non-retryable failure"
    );
    assert_eq!(
        next_backoff(&policy, 1, &app_failure(false, "Fatal")),
        None,
        "non-retryable type"
    );
    let unlimited = RetryPolicy::default();
    assert_eq!(
        next_backoff(&unlimited, 30, &f),
        Some(Duration::from_secs(100)),
        "capped at 100x initial"
    );
}
