//! Runs a scripted workflow (expected jobs + commands to reply, per activation) against a
//! history in three modes: incrementally (a sticky worker that sees each task's new events),
//! as one full replay, and evicting the run after every workflow task (so each task replays
//! everything before it).
use super::HistoryBuilder;
use crate::errors::WorkflowError;
use crate::workflow::machines::label;
use crate::workflow::pb::*;
use crate::workflow::run::{RunConfig, RunMachines};

/// One expected activation and the workflow's answer to it.
pub(crate) struct Step {
    pub expect: Vec<&'static str>,
    pub reply: Vec<WorkflowCommand>,
}

pub(crate) fn step(expect: &[&'static str], reply: Vec<LangCommand>) -> Step {
    Step {
        expect: expect.to_vec(),
        reply: reply
            .into_iter()
            .map(|v| WorkflowCommand { variant: Some(v), user_metadata: None })
            .collect(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    Incremental,
    FullReplay,
    EvictAfterEveryTask,
}

pub(crate) const ALL_MODES: [Mode; 3] = [Mode::Incremental, Mode::FullReplay, Mode::EvictAfterEveryTask];

/// What a scenario run produced.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub activations: Vec<WorkflowActivation>,
    /// Commands sent to the server for each live workflow task.
    pub sent: Vec<Vec<Command>>,
    /// Protocol messages sent with each live workflow task.
    pub messages: Vec<Vec<protocol::Message>>,
}

fn config(replay: bool) -> RunConfig {
    RunConfig {
        namespace: "default".into(),
        task_queue: "tq".into(),
        replay_mode: replay,
        sdk_metadata_supported: true,
    }
}

fn job_names(a: &WorkflowActivation) -> Vec<String> {
    a.jobs.iter().filter_map(|j| j.variant.as_ref()).map(label).collect()
}

fn answer(
    run: &mut RunMachines,
    steps: &[Step],
    next: &mut usize,
    out: &mut Outcome,
) -> Result<(), WorkflowError> {
    while let Some(act) = run.next_activation()? {
        let Some(s) = steps.get(*next) else {
            panic!("unexpected extra activation {:?}", job_names(&act));
        };
        assert_eq!(job_names(&act), s.expect, "activation {} has the wrong jobs", *next);
        run.apply_completion(s.reply.clone(), &[])?;
        out.activations.push(act);
        *next += 1;
    }
    Ok(())
}

/// Runs the scenario in one mode.
pub(crate) fn run_scenario(h: &HistoryBuilder, steps: &[Step], mode: Mode) -> Result<Outcome, WorkflowError> {
    let events = h.events();
    let ends = h.task_ends();
    let last_end = *ends.last().expect("history has a workflow task");
    let mut out = Outcome::default();
    let mut next = 0;
    match mode {
        Mode::Incremental => {
            let mut run = RunMachines::new("run-1", config(false));
            for end in &ends {
                run.feed_history(h.events_through(*end), *end)?;
                run.feed_messages(h.messages.get(end).cloned().unwrap_or_default());
                answer(&mut run, steps, &mut next, &mut out)?;
                out.sent.push(run.take_commands_to_send());
                out.messages.push(run.take_messages_to_send());
            }
            run.feed_history(events, last_end)?;
            answer(&mut run, steps, &mut next, &mut out)?;
        }
        Mode::FullReplay => {
            let mut run = RunMachines::new("run-1", config(true));
            run.feed_history(events, last_end)?;
            answer(&mut run, steps, &mut next, &mut out)?;
        }
        Mode::EvictAfterEveryTask => {
            for end in &ends {
                let mut run = RunMachines::new("run-1", config(false));
                next = 0;
                out.activations.clear();
                run.feed_history(h.events_through(*end), *end)?;
                run.feed_messages(h.messages.get(end).cloned().unwrap_or_default());
                answer(&mut run, steps, &mut next, &mut out)?;
                out.sent.push(run.take_commands_to_send());
                if *end == last_end {
                    run.feed_history(events.clone(), last_end)?;
                    answer(&mut run, steps, &mut next, &mut out)?;
                }
            }
        }
    }
    assert_eq!(next, steps.len(), "{mode:?}: not every scripted activation happened");
    Ok(out)
}

/// Runs the scenario in all three modes and returns the incremental run's outcome.
pub(crate) fn run_all_modes(h: &HistoryBuilder, steps: &[Step]) -> Outcome {
    let mut first = None;
    for mode in ALL_MODES {
        let outcome = run_scenario(h, steps, mode).unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        first.get_or_insert(outcome);
    }
    first.unwrap_or_default()
}
