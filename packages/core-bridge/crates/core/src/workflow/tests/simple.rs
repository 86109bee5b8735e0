use super::*;

scenarios![
    ("fail, cancel and continue-as-new end the run", terminal_commands),
    (
        "search attribute upserts and memo changes are matched",
        upsert_and_modify,
    ),
    (
        "only the first terminal command is sent, after the others",
        terminal_commands_move_last,
    ),
];

fn terminal_commands() {
    for kind in 0..3 {
        let mut h = started_history();
        let cmd = match kind {
            0 => {
                h.add_workflow_execution_failed();
                LangCommand::FailWorkflowExecution(lang::FailWorkflowExecution {
                    failure: Some(Failure {
                        message: "no".into(),
                        ..Default::default()
                    }),
                })
            }
            1 => {
                h.add_workflow_execution_canceled();
                LangCommand::CancelWorkflowExecution(lang::CancelWorkflowExecution {})
            }
            _ => {
                h.add_continued_as_new();
                LangCommand::ContinueAsNewWorkflowExecution(lang::ContinueAsNewWorkflowExecution {
                    arguments: vec![payload("next")],
                    ..Default::default()
                })
            }
        };
        let out = run_all_modes(&h, &[step(&["InitializeWorkflow"], vec![cmd])]);
        assert_eq!(out.sent[0].len(), 1);
    }
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_full_wft();
    h.add_cancel_requested();
    h.add_full_wft();
    h.add_workflow_execution_canceled();
    run_all_modes(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![]),
            step(
                &["CancelWorkflow"],
                vec![LangCommand::CancelWorkflowExecution(lang::CancelWorkflowExecution {})],
            ),
        ],
    );
}

fn upsert_and_modify() {
    let mut h = started_history();
    h.add_upsert_search_attributes(&["CustomKeywordField"]);
    h.add_properties_modified();
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[step(
            &["InitializeWorkflow"],
            vec![
                LangCommand::UpsertWorkflowSearchAttributes(lang::UpsertWorkflowSearchAttributes {
                    search_attributes: [("CustomKeywordField".to_string(), payload("x"))].into(),
                }),
                LangCommand::ModifyWorkflowProperties(lang::ModifyWorkflowProperties {
                    upserted_memo: [("note".to_string(), payload("hi"))].into(),
                }),
                complete("done"),
            ],
        )],
    );
    assert_eq!(out.sent[0].len(), 3);
}

fn terminal_commands_move_last() {
    let mut h = started_history();
    h.add_timer_started(1);
    h.add_workflow_execution_completed();
    let out = run_all_modes(
        &h,
        &[step(
            &["InitializeWorkflow"],
            vec![complete("first"), complete("second"), start_timer(1)],
        )],
    );
    let types: Vec<i32> = out.sent[0].iter().map(|c| c.command_type).collect();
    assert_eq!(
        types,
        vec![
            CommandType::StartTimer as i32,
            CommandType::CompleteWorkflowExecution as i32
        ]
    );
}
