//! What the core writes to and reads from history must match the official SDK cores, so that
//! histories replay across the two. One test per wire fact that once differed.
use super::*;
use crate::protos::temporal::api::sdk::v1::WorkflowTaskCompletedMetadata;
use crate::workflow::history::{CHANGE_VERSION_SEARCH_ATTRIBUTE, patch_marker};
use crate::workflow::run::{Next, RunConfig, RunMachines, randomness_seed};
use lang::ActivityCancellationType as CancelType;

fn config(sdk_metadata_supported: bool, replay_mode: bool) -> RunConfig {
    RunConfig {
        namespace: "default".into(),
        task_queue: "tq".into(),
        replay_mode,
        sdk_metadata_supported,
        own_version: None,
    }
}

fn cmds(v: Vec<LangCommand>) -> Vec<WorkflowCommand> {
    v.into_iter()
        .map(|v| WorkflowCommand {
            variant: Some(v),
            user_metadata: None,
        })
        .collect()
}

fn activate(run: &mut RunMachines) -> WorkflowActivation {
    match run.next_step().expect("no error") {
        Next::Activation(a) => *a,
        other => panic!("expected an activation, got {other:?}"),
    }
}

fn patch(id: &str, deprecated: bool) -> LangCommand {
    LangCommand::SetPatchMarker(lang::SetPatchMarker {
        patch_id: id.into(),
        deprecated,
    })
}

/// A run live at its first workflow task (nothing after the WFT-started event).
fn live_run(sdk_metadata_supported: bool) -> RunMachines {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_wft_scheduled();
    let started = h.add_wft_started();
    let mut run = RunMachines::new("run-1", config(sdk_metadata_supported, false));
    run.feed_history(h.events(), started).expect("history");
    activate(&mut run);
    run
}

fn change_versions(sent: &[Command]) -> Vec<String> {
    sent.iter()
        .filter_map(|c| match &c.attributes {
            Some(CommandAttrs::UpsertWorkflowSearchAttributesCommandAttributes(u)) => u
                .search_attributes
                .as_ref()
                .and_then(|s| s.indexed_fields.get(CHANGE_VERSION_SEARCH_ATTRIBUTE))
                .map(|p| String::from_utf8_lossy(&p.data).into_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn change_version_upserts_list_every_patch_sorted() {
    let mut run = live_run(true);
    run.apply_completion(
        cmds(vec![
            patch("zeta", false),
            patch("beta", true),
            patch("alpha", false),
            start_timer(1),
        ]),
        &[],
    )
    .expect("patches");
    assert_eq!(
        change_versions(&run.take_commands_to_send()),
        [r#"["zeta"]"#, r#"["beta","zeta"]"#, r#"["alpha","beta","zeta"]"#],
        "the official cores write the sorted set of patches, deprecated ones included"
    );
}

#[test]
fn upserting_the_change_version_attribute_sends_an_empty_upsert() {
    let mut run = live_run(true);
    let upsert = LangCommand::UpsertWorkflowSearchAttributes(lang::UpsertWorkflowSearchAttributes {
        search_attributes: [
            (CHANGE_VERSION_SEARCH_ATTRIBUTE.to_string(), payload("x")),
            ("CustomKeywordField".to_string(), payload("y")),
        ]
        .into(),
    });
    run.apply_completion(cmds(vec![upsert, start_timer(1)]), &[])
        .expect("upsert");
    let sent = run.take_commands_to_send();
    assert_eq!(sent.len(), 2, "the upsert command is still sent: {sent:?}");
    let Some(CommandAttrs::UpsertWorkflowSearchAttributesCommandAttributes(u)) = &sent[0].attributes else {
        panic!("upsert first: {sent:?}")
    };
    assert!(
        u.search_attributes
            .as_ref()
            .expect("attributes")
            .indexed_fields
            .is_empty()
    );
}

#[test]
fn sdk_name_and_version_are_written_only_when_they_differ_from_history() {
    let mut run = live_run(true);
    let first = run.sdk_metadata("kairos-typescript", "0.1.0");
    assert_eq!(
        (first.sdk_name.as_str(), first.sdk_version.as_str()),
        ("kairos-typescript", "0.1.0")
    );
    assert_eq!(first.core_used_flags, [1, 2, 3]);
    let second = run.sdk_metadata("kairos-typescript", "0.1.0");
    assert_eq!(
        second,
        WorkflowTaskCompletedMetadata::default(),
        "nothing changed since the last completion"
    );
    let upgraded = run.sdk_metadata("kairos-typescript", "0.2.0");
    assert_eq!(
        (upgraded.sdk_name.as_str(), upgraded.sdk_version.as_str()),
        ("", "0.2.0")
    );

    // A run whose history already names this SDK does not name it again.
    let mut h = started_history();
    if let Some(EventAttrs::WorkflowTaskCompletedEventAttributes(a)) = &mut h.last_event_mut().attributes {
        a.sdk_metadata = Some(WorkflowTaskCompletedMetadata {
            core_used_flags: vec![1, 2, 3],
            sdk_name: "kairos-typescript".into(),
            sdk_version: "0.1.0".into(),
            ..Default::default()
        });
    }
    let t = h.add_timer_started(1);
    h.add_timer_fired(t, 1);
    h.add_wft_scheduled();
    let started = h.add_wft_started();
    let mut run = RunMachines::new("run-1", config(true, false));
    run.feed_history(h.events(), started).expect("history");
    activate(&mut run);
    run.apply_completion(cmds(vec![start_timer(1)]), &[]).expect("timer");
    assert_eq!(activate(&mut run).jobs.len(), 1, "the timer fires");
    assert_eq!(
        run.sdk_metadata("kairos-typescript", "0.1.0"),
        WorkflowTaskCompletedMetadata::default()
    );
}

#[test]
fn activations_carry_the_last_sdk_version_history_recorded() {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_full_wft();
    if let Some(EventAttrs::WorkflowTaskCompletedEventAttributes(a)) = &mut h.last_event_mut().attributes {
        a.sdk_metadata = Some(WorkflowTaskCompletedMetadata {
            core_used_flags: vec![1, 2, 3],
            sdk_name: "temporal-typescript".into(),
            sdk_version: "1.24.0".into(),
            ..Default::default()
        });
    }
    let t = h.add_timer_started(1);
    h.add_timer_fired(t, 1);
    h.add_full_wft();
    h.add_workflow_execution_completed();
    let out = run_scenario(
        &h,
        &[
            step(&["InitializeWorkflow"], vec![start_timer(1)]),
            step(&["FireTimer"], vec![complete("done")]),
        ],
        Mode::FullReplay,
    )
    .expect("replay");
    let versions: Vec<&str> = out.activations.iter().map(|a| a.last_sdk_version.as_str()).collect();
    assert_eq!(
        versions,
        ["1.24.0", "1.24.0"],
        "known from the first activation on (read ahead)"
    );
}

#[test]
fn flags_recorded_in_history_apply_while_replaying_even_if_the_server_cannot_record_flags() {
    // History recorded the id-and-type checks flag; a worker on a server without sdk_metadata
    // replays it and must still check activity types.
    let mut h = started_history();
    let scheduled = h.add_activity_scheduled("1", "greet");
    let act_started = h.add_activity_started(scheduled);
    h.add_activity_completed(scheduled, act_started, payload("hi"));
    let started = h.add_full_wft();
    let schedule = |activity_type: &str| {
        LangCommand::ScheduleActivity(lang::ScheduleActivity {
            seq: 1,
            activity_id: "1".into(),
            activity_type: activity_type.into(),
            start_to_close_timeout: Some(prost_types::Duration { seconds: 5, nanos: 0 }),
            ..Default::default()
        })
    };
    let mut run = RunMachines::new("run-1", config(false, true));
    run.feed_history(h.events(), started).expect("history");
    activate(&mut run);
    run.apply_completion(cmds(vec![schedule("other")]), &[]).expect("apply");
    let err = run.next_step().expect_err("the type differs from history");
    assert!(err.to_string().contains("greet"), "{err}");

    let mut run = RunMachines::new("run-1", config(false, true));
    run.feed_history(h.events(), started).expect("history");
    activate(&mut run);
    run.apply_completion(cmds(vec![schedule("greet")]), &[]).expect("apply");
    assert_eq!(
        crate::test_help::job_labels(&activate(&mut run)),
        ["ResolveActivity"],
        "the same type replays"
    );
}

#[test]
fn without_server_support_no_sdk_metadata_is_written() {
    let mut run = live_run(false);
    run.apply_completion(cmds(vec![start_timer(1)]), &[4]).expect("timer");
    assert_eq!(
        run.sdk_metadata("kairos-typescript", "0.1.0"),
        WorkflowTaskCompletedMetadata::default()
    );
}

#[test]
fn the_seed_comes_from_the_original_run_id_and_a_reset_reseeds() {
    let seed_of = |original: &str| {
        let mut h = HistoryBuilder::new("wf");
        h.add_workflow_execution_started();
        if let Some(EventAttrs::WorkflowExecutionStartedEventAttributes(a)) = &mut h.last_event_mut().attributes {
            a.original_execution_run_id = original.into();
        }
        h.add_full_wft();
        let out = run_scenario(&h, &[step(&["InitializeWorkflow"], vec![])], Mode::FullReplay).expect("replay");
        let Some(Job::InitializeWorkflow(init)) = &out.activations[0].jobs[0].variant else {
            panic!("init")
        };
        init.randomness_seed
    };
    assert_eq!(
        seed_of("original-run"),
        randomness_seed("original-run"),
        "not the run id run-1"
    );
    assert_eq!(
        seed_of(""),
        randomness_seed(""),
        "an empty original run id is hashed as it is"
    );

    // A workflow task failed by a reset announces the new run's seed.
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_wft_scheduled();
    h.add_wft_started();
    h.add_wft_failed();
    if let Some(EventAttrs::WorkflowTaskFailedEventAttributes(a)) = &mut h.last_event_mut().attributes {
        a.cause = enums::WorkflowTaskFailedCause::ResetWorkflow as i32;
        a.new_run_id = "reset-run".into();
    }
    h.add_full_wft();
    let out = run_scenario(
        &h,
        &[step(&["InitializeWorkflow", "UpdateRandomSeed"], vec![])],
        Mode::FullReplay,
    )
    .expect("replay");
    let Some(Job::UpdateRandomSeed(u)) = &out.activations[0].jobs[1].variant else {
        panic!("reseed")
    };
    assert_eq!(u.randomness_seed, randomness_seed("reset-run"));
}

#[test]
fn old_format_patch_markers_are_read_like_the_official_sdks() {
    let marker = |details: Vec<(&str, Vec<u8>)>| HistoryEvent {
        event_type: EventType::MarkerRecorded as i32,
        attributes: Some(EventAttrs::MarkerRecordedEventAttributes(
            history::MarkerRecordedEventAttributes {
                marker_name: "core_patch".into(),
                details: details
                    .into_iter()
                    .map(|(k, data)| {
                        (
                            k.to_string(),
                            Payloads {
                                payloads: vec![Payload {
                                    data,
                                    ..Default::default()
                                }],
                            },
                        )
                    })
                    .collect(),
                ..Default::default()
            },
        )),
        ..Default::default()
    };
    // Raw UTF-8 id; deprecated when the first byte of `deprecated` is not zero.
    assert_eq!(
        patch_marker(&marker(vec![("patch_id", b"fix-1".to_vec()), ("deprecated", vec![1])])),
        Some(("fix-1".into(), true))
    );
    assert_eq!(
        patch_marker(&marker(vec![("patch_id", b"fix-1".to_vec()), ("deprecated", vec![0])])),
        Some(("fix-1".into(), false))
    );
    assert_eq!(
        patch_marker(&marker(vec![("patch_id", b"fix-1".to_vec())])),
        None,
        "both details are required"
    );
    assert_eq!(
        patch_marker(&marker(vec![(
            "patch-data",
            br#"{"id":"fix-2","deprecated":true}"#.to_vec()
        )])),
        Some(("fix-2".into(), true))
    );
}

fn schedule_local(seq: u32, cancel: CancelType) -> LangCommand {
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

#[test]
fn a_local_activity_cancel_that_does_not_wait_records_no_completion_time() {
    let mut run = live_run(true);
    run.apply_completion(
        cmds(vec![
            schedule_local(1, CancelType::TryCancel),
            LangCommand::RequestCancelLocalActivity(lang::RequestCancelLocalActivity { seq: 1 }),
        ]),
        &[],
    )
    .expect("apply");
    activate(&mut run);
    run.apply_completion(cmds(vec![complete("done")]), &[])
        .expect("complete");
    let sent = run.take_commands_to_send();
    let Some(CommandAttrs::RecordMarkerCommandAttributes(m)) = &sent[0].attributes else {
        panic!("marker: {sent:?}")
    };
    let data: serde_json::Value = serde_json::from_slice(&m.details["data"].payloads[0].data).expect("json");
    assert_eq!(data["complete_time"], serde_json::Value::Null, "{data}");
    assert!(m.failure.is_some());
}

#[test]
fn a_recorded_failure_caused_by_a_cancellation_resolves_as_cancelled() {
    let cancelled_cause = Failure {
        message: "Local activity cancelled".into(),
        cause: Some(Box::new(Failure {
            message: "cancelled".into(),
            failure_info: Some(failure::failure::FailureInfo::CanceledFailureInfo(Default::default())),
            ..Default::default()
        })),
        failure_info: Some(failure::failure::FailureInfo::ActivityFailureInfo(Default::default())),
        ..Default::default()
    };
    let mut h = started_history();
    h.add_local_activity_marker(1, "quick", None, Some(cancelled_cause));
    h.add_workflow_execution_completed();
    let out = run_scenario(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule_local(1, CancelType::WaitCancellationCompleted)],
            ),
            step(&["ResolveActivity"], vec![complete("done")]),
        ],
        Mode::FullReplay,
    )
    .expect("replay");
    let Some(Job::ResolveActivity(r)) = &out.activations[1].jobs[0].variant else {
        panic!("resolve")
    };
    assert!(
        matches!(
            r.result.as_ref().and_then(|r| r.status.as_ref()),
            Some(kactivity::activity_resolution::Status::Cancelled(_))
        ),
        "{r:?}"
    );
}

fn failure_info_of(status: Option<&kactivity::activity_resolution::Status>) -> (String, Option<&Failure>) {
    use kactivity::activity_resolution::Status;
    let f = match status {
        Some(Status::Cancelled(c)) => c.failure.as_ref(),
        Some(Status::Failed(f)) => f.failure.as_ref(),
        other => panic!("not a failure: {other:?}"),
    };
    let f = f.expect("failure");
    let kind = match &f.failure_info {
        Some(failure::failure::FailureInfo::ActivityFailureInfo(a)) => {
            format!(
                "activity {} {}",
                a.activity_id,
                a.activity_type.as_ref().map(|t| t.name.as_str()).unwrap_or("")
            )
        }
        Some(failure::failure::FailureInfo::TimeoutFailureInfo(_)) => "timeout".into(),
        Some(failure::failure::FailureInfo::CanceledFailureInfo(_)) => "cancelled".into(),
        other => format!("{other:?}"),
    };
    (format!("{}: {kind}", f.message), f.cause.as_deref())
}

fn resolved(a: &WorkflowActivation) -> Option<&kactivity::activity_resolution::Status> {
    match &a.jobs[0].variant {
        Some(Job::ResolveActivity(r)) => r.result.as_ref().and_then(|r| r.status.as_ref()),
        other => panic!("not a resolution: {other:?}"),
    }
}

#[test]
fn local_activity_cancels_and_live_timeouts_reach_the_workflow_as_activity_failures() {
    use crate::workflow::machines::local_activity::{LocalActivityOutcome, LocalActivityResolution};
    // A cancel that does not wait: the workflow sees an activity failure caused by the
    // cancellation, the marker records the bare cancellation.
    let mut run = live_run(true);
    run.apply_completion(
        cmds(vec![
            schedule_local(1, CancelType::TryCancel),
            LangCommand::RequestCancelLocalActivity(lang::RequestCancelLocalActivity { seq: 1 }),
        ]),
        &[],
    )
    .expect("apply");
    let a = activate(&mut run);
    let (wrapper, cause) = failure_info_of(resolved(&a));
    assert_eq!(wrapper, "Local Activity cancelled: activity 1 quick");
    assert_eq!(
        failure_info_of_failure(cause.expect("cause")),
        "Activity cancelled: cancelled"
    );
    run.apply_completion(cmds(vec![complete("done")]), &[])
        .expect("complete");
    let sent = run.take_commands_to_send();
    let Some(CommandAttrs::RecordMarkerCommandAttributes(m)) = &sent[0].attributes else {
        panic!("marker")
    };
    assert_eq!(
        failure_info_of_failure(m.failure.as_ref().expect("failure")),
        "Activity cancelled: cancelled"
    );

    // A timeout while running is wrapped too.
    let mut run = live_run(true);
    run.apply_completion(
        cmds(vec![schedule_local(1, CancelType::WaitCancellationCompleted)]),
        &[],
    )
    .expect("apply");
    let timeout = Failure {
        message: "Activity timed out".into(),
        failure_info: Some(failure::failure::FailureInfo::TimeoutFailureInfo(Default::default())),
        ..Default::default()
    };
    run.resolve_local_activity(&LocalActivityResolution {
        seq: 1,
        status: LocalActivityOutcome::Failed(timeout.clone()),
        attempt: 1,
        original_schedule_time: None,
        runtime: std::time::Duration::from_secs(2),
    })
    .expect("resolve");
    let a = activate(&mut run);
    let (wrapper, cause) = failure_info_of(resolved(&a));
    assert_eq!(wrapper, "Local Activity timed out: activity 1 quick");
    assert_eq!(
        failure_info_of_failure(cause.expect("cause")),
        "Activity timed out: timeout"
    );

    // Read back from a marker, a timeout stays bare (the official cores only know a failure then).
    let mut h = started_history();
    h.add_local_activity_marker(1, "quick", None, Some(timeout));
    h.add_workflow_execution_completed();
    let out = run_scenario(
        &h,
        &[
            step(
                &["InitializeWorkflow"],
                vec![schedule_local(1, CancelType::WaitCancellationCompleted)],
            ),
            step(&["ResolveActivity"], vec![complete("done")]),
        ],
        Mode::FullReplay,
    )
    .expect("replay");
    let (bare, cause) = failure_info_of(resolved(&out.activations[1]));
    assert_eq!((bare.as_str(), cause.is_none()), ("Activity timed out: timeout", true));
}

fn failure_info_of_failure(f: &Failure) -> String {
    let kind = match &f.failure_info {
        Some(failure::failure::FailureInfo::TimeoutFailureInfo(_)) => "timeout",
        Some(failure::failure::FailureInfo::CanceledFailureInfo(_)) => "cancelled",
        _ => "other",
    };
    format!("{}: {kind}", f.message)
}

#[test]
fn a_local_activity_that_ends_cancelled_after_running_moves_workflow_time_by_its_runtime() {
    use crate::workflow::machines::local_activity::{LocalActivityOutcome, LocalActivityResolution};
    let mut run = live_run(true);
    let before = run.time().expect("time");
    run.apply_completion(
        cmds(vec![schedule_local(1, CancelType::WaitCancellationCompleted)]),
        &[],
    )
    .expect("apply");
    run.resolve_local_activity(&LocalActivityResolution {
        seq: 1,
        status: LocalActivityOutcome::Cancelled(crate::workflow::machines::cancelled_failure("Activity cancelled")),
        attempt: 1,
        original_schedule_time: None,
        runtime: std::time::Duration::from_secs(3),
    })
    .expect("resolve");
    let a = activate(&mut run);
    assert_eq!(a.timestamp.expect("time").seconds, before.seconds + 3);
    run.apply_completion(cmds(vec![complete("done")]), &[])
        .expect("complete");
    let sent = run.take_commands_to_send();
    let Some(CommandAttrs::RecordMarkerCommandAttributes(m)) = &sent[0].attributes else {
        panic!("marker")
    };
    let data: serde_json::Value = serde_json::from_slice(&m.details["data"].payloads[0].data).expect("json");
    assert_eq!(data["complete_time"]["seconds"], before.seconds + 3, "{data}");
}
