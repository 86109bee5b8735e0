//! Transition coverage: in test builds every transition a machine takes is recorded, and a test
//! compares them with each machine's declared transition table.
#[cfg(test)]
use std::collections::BTreeSet;
#[cfg(test)]
use std::sync::Mutex;

/// A transition taken: (machine, from state, event, to state).
#[cfg(test)]
pub(crate) type Taken = (String, String, String, String);

#[cfg(test)]
static TAKEN: Mutex<BTreeSet<Taken>> = Mutex::new(BTreeSet::new());

#[cfg(test)]
pub(crate) fn record(machine: &str, from: &str, event: &str, to: &str) {
    if let Ok(mut set) = TAKEN.lock() {
        set.insert((machine.into(), from.into(), event.into(), to.into()));
    }
}

#[cfg(not(test))]
#[inline(always)]
pub(crate) fn record(_machine: &str, _from: &str, _event: &str, _to: &str) {}

/// Every transition of every machine, as (machine, from state, event, to state).
/// A transition row: (machine, from state, event, to state).
pub(crate) type Transition = (&'static str, &'static str, &'static str, &'static str);

/// A machine's table: (from state, event, to state) rows.
pub(crate) type Table = &'static [(&'static str, &'static str, &'static str)];

#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn all_transitions() -> Vec<Transition> {
    use super::*;
    let mut all = vec![];
    let tables: [(&'static str, Table); 9] = [
        (timer::NAME, timer::TRANSITIONS),
        (activity::NAME, activity::TRANSITIONS),
        (signal_external::NAME, signal_external::TRANSITIONS),
        (cancel_external::NAME, cancel_external::TRANSITIONS),
        (child_workflow::NAME, child_workflow::TRANSITIONS),
        (patch::NAME, patch::TRANSITIONS),
        (local_activity::NAME, local_activity::TRANSITIONS),
        (update::NAME, update::TRANSITIONS),
        (nexus_operation::NAME, nexus_operation::TRANSITIONS),
    ];
    for (name, table) in tables {
        for (from, ev, to) in table {
            all.push((name, *from, *ev, *to));
        }
    }
    for kind in simple::SimpleKind::ALL {
        for (from, ev, to) in simple::TRANSITIONS {
            all.push((kind.name(), *from, *ev, *to));
        }
    }
    all
}

/// Transitions taken so far in this test process.
#[cfg(test)]
pub(crate) fn taken() -> BTreeSet<Taken> {
    TAKEN.lock().map(|s| s.clone()).unwrap_or_default()
}
