use super::*;
use crate::errors::WorkflowError;
use crate::workflow::history::CHANGE_VERSION_SEARCH_ATTRIBUTE;

scenarios![
    (
        "patched() live records a marker and the change-version search attribute",
        live_patch,
    ),
    (
        "history with the marker notifies the patch ahead of time",
        replay_with_marker,
    ),
    (
        "a patch call without its marker is skipped while replaying",
        replay_without_marker,
    ),
    (
        "a deprecated marker nobody asks for is skipped with its upsert",
        deprecated_marker_skipped,
    ),
    ("a marker nobody asks for is non-determinism", missing_patch_call_is_nde),
    (
        "a marker behind other commands is notified ahead, also with paged history",
        marker_behind_commands,
    ),
];

fn patch(id: &str, deprecated: bool) -> LangCommand {
    LangCommand::SetPatchMarker(lang::SetPatchMarker {
        patch_id: id.into(),
        deprecated,
    })
}

fn patched_history() -> HistoryBuilder {
    let mut h = started_history();
    h.add_patch_marker("p1", false);
    h.add_upsert_search_attributes(&[CHANGE_VERSION_SEARCH_ATTRIBUTE]);
    let t = h.add_timer_started(1);
    h.add_timer_fired(t, 1);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    h
}

fn live_patch() {
    let h = patched_history();
    let out = run_scenario(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![patch("p1", false), patch("p1", false), start_timer(1)],
            ),
            step(&["FireTimer"], vec![complete("done")]),
        ],
        Mode::Incremental,
    )
    .expect("live run");
    let sent = &out.sent[0];
    assert_eq!(sent.len(), 3, "marker, change-version upsert, timer: {sent:?}");
    let Some(CommandAttrs::RecordMarkerCommandAttributes(m)) = &sent[0].attributes else {
        panic!("marker")
    };
    assert_eq!(m.marker_name, "core_patch");
    let data = &m.details["patch-data"].payloads[0];
    assert_eq!(String::from_utf8_lossy(&data.data), r#"{"id":"p1","deprecated":false}"#);
    let Some(CommandAttrs::UpsertWorkflowSearchAttributesCommandAttributes(u)) = &sent[1].attributes else {
        panic!("upsert")
    };
    let sa = &u.search_attributes.as_ref().expect("attrs").indexed_fields[CHANGE_VERSION_SEARCH_ATTRIBUTE];
    assert_eq!(String::from_utf8_lossy(&sa.data), r#"["p1"]"#);
    assert_eq!(sa.metadata.get("type").map(|t| t.as_slice()), Some(&b"KeywordList"[..]));
}

fn replay_with_marker() {
    let h = patched_history();
    for mode in [Mode::FullReplay, Mode::EvictAfterEveryTask] {
        let steps = [
            step(
                &["InitializeWorkflow", "NotifyHasPatch"],
                vec![patch("p1", false), start_timer(1)],
            ),
            step(&["FireTimer"], vec![complete("done")]),
        ];
        if mode == Mode::EvictAfterEveryTask {
            // The first task is live in this mode (no look-ahead yet), then replays see the marker.
            let mut first = started_history();
            first.add_patch_marker("p1", false);
            first.add_upsert_search_attributes(&[CHANGE_VERSION_SEARCH_ATTRIBUTE]);
            let t = first.add_timer_started(1);
            first.add_timer_fired(t, 1);
            first.add_full_wft();
            let out = run_scenario(
                &first,
                &[
                    step(
                        &["InitializeWorkflow", "NotifyHasPatch"],
                        vec![patch("p1", false), start_timer(1)],
                    ),
                    step(&["FireTimer"], vec![]),
                ],
                Mode::FullReplay,
            )
            .expect("replay");
            assert_eq!(out.activations.len(), 2);
            continue;
        }
        run_scenario(&h, &steps, mode).expect("replay");
    }
}

fn replay_without_marker() {
    let mut h = started_history();
    let t = h.add_timer_started(1);
    h.add_timer_fired(t, 1);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_scenario(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![patch("p2", false), start_timer(1)]),
            step(&["FireTimer"], vec![complete("done")]),
        ],
        Mode::FullReplay,
    )
    .expect("the patch command is skipped");
}

fn deprecated_marker_skipped() {
    let mut h = started_history();
    h.add_patch_marker("old", true);
    h.add_upsert_search_attributes(&[CHANGE_VERSION_SEARCH_ATTRIBUTE]);
    let t = h.add_timer_started(1);
    h.add_timer_fired(t, 1);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    run_scenario(
        &h,
        &[
            step(&["InitializeWorkflow", "NotifyHasPatch"], vec![start_timer(1)]),
            step(&["FireTimer"], vec![complete("done")]),
        ],
        Mode::FullReplay,
    )
    .expect("deprecated markers may be absent from the workflow");
}

fn missing_patch_call_is_nde() {
    let mut h = started_history();
    h.add_patch_marker("p1", false);
    let t = h.add_timer_started(1);
    h.add_timer_fired(t, 1);
    h.add_full_wft();
    let err = run_scenario(
        &h,
        &[step(&["InitializeWorkflow", "NotifyHasPatch"], vec![start_timer(1)])],
        Mode::FullReplay,
    )
    .expect_err("a non-deprecated marker must be asked for");
    assert!(
        matches!(&err, WorkflowError::Nondeterminism(m) if m.contains("EVENT_TYPE_MARKER_RECORDED")),
        "{err}"
    );
}

fn marker_behind_commands() {
    let mut h = started_history();
    let t1 = h.add_timer_started(1);
    h.add_timer_started(2);
    h.add_timer_started(3);
    h.add_patch_marker("p1", false);
    h.add_upsert_search_attributes(&[CHANGE_VERSION_SEARCH_ATTRIBUTE]);
    h.add_timer_fired(t1, 1);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let steps = [
        step(
            &["InitializeWorkflow", "NotifyHasPatch"],
            vec![start_timer(1), start_timer(2), start_timer(3), patch("p1", false)],
        ),
        step(&["FireTimer"], vec![complete("done")]),
    ];
    for mode in [
        Mode::FullReplay,
        Mode::PagedReplay(1),
        Mode::PagedReplay(2),
        Mode::PagedReplay(4),
    ] {
        let out = run_scenario(&h, &steps, mode).unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        assert_eq!(out.activations.len(), 2, "{mode:?}");
    }
}
