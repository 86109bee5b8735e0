use super::*;

scenarios![
    ("signal external is delivered or fails", signal_outcomes),
    ("signal cancelled before it was sent", signal_cancel_unsent),
    ("cancel external is delivered or fails", cancel_outcomes),
];

fn signal(seq: u32) -> LangCommand {
    LangCommand::SignalExternalWorkflowExecution(lang::SignalExternalWorkflowExecution {
        seq,
        target: Some(lang::signal_external_workflow_execution::Target::WorkflowExecution(
            kcommon::NamespacedWorkflowExecution {
                namespace: "default".into(),
                workflow_id: "other".into(),
                run_id: String::new(),
            },
        )),
        signal_name: "poke".into(),
        ..Default::default()
    })
}

fn cancel_signal(seq: u32) -> LangCommand {
    LangCommand::CancelSignalWorkflow(lang::CancelSignalWorkflow { seq })
}

fn signal_outcomes() {
    for fail in [false, true] {
        let mut h = started_history();
        let i = h.add_signal_external_initiated();
        h.add_full_wft();
        if fail {
            h.add_signal_external_failed(i);
        } else {
            h.add_external_signaled(i);
        }
        h.add_full_wft();
        h.add_workflow_execution_completed();
        let out = run_all_modes(
            &h,
            &[
                step(&["InitializeWorkflow"], vec![signal(1)]),
                step(
                    &["ResolveSignalExternalWorkflow"],
                    vec![cancel_signal(1), complete("done")],
                ),
            ],
        );
        let Some(Job::ResolveSignalExternalWorkflow(r)) = &out.activations[1].jobs[0].variant else {
            panic!("job")
        };
        assert_eq!(r.failure.is_some(), fail);
    }
    // A cancel after the signal was initiated has no effect.
    let mut h = started_history();
    let i = h.add_signal_external_initiated();
    h.add_full_wft_after_signal();
    h.add_external_signaled(i);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![signal(1)]),
            step(&["SignalWorkflow"], vec![cancel_signal(1)]),
            step(&["ResolveSignalExternalWorkflow"], vec![complete("done")]),
        ],
    );
}

fn signal_cancel_unsent() {
    let mut h = started_history();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![signal(1), cancel_signal(1)]),
            step(
                &["ResolveSignalExternalWorkflow"],
                vec![cancel_signal(1), complete("done")],
            ),
        ],
    );
    let Some(Job::ResolveSignalExternalWorkflow(r)) = &out.activations[1].jobs[0].variant else {
        panic!("job")
    };
    assert!(r.failure.is_some(), "resolves with a cancelled failure");
}

fn cancel_outcomes() {
    for fail in [false, true] {
        let mut h = started_history();
        let i = h.add_cancel_external_initiated();
        h.add_full_wft();
        if fail {
            h.add_cancel_external_failed(i);
        } else {
            h.add_external_cancel_requested(i);
        }
        h.add_full_wft();
        h.add_workflow_execution_completed();
        let out = run_all_modes(
            &h,
            &[
                step(
                    &["InitializeWorkflow"],
                    vec![LangCommand::RequestCancelExternalWorkflowExecution(
                        lang::RequestCancelExternalWorkflowExecution {
                            seq: 1,
                            workflow_execution: Some(kcommon::NamespacedWorkflowExecution {
                                namespace: "default".into(),
                                workflow_id: "other".into(),
                                run_id: String::new(),
                            }),
                            reason: "why not".into(),
                        },
                    )],
                ),
                step(&["ResolveRequestCancelExternalWorkflow"], vec![complete("done")]),
            ],
        );
        let Some(Job::ResolveRequestCancelExternalWorkflow(r)) = &out.activations[1].jobs[0].variant else {
            panic!("job")
        };
        assert_eq!(r.failure.is_some(), fail);
    }
}
