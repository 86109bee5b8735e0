//! Runs a scripted workflow (expected jobs + commands to reply, per activation) against a
//! history in three modes: incrementally (a sticky worker that sees each task's new events),
//! as one full replay, and evicting the run after every workflow task (so each task replays
//! everything before it). `run_all_modes` also runs the evicting mode with every task's history
//! handed over in small pages, fed only when the run asks for more, and checks that it sends the
//! same commands.
use super::HistoryBuilder;
use crate::errors::WorkflowError;
use crate::workflow::machines::label;
use crate::workflow::pb::*;
use crate::workflow::run::{Next, RunConfig, RunMachines};

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
            .map(|v| WorkflowCommand {
                variant: Some(v),
                user_metadata: None,
            })
            .collect(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    Incremental,
    FullReplay,
    EvictAfterEveryTask,
    /// Like `EvictAfterEveryTask`, with each task's history in pages of this many events.
    Paged(usize),
    /// Like `FullReplay`, with the history in pages of this many events.
    PagedReplay(usize),
}

pub(crate) const ALL_MODES: [Mode; 5] = [
    Mode::Incremental,
    Mode::FullReplay,
    Mode::EvictAfterEveryTask,
    Mode::Paged(1),
    Mode::Paged(3),
];

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
        own_version: None,
    }
}

/// The kinds of an activation's jobs, in order.
pub(crate) fn job_labels(a: &WorkflowActivation) -> Vec<String> {
    a.jobs.iter().filter_map(|j| j.variant.as_ref()).map(label).collect()
}

/// Answers activations until the run is idle. When it asks for more history, the next of
/// `pages` is fed (a run with no pages left must not ask).
fn answer_paged(
    run: &mut RunMachines,
    steps: &[Step],
    next: &mut usize,
    out: &mut Outcome,
    pages: &mut std::collections::VecDeque<Vec<HistoryEvent>>,
) -> Result<(), WorkflowError> {
    loop {
        run.expect_more_history(!pages.is_empty());
        let act = match run.next_step()? {
            Next::Activation(a) => *a,
            Next::Idle => return Ok(()),
            Next::NeedsHistory => {
                let page = pages
                    .pop_front()
                    .expect("the run asked for history after the last page");
                run.feed_history(page, 0)?;
                continue;
            }
        };
        let Some(s) = steps.get(*next) else {
            panic!("unexpected extra activation {:?}", job_labels(&act));
        };
        assert_eq!(job_labels(&act), s.expect, "activation {} has the wrong jobs", *next);
        run.apply_completion(s.reply.clone(), &[])?;
        out.activations.push(act);
        *next += 1;
    }
}

fn answer(run: &mut RunMachines, steps: &[Step], next: &mut usize, out: &mut Outcome) -> Result<(), WorkflowError> {
    answer_paged(run, steps, next, out, &mut Default::default())
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
        Mode::PagedReplay(size) => {
            let mut run = RunMachines::new("run-1", config(true));
            let mut pages: std::collections::VecDeque<Vec<HistoryEvent>> =
                events.chunks(size).map(|c| c.to_vec()).collect();
            let first = pages.pop_front().unwrap_or_default();
            run.feed_history(first, last_end)?;
            answer_paged(&mut run, steps, &mut next, &mut out, &mut pages)?;
            assert!(pages.is_empty(), "{mode:?}: replay ended with pages left unfetched");
        }
        Mode::Paged(size) => {
            for end in &ends {
                let mut run = RunMachines::new("run-1", config(false));
                next = 0;
                out.activations.clear();
                let mut pages: std::collections::VecDeque<Vec<HistoryEvent>> =
                    h.events_through(*end).chunks(size).map(|c| c.to_vec()).collect();
                let first = pages.pop_front().unwrap_or_default();
                run.feed_history(first, *end)?;
                run.feed_messages(h.messages.get(end).cloned().unwrap_or_default());
                answer_paged(&mut run, steps, &mut next, &mut out, &mut pages)?;
                assert!(pages.is_empty(), "{mode:?}: the task ended with pages left unfetched");
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

/// Runs the scenario in every mode and returns the incremental run's outcome. The paged runs
/// must produce exactly the activations and commands of the unpaged evicting run.
pub(crate) fn run_all_modes(h: &HistoryBuilder, steps: &[Step]) -> Outcome {
    let mut first = None;
    let mut evicting = None;
    for mode in ALL_MODES {
        let outcome = run_scenario(h, steps, mode).unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        match mode {
            Mode::EvictAfterEveryTask => evicting = Some((outcome.sent.clone(), outcome.activations.clone())),
            Mode::Paged(_) => {
                let (sent, activations) = evicting.as_ref().expect("the evicting mode runs first");
                assert_eq!(&outcome.sent, sent, "{mode:?} sent different commands");
                assert_eq!(
                    &outcome.activations, activations,
                    "{mode:?} produced different activations"
                );
            }
            _ => {}
        }
        first.get_or_insert(outcome);
    }
    first.unwrap_or_default()
}
