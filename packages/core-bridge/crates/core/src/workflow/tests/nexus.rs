use super::*;
use lang::NexusOperationCancellationType as CancelType;

scenarios![
    ("an async operation starts, then every outcome resolves", async_outcomes),
    ("a sync operation resolves start and result together", sync_completion),
    (
        "a failure before start resolves the start as failed",
        failed_before_start,
    ),
    ("cancel before the command was sent", cancel_unsent),
    ("try-cancel resolves at once and asks the handler", try_cancel),
    ("abandon resolves at once", abandon),
    (
        "wait-cancellation-requested resolves when the request is delivered",
        wait_requested,
    ),
    ("wait-cancellation-completed resolves with the outcome", wait_completed),
    (
        "a failure the server wrapped reaches the workflow as written, a bare one is wrapped",
        failure_wrapping,
    ),
];

fn schedule(seq: u32, cancel: CancelType) -> LangCommand {
    LangCommand::ScheduleNexusOperation(lang::ScheduleNexusOperation {
        seq,
        endpoint: "ep".into(),
        service: "svc".into(),
        operation: "op".into(),
        input: Some(payload("in")),
        cancellation_type: cancel as i32,
        ..Default::default()
    })
}

fn cancel(seq: u32) -> LangCommand {
    LangCommand::RequestCancelNexusOperation(lang::RequestCancelNexusOperation { seq })
}

fn async_outcomes() {
    for kind in 0..4u8 {
        let mut h = started_history();
        let s = h.add_nexus_scheduled();
        h.add_nexus_started(s);
        h.add_full_wft();
        h.add_nexus_outcome(s, kind);
        h.add_full_wft();
        h.add_workflow_execution_completed();
        let out = run_all_modes(
            &h,
            &[
                step(
                    &["InitializeWorkflow"],
                    vec![schedule(1, CancelType::WaitCancellationCompleted)],
                ),
                step(&["ResolveNexusOperationStart"], vec![]),
                step(&["ResolveNexusOperation"], vec![cancel(1), complete("done")]),
            ],
        );
        let Some(Job::ResolveNexusOperationStart(st)) = &out.activations[1].jobs[0].variant else {
            panic!("start")
        };
        assert!(
            matches!(&st.status, Some(activation::resolve_nexus_operation_start::Status::OperationToken(t)) if t == "token-1")
        );
    }
}

fn sync_completion() {
    let mut h = started_history();
    let s = h.add_nexus_scheduled();
    h.add_nexus_outcome(s, 0);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule(1, CancelType::WaitCancellationCompleted)],
            ),
            step(
                &["ResolveNexusOperationStart", "ResolveNexusOperation"],
                vec![complete("done")],
            ),
        ],
    );
}

fn failed_before_start() {
    for kind in 1..4u8 {
        let mut h = started_history();
        let s = h.add_nexus_scheduled();
        h.add_nexus_outcome(s, kind);
        h.add_full_wft();
        h.add_workflow_execution_completed();
        run_all_modes(
            &h,
            &[
                step(
                    &["InitializeWorkflow"],
                    vec![schedule(1, CancelType::WaitCancellationCompleted)],
                ),
                step(&["ResolveNexusOperationStart"], vec![complete("done")]),
            ],
        );
    }
}

fn cancel_unsent() {
    let mut h = started_history();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule(1, CancelType::WaitCancellationCompleted), cancel(1)],
            ),
            step(&["ResolveNexusOperationStart"], vec![cancel(1), complete("done")]),
        ],
    );
}

fn try_cancel() {
    let mut h = started_history();
    let s = h.add_nexus_scheduled();
    h.add_nexus_started(s);
    h.add_full_wft();
    h.add_nexus_cancel_requested(s);
    let t = h.add_timer_started(2);
    h.add_nexus_outcome(s, 2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![schedule(1, CancelType::TryCancel)]),
            step(&["ResolveNexusOperationStart"], vec![cancel(1), cancel(1)]),
            step(&["ResolveNexusOperation"], vec![start_timer(2)]),
            step(&["FireTimer"], vec![cancel(1), complete("done")]),
        ],
    );
}

fn abandon() {
    for (started, outcome) in [(false, 0u8), (true, 0), (true, 1), (true, 2), (true, 3)] {
        let mut h = started_history();
        let s = h.add_nexus_scheduled();
        if started {
            h.add_nexus_started(s);
        }
        h.add_full_wft_after_signal();
        let t = h.add_timer_started(2);
        if !started {
            h.add_nexus_started(s);
        }
        h.add_nexus_outcome(s, outcome);
        h.add_timer_fired(t, 2);
        h.add_full_wft();
        h.add_workflow_execution_completed();
        let expect_first = if started {
            vec!["SignalWorkflow", "ResolveNexusOperationStart"]
        } else {
            vec!["SignalWorkflow"]
        };
        let resolved = if started {
            "ResolveNexusOperation"
        } else {
            "ResolveNexusOperationStart"
        };
        run_all_modes(
            &h,
            &[
                step(&["InitializeWorkflow"], vec![schedule(1, CancelType::Abandon)]),
                Step {
                    expect: expect_first,
                    reply: vec![WorkflowCommand {
                        variant: Some(cancel(1)),
                        user_metadata: None,
                    }],
                },
                step(&[resolved], vec![start_timer(2)]),
                step(&["FireTimer"], vec![cancel(1), complete("done")]),
            ],
        );
    }
}

fn wait_requested() {
    for failed in [false, true] {
        let mut h = started_history();
        let s = h.add_nexus_scheduled();
        h.add_nexus_started(s);
        h.add_full_wft();
        let r = h.add_nexus_cancel_requested(s);
        h.add_nexus_cancel_request_done(s, r, failed);
        h.add_full_wft();
        h.add_workflow_execution_completed();
        run_all_modes(
            &h,
            &[
                step(
                    &["InitializeWorkflow"],
                    vec![schedule(1, CancelType::WaitCancellationRequested)],
                ),
                step(&["ResolveNexusOperationStart"], vec![cancel(1)]),
                step(&["ResolveNexusOperation"], vec![cancel(1), complete("done")]),
            ],
        );
    }
}

fn wait_completed() {
    for kind in 0..4u8 {
        wait_completed_with(kind);
    }
}

fn wait_completed_with(kind: u8) {
    let mut h = started_history();
    let s = h.add_nexus_scheduled();
    let t = h.add_timer_started(2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_nexus_cancel_requested(s);
    h.add_nexus_started(s);
    h.add_full_wft();
    h.add_nexus_outcome(s, kind);
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
            step(&["ResolveNexusOperationStart"], vec![cancel(1)]),
            step(&["ResolveNexusOperation"], vec![complete("done")]),
        ],
    );
}

/// The server writes outcome failures already wrapped in a Nexus operation failure; wrapping them again
/// would show the workflow two `NexusOperationFailure`s in a row.
fn failure_wrapping() {
    let server_wrapped = Failure {
        message: "nexus operation completed unsuccessfully".into(),
        cause: Some(Box::new(Failure {
            message: "handler said no".into(),
            ..Default::default()
        })),
        failure_info: Some(failure::failure::FailureInfo::NexusOperationExecutionFailureInfo(
            failure::NexusOperationFailureInfo {
                scheduled_event_id: 5,
                endpoint: "ep".into(),
                service: "svc".into(),
                operation: "op".into(),
                ..Default::default()
            },
        )),
        ..Default::default()
    };
    let bare = Failure {
        message: "bare".into(),
        ..Default::default()
    };
    for (written, wrapped_here) in [(server_wrapped.clone(), false), (bare.clone(), true)] {
        let mut h = started_history();
        let s = h.add_nexus_scheduled();
        h.add(
            EventType::NexusOperationFailed,
            EventAttrs::NexusOperationFailedEventAttributes(history::NexusOperationFailedEventAttributes {
                scheduled_event_id: s,
                failure: Some(written.clone()),
                ..Default::default()
            }),
        );
        h.add_full_wft();
        h.add_workflow_execution_completed();
        let out = run_all_modes(
            &h,
            &[
                step(
                    &["InitializeWorkflow"],
                    vec![schedule(1, CancelType::WaitCancellationCompleted)],
                ),
                step(&["ResolveNexusOperationStart"], vec![complete("done")]),
            ],
        );
        let Some(Job::ResolveNexusOperationStart(st)) = &out.activations[1].jobs[0].variant else {
            panic!("start")
        };
        let Some(activation::resolve_nexus_operation_start::Status::Failed(seen)) = &st.status else {
            panic!("failed start")
        };
        if wrapped_here {
            assert_eq!(seen.message, "nexus operation completed unsuccessfully");
            assert_eq!(seen.cause.as_deref(), Some(&bare));
            assert!(matches!(
                seen.failure_info,
                Some(failure::failure::FailureInfo::NexusOperationExecutionFailureInfo(_))
            ));
        } else {
            assert_eq!(seen, &written, "passed on as the server wrote it");
        }
    }
}
