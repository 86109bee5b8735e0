use super::*;
use crate::workflow::machines::local_activity::{LocalActivityOutcome, LocalActivityResolution};
use crate::workflow::run::{RunConfig, RunMachines};
use lang::ActivityCancellationType as CancelType;

scenarios![
    (
        "a live local activity resolves, moves time and records a marker",
        live_resolution,
    ),
    (
        "replay pre-resolves a local activity from its marker",
        replay_pre_resolved,
    ),
    (
        "a marker found later resolves a waiting local activity",
        replay_marker_later,
    ),
    (
        "a live task runs a local activity whose marker never came",
        live_task_runs_waiting_activity,
    ),
    ("try-cancel resolves at once and ignores the late result", try_cancel),
    ("wait-cancellation waits for the activity's result", wait_cancel),
    ("a long retry backoff goes back to the workflow", backoff),
];

fn schedule(seq: u32, cancel: CancelType) -> LangCommand {
    LangCommand::ScheduleLocalActivity(lang::ScheduleLocalActivity {
        seq,
        activity_id: seq.to_string(),
        activity_type: "quick".into(),
        attempt: 1,
        start_to_close_timeout: Some(prost_types::Duration { seconds: 5, nanos: 0 }),
        cancellation_type: cancel as i32,
        ..Default::default()
    })
}

fn cmd(v: LangCommand) -> WorkflowCommand {
    WorkflowCommand {
        variant: Some(v),
        user_metadata: None,
    }
}

fn live_run() -> RunMachines {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_wft_scheduled();
    let started = h.add_wft_started();
    let mut run = RunMachines::new(
        "run-1",
        RunConfig {
            namespace: "default".into(),
            task_queue: "tq".into(),
            replay_mode: false,
            sdk_metadata_supported: true,
            own_version: None,
        },
    );
    run.feed_history(h.events(), started).expect("history");
    run.next_activation().expect("activation").expect("init");
    run
}

fn resolution(seq: u32, status: LocalActivityOutcome) -> LocalActivityResolution {
    LocalActivityResolution {
        seq,
        status,
        attempt: 1,
        original_schedule_time: None,
        runtime: std::time::Duration::from_millis(1500),
    }
}

fn live_resolution() {
    let mut run = live_run();
    let before = run.time().expect("time");
    run.apply_completion(vec![cmd(schedule(1, CancelType::WaitCancellationCompleted))], &[])
        .expect("apply");
    assert_eq!(run.take_local_activity_requests().len(), 1);
    assert!(run.has_unresolved_local_activities());
    assert!(
        run.next_activation().expect("ok").is_none(),
        "nothing to do until the activity resolves"
    );
    run.resolve_local_activity(&resolution(1, LocalActivityOutcome::Completed(Some(payload("ok")))))
        .expect("resolve");
    let a = run.next_activation().expect("ok").expect("activation");
    let Some(Job::ResolveActivity(r)) = &a.jobs[0].variant else {
        panic!("resolve job")
    };
    assert!(r.is_local);
    let after = a.timestamp.expect("time");
    assert_eq!(
        (after.seconds - before.seconds) * 1000 + (after.nanos - before.nanos) as i64 / 1_000_000,
        1500
    );
    run.apply_completion(vec![cmd(complete("done"))], &[]).expect("apply");
    let sent = run.take_commands_to_send();
    let Some(CommandAttrs::RecordMarkerCommandAttributes(m)) = &sent[0].attributes else {
        panic!("marker first")
    };
    assert_eq!(m.marker_name, "core_local_activity");
    let data: serde_json::Value = serde_json::from_slice(&m.details["data"].payloads[0].data).expect("json");
    assert_eq!(data["seq"], 1);
    assert_eq!(data["activity_type"], "quick");
    assert_eq!(data["attempt"], 1);
    assert!(data["complete_time"]["seconds"].is_i64());
    assert!(m.details.contains_key("result"));
    // The recorded marker matches the live command; a later cancel is ignored.
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_full_wft();
    h.add_local_activity_marker(1, "quick", Some(payload("ok")), None);
    let t = h.add_timer_started(7);
    h.add_timer_fired(t, 7);
    h.add_wft_scheduled();
    let last = h.add_wft_started();
    let mut run2 = live_run();
    run2.apply_completion(vec![cmd(schedule(1, CancelType::WaitCancellationCompleted))], &[])
        .expect("apply");
    run2.resolve_local_activity(&resolution(1, LocalActivityOutcome::Completed(Some(payload("ok")))))
        .expect("resolve");
    run2.next_activation().expect("ok").expect("resolution");
    run2.apply_completion(vec![cmd(start_timer(7))], &[]).expect("apply");
    assert_eq!(run2.take_commands_to_send().len(), 2);
    run2.feed_history(h.events(), last).expect("feed");
    let fired = run2.next_activation().expect("marker matches").expect("timer fired");
    assert_eq!(fired.jobs.len(), 1);
    run2.apply_completion(vec![cmd(cancel_la(1)), cmd(complete("done"))], &[])
        .expect("late cancel ignored");
}

fn replay_pre_resolved() {
    let mut h = started_history();
    h.add_local_activity_marker(1, "quick", Some(payload("ok")), None);
    h.add_workflow_execution_completed();
    run_scenario(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule(1, CancelType::WaitCancellationCompleted)],
            ),
            step(
                &["ResolveActivity"],
                vec![schedule(1, CancelType::WaitCancellationCompleted), complete("done")],
            ),
        ],
        Mode::FullReplay,
    )
    .expect("replay");
}

fn replay_marker_later() {
    let mut h = started_history();
    let t = h.add_timer_started(2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_local_activity_marker(
        1,
        "quick",
        None,
        Some(Failure {
            message: "la failed".into(),
            ..Default::default()
        }),
    );
    h.add_workflow_execution_completed();
    let out = run_scenario(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule(1, CancelType::WaitCancellationCompleted), start_timer(2)],
            ),
            step(&["FireTimer", "ResolveActivity"], vec![cancel_la(1), complete("done")]),
        ],
        Mode::FullReplay,
    )
    .expect("replay");
    let Some(Job::ResolveActivity(r)) = &out.activations[1].jobs[1].variant else {
        panic!("resolve")
    };
    assert!(matches!(
        r.result.as_ref().and_then(|r| r.status.as_ref()),
        Some(kactivity::activity_resolution::Status::Failed(_))
    ));
}

fn cancel_la(seq: u32) -> LangCommand {
    LangCommand::RequestCancelLocalActivity(lang::RequestCancelLocalActivity { seq })
}

fn live_task_runs_waiting_activity() {
    let mut h = started_history();
    let t = h.add_timer_started(2);
    h.add_timer_fired(t, 2);
    h.add_wft_scheduled();
    let last = h.add_wft_started();
    let mut run = RunMachines::new(
        "run-1",
        RunConfig {
            namespace: "default".into(),
            task_queue: "tq".into(),
            replay_mode: false,
            sdk_metadata_supported: true,
            own_version: None,
        },
    );
    run.feed_history(h.events(), last).expect("history");
    let a = run.next_activation().expect("ok").expect("init");
    assert!(a.is_replaying);
    run.apply_completion(
        vec![
            cmd(schedule(1, CancelType::WaitCancellationCompleted)),
            cmd(cancel_la(1)),
            cmd(start_timer(2)),
        ],
        &[],
    )
    .expect("apply");
    assert!(
        run.take_local_activity_requests().is_empty(),
        "nothing runs while replaying"
    );
    let b = run.next_activation().expect("ok").expect("timer");
    assert!(!b.is_replaying);
    assert_eq!(
        run.take_local_activity_requests().len(),
        1,
        "the live task runs the activity"
    );
}

fn try_cancel() {
    let mut run = live_run();
    run.apply_completion(
        vec![
            cmd(schedule(1, CancelType::TryCancel)),
            cmd(cancel_la(1)),
            cmd(cancel_la(1)),
        ],
        &[],
    )
    .expect("apply");
    assert_eq!(
        run.take_local_activity_cancels(),
        vec![(1, false)],
        "a second cancel is ignored"
    );
    let a = run.next_activation().expect("ok").expect("resolution");
    let Some(Job::ResolveActivity(r)) = &a.jobs[0].variant else {
        panic!("resolve")
    };
    assert!(matches!(
        r.result.as_ref().and_then(|r| r.status.as_ref()),
        Some(kactivity::activity_resolution::Status::Cancelled(_))
    ));
    run.resolve_local_activity(&resolution(1, LocalActivityOutcome::Completed(None)))
        .expect("late result is ignored");
    run.apply_completion(vec![cmd(complete("done"))], &[]).expect("apply");
    assert!(run.next_activation().expect("ok").is_none());
    let sent = run.take_commands_to_send();
    assert_eq!(sent.len(), 2, "marker and completion");
    // The marker comes back in history and is matched.
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_full_wft();
    h.add_local_activity_marker(1, "quick", None, None);
    let events: Vec<_> = h.events().into_iter().filter(|e| e.event_id >= 4).collect();
    run.feed_history(events, 3).expect("feed");
    assert!(run.next_activation().expect("marker matched").is_none());
}

fn wait_cancel() {
    let mut run = live_run();
    run.apply_completion(
        vec![
            cmd(schedule(1, CancelType::WaitCancellationCompleted)),
            cmd(cancel_la(1)),
        ],
        &[],
    )
    .expect("apply");
    assert_eq!(run.take_local_activity_cancels(), vec![(1, true)]);
    assert!(run.next_activation().expect("ok").is_none(), "waits for the activity");
    run.resolve_local_activity(&resolution(1, LocalActivityOutcome::Cancelled(Failure::default())))
        .expect("resolve");
    let a = run.next_activation().expect("ok").expect("resolution");
    assert_eq!(a.jobs.len(), 1);
    run.apply_completion(vec![cmd(cancel_la(1)), cmd(complete("done"))], &[])
        .expect("apply");
}

fn backoff() {
    let mut run = live_run();
    run.apply_completion(vec![cmd(schedule(1, CancelType::WaitCancellationCompleted))], &[])
        .expect("apply");
    let backoff = prost_types::Duration { seconds: 120, nanos: 0 };
    let mut r = resolution(
        1,
        LocalActivityOutcome::Backoff {
            failure: Failure::default(),
            next_attempt: 5,
            backoff,
        },
    );
    r.original_schedule_time = Some(prost_types::Timestamp { seconds: 42, nanos: 0 });
    run.resolve_local_activity(&r).expect("resolve");
    let a = run.next_activation().expect("ok").expect("resolution");
    let Some(Job::ResolveActivity(res)) = &a.jobs[0].variant else {
        panic!("resolve")
    };
    let Some(kactivity::activity_resolution::Status::Backoff(b)) = res.result.as_ref().and_then(|r| r.status.as_ref())
    else {
        panic!("backoff")
    };
    assert_eq!(b.attempt, 5);
    assert_eq!(b.backoff_duration, Some(backoff));
    assert_eq!(b.original_schedule_time.map(|t| t.seconds), Some(42));
    run.apply_completion(vec![cmd(start_timer(9))], &[]).expect("apply");
    let sent = run.take_commands_to_send();
    let Some(CommandAttrs::RecordMarkerCommandAttributes(m)) = &sent[0].attributes else {
        panic!("marker")
    };
    let data: serde_json::Value = serde_json::from_slice(&m.details["data"].payloads[0].data).expect("json");
    assert_eq!(data["backoff"]["seconds"], 120);
    assert!(m.failure.is_some());
}
