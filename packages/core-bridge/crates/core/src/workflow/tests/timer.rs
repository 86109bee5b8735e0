use super::*;
use crate::errors::WorkflowError;

scenarios![
    ("single timer", single_timer),
    (
        "a timer after a failed first workflow task attempt",
        timer_after_failed_attempt,
    ),
    ("timer cancelled after it started", cancel_started_timer),
    ("timer cancelled before it was sent", cancel_unsent_timer),
    ("cancels after a timer fired or was cancelled are ignored", late_cancels),
    ("timer id mismatch is non-determinism", mismatched_timer_is_nde),
];

fn single_timer() {
    let mut h = started_history();
    let t = h.add_timer_started(1);
    h.add_timer_fired(t, 1);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![start_timer(1)]),
            step(&["FireTimer"], vec![complete("done")]),
        ],
    );
    assert_eq!(out.activations[1].history_length, 8);
    let first = &out.sent[0][0];
    assert_eq!(first.command_type, CommandType::StartTimer as i32);
    let Some(CommandAttrs::StartTimerCommandAttributes(a)) = &first.attributes else {
        panic!("not a timer")
    };
    assert_eq!(a.timer_id, "1");
}

fn timer_after_failed_attempt() {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_wft_scheduled();
    h.add_wft_started();
    h.add_wft_failed();
    h.add_full_wft();
    let t = h.add_timer_started(1);
    h.add_timer_fired(t, 1);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![start_timer(1)]),
            step(&["FireTimer"], vec![complete("done")]),
        ],
    );
    assert_eq!(
        out.activations[0].history_length, 6,
        "the failed attempt merges into the next task"
    );
    assert_eq!(
        out.activations[0].timestamp,
        h.events()[5].event_time,
        "workflow time of the second attempt"
    );
}

fn cancel_started_timer() {
    let mut h = started_history();
    let t1 = h.add_timer_started(1);
    let t2 = h.add_timer_started(2);
    h.add_timer_fired(t1, 1);
    h.add_full_wft();
    h.add_timer_canceled(t2, 2);
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![start_timer(1), start_timer(2)]),
            step(&["FireTimer"], vec![cancel_timer(2), cancel_timer(2), complete("done")]),
        ],
    );
}

fn cancel_unsent_timer() {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[step(
            &["InitializeWorkflow"],
            vec![start_timer(1), cancel_timer(1), cancel_timer(1), complete("done")],
        )],
    );
    assert_eq!(out.sent[0].len(), 1, "only the completion is sent");
}

fn late_cancels() {
    let mut h = started_history();
    let t1 = h.add_timer_started(1);
    let t2 = h.add_timer_started(2);
    h.add_timer_fired(t1, 1);
    h.add_full_wft();
    h.add_timer_canceled(t2, 2);
    let t3 = h.add_timer_started(3);
    h.add_timer_fired(t3, 3);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![start_timer(1), start_timer(2)]),
            step(&["FireTimer"], vec![cancel_timer(1), cancel_timer(2), start_timer(3)]),
            step(&["FireTimer"], vec![cancel_timer(2), complete("done")]),
        ],
    );
}

fn mismatched_timer_is_nde() {
    let mut h = started_history();
    let t = h.add_timer_started(1);
    h.add_timer_fired(t, 1);
    h.add_full_wft();
    let steps = [
        step(&["InitializeWorkflow"], vec![start_timer(7)]),
        step(&["FireTimer"], vec![complete("done")]),
    ];
    for mode in [Mode::FullReplay, Mode::EvictAfterEveryTask] {
        let err = run_scenario(&h, &steps, mode).expect_err("mismatch must fail");
        let WorkflowError::Nondeterminism(msg) = &err else {
            panic!("expected an NDE, got {err}")
        };
        assert!(msg.contains("history event 5 is EVENT_TYPE_TIMER_STARTED"), "{msg}");
        assert!(msg.contains("START_TIMER"), "{msg}");
        assert!(msg.contains("timer id 1 in history"), "{msg}");
    }
    let mut h2 = started_history();
    h2.add_timer_started(1);
    let err = run_scenario(
        &h2,
        &[step(&["InitializeWorkflow"], vec![complete("x")])],
        Mode::FullReplay,
    )
    .expect_err("a different command kind must fail");
    assert!(err.to_string().contains("[TMPRL1100]"), "{err}");
    assert!(err.to_string().contains("COMPLETE_WORKFLOW_EXECUTION"), "{err}");
}
