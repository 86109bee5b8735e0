use super::*;
use crate::errors::WorkflowError;
use lang::ChildWorkflowCancellationType as CancelType;

scenarios![
    ("child starts and every outcome resolves", outcomes),
    ("child start fails", start_fails),
    ("child cancelled before start was sent", cancel_unsent),
    ("try-cancel resolves at once and asks the server", try_cancel),
    ("abandon resolves at once and tells nobody", abandon),
    (
        "wait-cancellation-requested resolves when the request is delivered",
        wait_requested,
    ),
    (
        "cancel after initiation but before the child started",
        cancel_before_started,
    ),
    ("child id mismatch is non-determinism", id_mismatch),
];

fn start_child(seq: u32, cancel: CancelType) -> LangCommand {
    LangCommand::StartChildWorkflowExecution(lang::StartChildWorkflowExecution {
        seq,
        workflow_id: "child".into(),
        workflow_type: "kid".into(),
        cancellation_type: cancel as i32,
        ..Default::default()
    })
}

fn cancel_child(seq: u32) -> LangCommand {
    LangCommand::CancelChildWorkflowExecution(lang::CancelChildWorkflowExecution {
        child_workflow_seq: seq,
        reason: "stop".into(),
    })
}

fn outcomes() {
    for kind in 0..5u8 {
        let mut h = started_history();
        let i = h.add_child_initiated("child", "kid");
        let s = h.add_child_started(i);
        h.add_full_wft();
        h.add_child_outcome(i, s, kind);
        h.add_full_wft();
        h.add_workflow_execution_completed();
        let out = run_all_modes(
            &h,
            &[
                step(&["InitializeWorkflow"], vec![start_child(1, CancelType::Abandon)]),
                step(&["ResolveChildWorkflowExecutionStart"], vec![]),
                step(
                    &["ResolveChildWorkflowExecution"],
                    vec![cancel_child(1), complete("done")],
                ),
            ],
        );
        let Some(Job::ResolveChildWorkflowExecutionStart(start)) = &out.activations[1].jobs[0].variant else {
            panic!("start job")
        };
        assert!(
            matches!(&start.status, Some(activation::resolve_child_workflow_execution_start::Status::Succeeded(s)) if s.run_id == "child-run")
        );
        let Some(Job::ResolveChildWorkflowExecution(done)) = &out.activations[2].jobs[0].variant else {
            panic!("result job")
        };
        use activation::child_workflow_result::Status;
        let status = done.result.as_ref().and_then(|r| r.status.as_ref());
        match kind {
            0 => assert!(matches!(status, Some(Status::Completed(_)))),
            2 => assert!(matches!(status, Some(Status::Cancelled(_)))),
            _ => assert!(matches!(status, Some(Status::Failed(_)))),
        }
    }
}

fn start_fails() {
    let mut h = started_history();
    let i = h.add_child_initiated("child", "kid");
    h.add_child_start_failed(i);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![start_child(1, CancelType::Abandon)]),
            step(
                &["ResolveChildWorkflowExecutionStart"],
                vec![cancel_child(1), complete("done")],
            ),
        ],
    );
}

fn cancel_unsent() {
    let mut h = started_history();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![start_child(1, CancelType::TryCancel), cancel_child(1)],
            ),
            step(
                &["ResolveChildWorkflowExecutionStart"],
                vec![cancel_child(1), complete("done")],
            ),
        ],
    );
    assert_eq!(out.sent[0].len(), 1, "only the completion is sent");
}

fn try_cancel() {
    let mut h = started_history();
    let i = h.add_child_initiated("child", "kid");
    let s = h.add_child_started(i);
    h.add_full_wft();
    let c = h.add_cancel_external_initiated();
    let t = h.add_timer_started(2);
    h.add_external_cancel_requested(c);
    h.add_child_outcome(i, s, 2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![start_child(1, CancelType::TryCancel)]),
            step(
                &["ResolveChildWorkflowExecutionStart"],
                vec![cancel_child(1), cancel_child(1)],
            ),
            step(&["ResolveChildWorkflowExecution"], vec![start_timer(2)]),
            step(&["FireTimer"], vec![complete("done")]),
        ],
    );
    let Some(CommandAttrs::RequestCancelExternalWorkflowExecutionCommandAttributes(a)) = &out.sent[1][0].attributes
    else {
        panic!("expected a cancel request for the child, got {:?}", out.sent[1])
    };
    assert!(a.child_workflow_only);
    assert_eq!(a.workflow_id, "child");
}

fn abandon() {
    let mut h = started_history();
    let i = h.add_child_initiated("child", "kid");
    let s = h.add_child_started(i);
    h.add_full_wft();
    let t = h.add_timer_started(2);
    h.add_child_outcome(i, s, 0);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![start_child(1, CancelType::Abandon)]),
            step(&["ResolveChildWorkflowExecutionStart"], vec![cancel_child(1)]),
            step(&["ResolveChildWorkflowExecution"], vec![start_timer(2)]),
            step(&["FireTimer"], vec![complete("done")]),
        ],
    );
}

fn wait_requested() {
    let mut h = started_history();
    let i = h.add_child_initiated("child", "kid");
    let s = h.add_child_started(i);
    h.add_full_wft();
    let c = h.add_cancel_external_initiated();
    h.add_external_cancel_requested(c);
    h.add_full_wft();
    let t = h.add_timer_started(2);
    h.add_child_outcome(i, s, 2);
    h.add_timer_fired(t, 2);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![start_child(1, CancelType::WaitCancellationRequested)],
            ),
            step(&["ResolveChildWorkflowExecutionStart"], vec![cancel_child(1)]),
            step(&["ResolveChildWorkflowExecution"], vec![start_timer(2)]),
            step(&["FireTimer"], vec![complete("done")]),
        ],
    );
}

fn cancel_before_started() {
    let mut h = started_history();
    let i = h.add_child_initiated("child", "kid");
    let t = h.add_timer_started(5);
    h.add_timer_fired(t, 5);
    h.add_full_wft();
    let c = h.add_cancel_external_initiated();
    h.add_external_cancel_requested(c);
    let s = h.add_child_started(i);
    h.add_full_wft();
    h.add_child_outcome(i, s, 2);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![start_child(1, CancelType::WaitCancellationCompleted), start_timer(5)],
            ),
            step(&["FireTimer"], vec![cancel_child(1)]),
            step(&["ResolveChildWorkflowExecutionStart"], vec![]),
            step(&["ResolveChildWorkflowExecution"], vec![complete("done")]),
        ],
    );
}

fn id_mismatch() {
    let mut h = started_history();
    h.add_child_initiated("someone-else", "kid");
    h.add_full_wft();
    let err = run_scenario(
        &h,
        &[step(&["InitializeWorkflow"], vec![start_child(1, CancelType::Abandon)])],
        Mode::FullReplay,
    )
    .expect_err("mismatch");
    assert!(
        matches!(&err, WorkflowError::Nondeterminism(m) if m.contains("someone-else") && m.contains("history event 5")),
        "{err}"
    );
}
