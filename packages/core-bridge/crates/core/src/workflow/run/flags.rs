//! SDK flags the core itself understands (recorded in `sdk_metadata.core_used_flags`), the flags
//! history recorded, and the SDK metadata of each completion.
/// Check activity and child workflow ids and types against history.
pub const ID_AND_TYPE_DETERMINISM_CHECKS: u32 = 1;
/// Follow every patch marker with an upsert of `TemporalChangeVersion`.
pub const UPSERT_SEARCH_ATTRIBUTE_ON_PATCH: u32 = 2;
/// Move the first terminal command after all other commands.
pub const MOVE_TERMINAL_COMMANDS: u32 = 3;
pub const ALL: [u32; 3] = [
    ID_AND_TYPE_DETERMINISM_CHECKS,
    UPSERT_SEARCH_ATTRIBUTE_ON_PATCH,
    MOVE_TERMINAL_COMMANDS,
];

use super::*;

#[derive(Debug, Default)]
pub(super) struct Flags {
    pub(super) core_in_history: HashSet<u32>,
    pub(super) lang_in_history: BTreeSet<u32>,
    pub(super) lang_new: BTreeSet<u32>,
    /// Flags first recorded by the last completion (core, lang), in case the server discards it.
    pub(super) last_recorded: (Vec<u32>, Vec<u32>),
    /// The last non-empty `sdk_name` and `sdk_version` recorded in history (or by this worker).
    pub(super) sdk_name_in_history: String,
    pub(super) sdk_version_in_history: String,
    /// Their values before the last completion, in case the server discards it.
    pub(super) sdk_before_last_completion: (String, String),
}

impl RunMachines {
    /// Whether a core flag applies: while replaying, exactly when history recorded it (whatever
    /// the server supports now); live, when the server records `sdk_metadata` (the flag is then
    /// recorded with the completion).
    pub(super) fn flag_enabled(&self, flag: u32) -> bool {
        if self.replaying {
            self.flags.core_in_history.contains(&flag)
        } else {
            self.config.sdk_metadata_supported
        }
    }

    pub(super) fn read_flags(&mut self, e: &HistoryEvent) {
        if let Some(EventAttrs::WorkflowTaskCompletedEventAttributes(a)) = &e.attributes
            && let Some(md) = &a.sdk_metadata
        {
            self.flags.core_in_history.extend(md.core_used_flags.iter().copied());
            self.flags.lang_in_history.extend(md.lang_used_flags.iter().copied());
            if !md.sdk_name.is_empty() {
                self.flags.sdk_name_in_history = md.sdk_name.clone();
            }
            if !md.sdk_version.is_empty() {
                self.flags.sdk_version_in_history = md.sdk_version.clone();
            }
        }
    }

    /// SDK metadata for the next completion: the flags first used now, and the SDK's name and
    /// version when they differ from the last ones history recorded. Empty when the server does
    /// not record `sdk_metadata`.
    pub fn sdk_metadata(&mut self, sdk_name: &str, sdk_version: &str) -> WorkflowTaskCompletedMetadata {
        if !self.config.sdk_metadata_supported {
            self.flags.last_recorded = (vec![], vec![]);
            return WorkflowTaskCompletedMetadata::default();
        }
        let core_used_flags = if !self.replaying {
            let new: Vec<u32> = flags::ALL
                .iter()
                .copied()
                .filter(|f| !self.flags.core_in_history.contains(f))
                .collect();
            self.flags.core_in_history.extend(new.iter().copied());
            new
        } else {
            vec![]
        };
        let lang_used_flags: Vec<u32> = std::mem::take(&mut self.flags.lang_new).into_iter().collect();
        self.flags.lang_in_history.extend(lang_used_flags.iter().copied());
        self.flags.last_recorded = (core_used_flags.clone(), lang_used_flags.clone());
        self.flags.sdk_before_last_completion = (
            self.flags.sdk_name_in_history.clone(),
            self.flags.sdk_version_in_history.clone(),
        );
        let changed = |recorded: &mut String, ours: &str| {
            if recorded == ours {
                String::new()
            } else {
                *recorded = ours.to_string();
                ours.to_string()
            }
        };
        WorkflowTaskCompletedMetadata {
            core_used_flags,
            lang_used_flags,
            sdk_name: changed(&mut self.flags.sdk_name_in_history, sdk_name),
            sdk_version: changed(&mut self.flags.sdk_version_in_history, sdk_version),
        }
    }

    /// The server discarded the workflow task just completed. A speculative task (one created to
    /// deliver updates) whose updates were all rejected leaves no events in history: its scheduled
    /// and started events never happened, and the next task reuses their ids. The completion's
    /// `reset_history_event_id` is the started event id of the last workflow task that stays
    /// completed, the run's checkpoint. Rolls the run back to just before the discarded task's
    /// scheduled event, drops anything keyed to later events, and makes the next completion record
    /// again the flags the discarded one recorded.
    pub fn discard_speculative_task(&mut self, reset_history_event_id: i64) -> Result<(), WorkflowError> {
        let discarded = self.last_wft.filter(|(scheduled, started)| {
            *started == self.last_applied_event_id && *scheduled + 1 == *started && reset_history_event_id < *scheduled
        });
        let Some((scheduled, started)) = discarded.filter(|_| self.pending.is_empty()) else {
            return Err(WorkflowError::Fatal(format!(
                "the server discarded the workflow task (back to started event {reset_history_event_id}), but the run's last \
                 events (up to {}, last task {:?}, {} unapplied) are not a discardable task",
                self.last_applied_event_id,
                self.last_wft,
                self.pending.len()
            )));
        };
        tracing::debug!(run_id = %self.run_id, scheduled, started, reset_history_event_id, "rolling back a discarded speculative workflow task");
        let keep = scheduled - 1;
        self.last_applied_event_id = keep;
        self.last_received_event_id = keep;
        self.task_started_event_id = reset_history_event_id;
        self.last_wft = None;
        self.by_event.retain(|event_id, _| *event_id <= keep);
        let (core, lang) = std::mem::take(&mut self.flags.last_recorded);
        for f in core {
            self.flags.core_in_history.remove(&f);
        }
        for f in lang {
            self.flags.lang_in_history.remove(&f);
            self.flags.lang_new.insert(f);
        }
        (self.flags.sdk_name_in_history, self.flags.sdk_version_in_history) =
            std::mem::take(&mut self.flags.sdk_before_last_completion);
        Ok(())
    }
}
