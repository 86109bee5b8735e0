use super::*;

scenarios![
    (
        "an update accepted and completed in one activation",
        accept_and_complete,
    ),
    (
        "an update completed in a later activation, with a failure",
        accept_then_fail,
    ),
    ("a rejected update sends only a rejection message", reject),
    ("an admitted update in history runs without its validator", admitted),
    (
        "a rejected update's discarded speculative task is rolled back",
        speculative_rejection_rolled_back,
    ),
];

fn respond(id: &str, r: lang::update_response::Response) -> LangCommand {
    LangCommand::UpdateResponse(lang::UpdateResponse {
        protocol_instance_id: id.into(),
        response: Some(r),
    })
}

fn accept(id: &str) -> LangCommand {
    respond(id, lang::update_response::Response::Accepted(()))
}

fn complete_update(id: &str) -> LangCommand {
    respond(id, lang::update_response::Response::Completed(payload("updated")))
}

fn reject_update(id: &str) -> LangCommand {
    respond(
        id,
        lang::update_response::Response::Rejected(Failure {
            message: "invalid".into(),
            ..Default::default()
        }),
    )
}

fn accept_and_complete() {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_wft_scheduled();
    let started = h.add_wft_started();
    h.messages.insert(started, vec![update_message("u1", 2)]);
    h.add_wft_completed();
    let a = h.add_update_accepted("u1", 2);
    h.add_update_completed("u1", a);
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[step(
            &["InitializeWorkflow", "DoUpdate"],
            vec![accept("u1"), complete_update("u1"), complete("done")],
        )],
    );
    let types: Vec<i32> = out.sent[0].iter().map(|c| c.command_type).collect();
    assert_eq!(
        types,
        vec![
            CommandType::ProtocolMessage as i32,
            CommandType::ProtocolMessage as i32,
            CommandType::CompleteWorkflowExecution as i32
        ]
    );
    let ids: Vec<&str> = out.messages[0].iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["u1/request/accept", "u1/request/complete"]);
    let Some(Job::DoUpdate(u)) = &out.activations[0].jobs[1].variant else {
        panic!("DoUpdate")
    };
    assert!(u.run_validator);
    assert_eq!(u.name, "set");
    let replayed = run_scenario(
        &h,
        &[step(
            &["InitializeWorkflow", "DoUpdate"],
            vec![accept("u1"), complete_update("u1"), complete("done")],
        )],
        Mode::FullReplay,
    )
    .expect("replay");
    let Some(Job::DoUpdate(u)) = &replayed.activations[0].jobs[1].variant else {
        panic!("DoUpdate")
    };
    assert!(!u.run_validator, "validators do not run on replay");
}

fn accept_then_fail() {
    for fail in [true, false] {
        accept_then_finish(fail);
    }
}

fn accept_then_finish(fail: bool) {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_wft_scheduled();
    let started = h.add_wft_started();
    h.messages.insert(started, vec![update_message("u1", 2)]);
    h.add_wft_completed();
    let a = h.add_update_accepted("u1", 2);
    let t = h.add_timer_started(1);
    h.add_timer_fired(t, 1);
    h.add_full_wft();
    h.add_update_completed("u1", a);
    h.add_workflow_execution_completed();
    run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow", "DoUpdate"], vec![accept("u1"), start_timer(1)]),
            step(
                &["FireTimer"],
                vec![
                    if fail {
                        reject_update("u1")
                    } else {
                        complete_update("u1")
                    },
                    complete("done"),
                ],
            ),
        ],
    );
}

fn reject() {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_wft_scheduled();
    let started = h.add_wft_started();
    h.messages.insert(started, vec![update_message("u1", 2)]);
    h.add_wft_completed();
    h.add_workflow_execution_completed();
    let out = run_scenario(
        &h,
        &[step(
            &["InitializeWorkflow", "DoUpdate"],
            vec![reject_update("u1"), complete("done")],
        )],
        Mode::Incremental,
    )
    .expect("live run");
    assert_eq!(out.sent[0].len(), 1, "a rejection has no command");
    assert_eq!(out.messages[0].len(), 1);
    assert_eq!(out.messages[0][0].id, "u1/request/reject");
}

fn admitted() {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_update_admitted("u2");
    h.add_full_wft();
    let a = h.add_update_accepted("u2", 2);
    h.add_update_completed("u2", a);
    h.add_workflow_execution_completed();
    let out = run_scenario(
        &h,
        &[step(
            &["InitializeWorkflow", "DoUpdate"],
            vec![accept("u2"), complete_update("u2"), complete("done")],
        )],
        Mode::FullReplay,
    )
    .expect("replay");
    assert_eq!(
        out.activations.len(),
        1,
        "the admitted and accepted events name the same update"
    );
}

/// Start, first task (starts timer 1), then a signal wakes the workflow, which completes.
fn history_before_speculation() -> HistoryBuilder {
    let mut h = started_history();
    h.add_timer_started(1);
    h
}

fn speculative_rejection_rolled_back() {
    use crate::workflow::run::{Next, RunConfig, RunMachines};
    let mut h = history_before_speculation();
    let last_real = h.events().len() as i64;
    h.add_signaled("wake");
    h.add_wft_scheduled();
    let started = h.add_wft_started();
    h.add_wft_completed();
    h.add_workflow_execution_completed();
    // The speculative task the server handed out between events 5 and 6: its scheduled and started
    // events take ids 6 and 7, which history later reuses.
    let mut spec = history_before_speculation();
    spec.add_wft_scheduled();
    let spec_started = spec.add_wft_started();

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
    let activate = |run: &mut RunMachines| match run.next_step().expect("no error") {
        Next::Activation(a) => *a,
        other => panic!("expected an activation, got {other:?}"),
    };
    let cmds = |v: Vec<LangCommand>| {
        v.into_iter()
            .map(|v| WorkflowCommand {
                variant: Some(v),
                user_metadata: None,
            })
            .collect()
    };
    run.feed_history(h.events_through(3), 3).expect("first task");
    assert_eq!(
        crate::test_help::job_labels(&activate(&mut run)),
        ["InitializeWorkflow"]
    );
    run.apply_completion(cmds(vec![start_timer(1)]), &[]).expect("timer");
    assert!(matches!(run.next_step(), Ok(Next::Idle)));
    run.take_commands_to_send();
    run.sdk_metadata("kairos", "0");

    run.feed_history(spec.events(), spec_started).expect("speculative task");
    run.feed_messages(vec![update_message("u1", spec_started - 1)]);
    let a = activate(&mut run);
    assert_eq!(crate::test_help::job_labels(&a), ["DoUpdate"]);
    run.apply_completion(cmds(vec![reject_update("u1")]), &[7])
        .expect("rejection");
    assert!(matches!(run.next_step(), Ok(Next::Idle)));
    assert!(run.take_commands_to_send().is_empty());
    assert_eq!(run.take_messages_to_send()[0].id, "u1/request/reject");
    let md = run.sdk_metadata("kairos", "0");
    assert_eq!(md.lang_used_flags, vec![7]);

    assert!(
        run.discard_speculative_task(spec_started).is_err(),
        "the checkpoint must precede the discarded task"
    );
    // The server names the started event of the last completed task (3) as the checkpoint.
    run.discard_speculative_task(3).expect("rollback");
    assert_eq!(run.last_applied_event_id(), last_real);
    assert!(
        run.discard_speculative_task(3).is_err(),
        "only the last task can be discarded, once"
    );
    // The next real task (the signal) reuses ids 6 and 7; sticky history starts after event 3.
    run.feed_history(
        h.events_through(started).into_iter().filter(|e| e.event_id > 3),
        started,
    )
    .expect("next task");
    let a = activate(&mut run);
    assert_eq!(crate::test_help::job_labels(&a), ["SignalWorkflow"]);
    assert!(!a.is_replaying);
    assert_eq!(a.history_length, started);
    run.apply_completion(cmds(vec![complete("done")]), &[])
        .expect("complete");
    assert!(matches!(run.next_step(), Ok(Next::Idle)));
    let sent = run.take_commands_to_send();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].command_type, CommandType::CompleteWorkflowExecution as i32);
    assert_eq!(
        run.sdk_metadata("kairos", "0").lang_used_flags,
        vec![7],
        "the discarded completion's flag is recorded again"
    );

    // History itself never mentions the update: every mode replays it without one.
    run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![start_timer(1)]),
            step(&["SignalWorkflow"], vec![complete("done")]),
        ],
    );
}
