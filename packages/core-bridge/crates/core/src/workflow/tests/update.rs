use super::*;

pub(super) const SCENARIOS: &[(&str, fn())] = &[
    ("an update accepted and completed in one activation", accept_and_complete),
    ("an update completed in a later activation, with a failure", accept_then_fail),
    ("a rejected update sends only a rejection message", reject),
    ("an admitted update in history runs without its validator", admitted),
];

fn respond(id: &str, r: lang::update_response::Response) -> LangCommand {
    LangCommand::UpdateResponse(lang::UpdateResponse { protocol_instance_id: id.into(), response: Some(r) })
}

fn accept(id: &str) -> LangCommand {
    respond(id, lang::update_response::Response::Accepted(()))
}

fn complete_update(id: &str) -> LangCommand {
    respond(id, lang::update_response::Response::Completed(payload("updated")))
}

fn reject_update(id: &str) -> LangCommand {
    respond(id, lang::update_response::Response::Rejected(Failure { message: "invalid".into(), ..Default::default() }))
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
    let out = run_all_modes(&h, &[step(&["InitializeWorkflow", "DoUpdate"], vec![accept("u1"), complete_update("u1"), complete("done")])]);
    let types: Vec<i32> = out.sent[0].iter().map(|c| c.command_type).collect();
    assert_eq!(
        types,
        vec![CommandType::ProtocolMessage as i32, CommandType::ProtocolMessage as i32, CommandType::CompleteWorkflowExecution as i32]
    );
    let ids: Vec<&str> = out.messages[0].iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["u1/request/accept", "u1/request/complete"]);
    let Some(Job::DoUpdate(u)) = &out.activations[0].jobs[1].variant else { panic!("DoUpdate") };
    assert!(u.run_validator);
    assert_eq!(u.name, "set");
    let replayed = run_scenario(&h, &[step(&["InitializeWorkflow", "DoUpdate"], vec![accept("u1"), complete_update("u1"), complete("done")])], Mode::FullReplay)
        .expect("replay");
    let Some(Job::DoUpdate(u)) = &replayed.activations[0].jobs[1].variant else { panic!("DoUpdate") };
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
            step(&["FireTimer"], vec![if fail { reject_update("u1") } else { complete_update("u1") }, complete("done")]),
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
    let out = run_scenario(&h, &[step(&["InitializeWorkflow", "DoUpdate"], vec![reject_update("u1"), complete("done")])], Mode::Incremental)
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
        &[step(&["InitializeWorkflow", "DoUpdate"], vec![accept("u2"), complete_update("u2"), complete("done")])],
        Mode::FullReplay,
    )
    .expect("replay");
    assert_eq!(out.activations.len(), 1, "the admitted and accepted events name the same update");
}

#[test]
fn update_scenarios() {
    for (name, f) in SCENARIOS {
        eprintln!("scenario: {name}");
        f();
    }
}
