use super::*;
use crate::errors::WorkflowError;
use lang::ActivityCancellationType as CancelType;

scenarios![
    ("activity completes", completes),
    ("activity fails", fails),
    ("activity times out after starting", times_out_after_start),
    ("activity times out before starting", times_out_before_start),
    ("try-cancel resolves at once", try_cancel),
    (
        "wait-cancellation waits for the canceled event",
        wait_cancellation_completed,
    ),
    (
        "wait-cancellation delivers a completion that raced the cancel",
        wait_cancel_then_completed,
    ),
    ("abandon ignores later events", abandon),
    ("cancel before the command was sent", cancel_unsent),
    ("activity type mismatch is non-determinism", type_mismatch),
    ("abandon after the activity started", abandon_started),
    (
        "wait-cancellation delivers failures and timeouts after the cancel request",
        wait_cancel_outcomes,
    ),
];

fn abandon_started() {
    let mut h = started_history();
    let s = h.add_activity_scheduled("1", "greet");
    let st = h.add_activity_started(s);
    let t = h.add_timer_started(2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    let t3 = h.add_timer_started(3);
    h.add_activity_completed(s, st, payload("late"));
    h.add_timer_fired(t3, 3);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule(1, CancelType::Abandon), start_timer(2)],
            ),
            step(&["FireTimer"], vec![cancel(1)]),
            step(&["ResolveActivity"], vec![start_timer(3)]),
            step(&["FireTimer"], vec![complete("done")]),
        ],
    );
}

fn wait_cancel_outcomes() {
    for (started, failed) in [(true, true), (true, false), (false, false)] {
        let mut h = started_history();
        let s = h.add_activity_scheduled("1", "greet");
        let st = if started { h.add_activity_started(s) } else { 0 };
        let t = h.add_timer_started(2);
        h.add_timer_fired(t, 2);
        h.add_full_wft();
        h.add_activity_cancel_requested(s);
        if failed {
            h.add_activity_failed(s, st, "boom");
        } else {
            h.add_activity_timed_out(s, st);
        }
        h.add_full_wft();
        h.add_workflow_execution_completed();
        run_all_modes(
            &h,
            &[
                step(
                    &["InitializeWorkflow"],
                    vec![schedule(1, CancelType::WaitCancellationCompleted), start_timer(2)],
                ),
                step(&["FireTimer"], vec![cancel(1)]),
                step(&["ResolveActivity"], vec![complete("done")]),
            ],
        );
    }
}

fn schedule(seq: u32, cancel: CancelType) -> LangCommand {
    LangCommand::ScheduleActivity(lang::ScheduleActivity {
        seq,
        activity_id: seq.to_string(),
        activity_type: "greet".into(),
        start_to_close_timeout: Some(prost_types::Duration { seconds: 10, nanos: 0 }),
        cancellation_type: cancel as i32,
        ..Default::default()
    })
}

fn cancel(seq: u32) -> LangCommand {
    LangCommand::RequestCancelActivity(lang::RequestCancelActivity { seq })
}

fn resolution(a: &WorkflowActivation) -> kactivity::activity_resolution::Status {
    a.jobs
        .iter()
        .find_map(|j| match &j.variant {
            Some(Job::ResolveActivity(r)) => r.result.clone().and_then(|r| r.status),
            _ => None,
        })
        .expect("a ResolveActivity job")
}

fn completes() {
    let mut h = started_history();
    let s = h.add_activity_scheduled("1", "greet");
    let st = h.add_activity_started(s);
    h.add_activity_completed(s, st, payload("hi"));
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![schedule(1, CancelType::TryCancel)]),
            step(&["ResolveActivity"], vec![cancel(1), complete("done")]),
        ],
    );
    let kactivity::activity_resolution::Status::Completed(c) = resolution(&out.activations[1]) else {
        panic!("expected completed")
    };
    assert_eq!(c.result, Some(payload("hi")));
    let Some(CommandAttrs::ScheduleActivityTaskCommandAttributes(a)) = &out.sent[0][0].attributes else {
        panic!("expected an activity command")
    };
    assert_eq!(a.task_queue.as_ref().map(|t| t.name.as_str()), Some("tq"));
}

fn fails() {
    let mut h = started_history();
    let s = h.add_activity_scheduled("1", "greet");
    let st = h.add_activity_started(s);
    h.add_activity_failed(s, st, "boom");
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![schedule(1, CancelType::TryCancel)]),
            step(&["ResolveActivity"], vec![cancel(1), complete("done")]),
        ],
    );
    let kactivity::activity_resolution::Status::Failed(f) = resolution(&out.activations[1]) else {
        panic!("expected failed")
    };
    let failure = f.failure.expect("failure");
    assert_eq!(failure.cause.expect("cause").message, "boom");
    assert!(
        matches!(failure.failure_info, Some(failure::failure::FailureInfo::ActivityFailureInfo(ref i)) if i.scheduled_event_id == s && i.started_event_id == st)
    );
}

fn times_out_after_start() {
    let mut h = started_history();
    let s = h.add_activity_scheduled("1", "greet");
    let st = h.add_activity_started(s);
    h.add_activity_timed_out(s, st);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![schedule(1, CancelType::TryCancel)]),
            step(&["ResolveActivity"], vec![cancel(1), complete("done")]),
        ],
    );
    assert!(matches!(
        resolution(&out.activations[1]),
        kactivity::activity_resolution::Status::Failed(_)
    ));
}

fn times_out_before_start() {
    let mut h = started_history();
    let s = h.add_activity_scheduled("1", "greet");
    h.add_activity_timed_out(s, 0);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![schedule(1, CancelType::TryCancel)]),
            step(&["ResolveActivity"], vec![complete("done")]),
        ],
    );
}

fn try_cancel() {
    let mut h = started_history();
    let s = h.add_activity_scheduled("1", "greet");
    let t = h.add_timer_started(2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_activity_cancel_requested(s);
    let t3 = h.add_timer_started(3);
    h.add_activity_canceled(s, 0);
    h.add_timer_fired(t3, 3);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule(1, CancelType::TryCancel), start_timer(2)],
            ),
            step(&["FireTimer"], vec![cancel(1), cancel(1), start_timer(3)]),
            step(&["ResolveActivity"], vec![]),
            step(&["FireTimer"], vec![complete("done")]),
        ],
    );
    let kactivity::activity_resolution::Status::Cancelled(c) = resolution(&out.activations[2]) else {
        panic!("expected cancelled")
    };
    let f = c.failure.expect("failure");
    assert!(matches!(
        f.cause.as_deref().and_then(|c| c.failure_info.as_ref()),
        Some(failure::failure::FailureInfo::CanceledFailureInfo(_))
    ));
}

fn wait_cancellation_completed() {
    let mut h = started_history();
    let s = h.add_activity_scheduled("1", "greet");
    let t = h.add_timer_started(2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_activity_cancel_requested(s);
    let st = h.add_activity_started(s);
    h.add_activity_canceled(s, st);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule(1, CancelType::WaitCancellationCompleted), start_timer(2)],
            ),
            step(&["FireTimer"], vec![cancel(1), cancel(1)]),
            step(&["ResolveActivity"], vec![cancel(1), complete("done")]),
        ],
    );
}

fn wait_cancel_then_completed() {
    let mut h = started_history();
    let s = h.add_activity_scheduled("1", "greet");
    let st = h.add_activity_started(s);
    let t = h.add_timer_started(2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_activity_cancel_requested(s);
    h.add_activity_completed(s, st, payload("late"));
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule(1, CancelType::WaitCancellationCompleted), start_timer(2)],
            ),
            step(&["FireTimer"], vec![cancel(1), cancel(1)]),
            step(&["ResolveActivity"], vec![complete("done")]),
        ],
    );
    assert!(matches!(
        resolution(&out.activations[2]),
        kactivity::activity_resolution::Status::Completed(_)
    ));
}

fn abandon() {
    for last in 0..5 {
        let mut h = started_history();
        let s = h.add_activity_scheduled("1", "greet");
        let t = h.add_timer_started(2);
        h.add_timer_fired(t, 2);
        h.add_full_wft();
        let t3 = h.add_timer_started(3);
        let st = h.add_activity_started(s);
        match last {
            0 => h.add_activity_completed(s, st, payload("x")),
            1 => h.add_activity_failed(s, st, "x"),
            2 => h.add_activity_timed_out(s, st),
            3 => h.add_activity_canceled(s, st),
            _ => st,
        };
        h.add_timer_fired(t3, 3);
        h.add_full_wft();
        h.add_workflow_execution_completed();
        run_all_modes(
            &h,
            &[
                step(
                    &["InitializeWorkflow"],
                    vec![schedule(1, CancelType::Abandon), start_timer(2)],
                ),
                step(&["FireTimer"], vec![cancel(1), start_timer(3)]),
                step(&["ResolveActivity"], vec![]),
                step(&["FireTimer"], vec![cancel(1), complete("done")]),
            ],
        );
    }
    // Abandon while only scheduled.
    let mut h = started_history();
    h.add_activity_scheduled("1", "greet");
    let t = h.add_timer_started(2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule(1, CancelType::Abandon), start_timer(2)],
            ),
            step(&["FireTimer"], vec![cancel(1)]),
            step(&["ResolveActivity"], vec![complete("done")]),
        ],
    );
}

fn cancel_unsent() {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_full_wft();
    let t = h.add_timer_started(2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![
                    schedule(1, CancelType::WaitCancellationCompleted),
                    cancel(1),
                    start_timer(2),
                ],
            ),
            step(&["ResolveActivity"], vec![]),
            step(&["FireTimer"], vec![cancel(1), complete("done")]),
        ],
    );
    // Cancelled-state cancels are ignored too.
    let mut h = started_history();
    let s = h.add_activity_scheduled("1", "greet");
    h.add_timer_started(2);
    h.add_full_wft_after_signal();
    h.add_activity_cancel_requested(s);
    let st = h.add_activity_started(s);
    h.add_activity_canceled(s, st);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule(1, CancelType::WaitCancellationCompleted), start_timer(2)],
            ),
            step(&["SignalWorkflow"], vec![cancel(1)]),
            step(&["ResolveActivity"], vec![cancel(1), complete("done")]),
        ],
    );
}

fn type_mismatch() {
    let mut h = started_history();
    let s = h.add_activity_scheduled("1", "other-type");
    let st = h.add_activity_started(s);
    h.add_activity_completed(s, st, payload("hi"));
    h.add_full_wft();
    let err = run_scenario(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![schedule(1, CancelType::TryCancel)]),
            step(&["ResolveActivity"], vec![]),
        ],
        Mode::FullReplay,
    )
    .expect_err("type mismatch");
    let WorkflowError::Nondeterminism(msg) = err else {
        panic!("expected NDE")
    };
    assert!(msg.contains("history event 5"), "{msg}");
    assert!(msg.contains("type other-type"), "{msg}");
    assert!(msg.contains("type greet"), "{msg}");
}
