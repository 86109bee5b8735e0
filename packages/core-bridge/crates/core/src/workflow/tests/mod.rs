//! Scenario tests for every machine. Each scenario runs incrementally, as a full replay and
//! with the run evicted after every workflow task; `coverage` runs them all and reports which
//! transitions of each machine were exercised.

/// Declares a file's scenarios: the `SCENARIOS` list the coverage test runs, and one `#[test]` per
/// scenario in a `scenario` module, so one failure hides no other and `cargo test <name>` selects one.
macro_rules! scenarios {
    ($(($name:literal, $f:ident $(,)?)),* $(,)?) => {
        pub(super) const SCENARIOS: &[(&str, fn())] = &[$(($name, $f)),*];

        mod scenario {
            $(
                #[doc = $name]
                #[test]
                fn $f() {
                    super::$f()
                }
            )*
        }
    };
}

mod activity;
mod child;
mod coverage;
mod external;
mod local_activity;
mod nexus;
mod patch;
mod simple;
mod timer;
mod update;
mod wire;

use crate::test_help::*;
use crate::workflow::pb::*;

pub(crate) fn complete(text: &str) -> LangCommand {
    LangCommand::CompleteWorkflowExecution(lang::CompleteWorkflowExecution {
        result: Some(payload(text)),
    })
}

pub(crate) fn start_timer(seq: u32) -> LangCommand {
    LangCommand::StartTimer(lang::StartTimer {
        seq,
        start_to_fire_timeout: Some(prost_types::Duration { seconds: 1, nanos: 0 }),
    })
}

pub(crate) fn cancel_timer(seq: u32) -> LangCommand {
    LangCommand::CancelTimer(lang::CancelTimer { seq })
}

/// A history that starts the workflow and runs its first workflow task.
pub(crate) fn started_history() -> HistoryBuilder {
    let mut h = HistoryBuilder::new("wf");
    h.add_workflow_execution_started();
    h.add_full_wft();
    h
}

/// Every scenario, so the coverage test can run them all in one process.
pub(crate) fn all_scenarios() -> Vec<(&'static str, fn())> {
    let mut all = vec![];
    all.extend(timer::SCENARIOS.iter().copied());
    all.extend(activity::SCENARIOS.iter().copied());
    all.extend(child::SCENARIOS.iter().copied());
    all.extend(external::SCENARIOS.iter().copied());
    all.extend(patch::SCENARIOS.iter().copied());
    all.extend(simple::SCENARIOS.iter().copied());
    all.extend(update::SCENARIOS.iter().copied());
    all.extend(nexus::SCENARIOS.iter().copied());
    all.extend(local_activity::SCENARIOS.iter().copied());
    all
}
