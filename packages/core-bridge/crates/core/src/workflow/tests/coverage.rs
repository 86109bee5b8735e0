use crate::workflow::machines::coverage::{all_transitions, taken};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Runs every scenario, then reports, per machine, how many of its declared transitions were
/// taken and which were not (written to `target/machine-coverage.txt` and printed).
#[test]
fn machine_transition_coverage() {
    for (_, f) in super::all_scenarios() {
        f();
    }
    let taken = taken();
    let mut per_machine: BTreeMap<&str, (usize, usize, Vec<String>)> = BTreeMap::new();
    for (m, from, ev, to) in all_transitions() {
        let entry = per_machine.entry(m).or_default();
        entry.1 += 1;
        if taken.contains(&(m.to_string(), from.to_string(), ev.to_string(), to.to_string())) {
            entry.0 += 1;
        } else {
            entry.2.push(format!("{from} --{ev}--> {to}"));
        }
    }
    let mut undeclared = vec![];
    for (m, from, ev, to) in &taken {
        if !all_transitions()
            .iter()
            .any(|(a, b, c, d)| a == m && b == from && c == ev && d == to)
        {
            undeclared.push(format!("{m}: {from} --{ev}--> {to}"));
        }
    }
    let mut report = String::from("machine transition coverage\n");
    for (m, (hit, total, missing)) in &per_machine {
        let _ = writeln!(report, "{m:28} {hit:3}/{total:3}");
        for t in missing {
            let _ = writeln!(report, "    not exercised: {t}");
        }
    }
    println!("{report}");
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/machine-coverage.txt");
    let _ = std::fs::write(target, &report);
    assert!(
        undeclared.is_empty(),
        "transitions taken but missing from the tables: {undeclared:?}"
    );
}
