//! The cache of workflow runs a worker keeps between workflow tasks, in least-recently-used order.
//!
//! Capacity is not enforced here: evicting a run is a conversation with lang (a `RemoveFromCache`
//! activation that must be completed), so the worker picks a victim with [`RunCache::least_recent`]
//! and removes it only once the eviction is done.

use hashlink::LinkedHashMap;

/// Runs by run id, least recently used first; a run becomes most recent when a task starts on it.
pub(crate) struct RunCache<R> {
    runs: LinkedHashMap<String, R>,
}

impl<R> Default for RunCache<R> {
    fn default() -> Self {
        Self {
            runs: LinkedHashMap::new(),
        }
    }
}

impl<R> RunCache<R> {
    pub(crate) fn len(&self) -> usize {
        self.runs.len()
    }

    pub(crate) fn contains(&self, run_id: &str) -> bool {
        self.runs.contains_key(run_id)
    }

    /// Looks a run up without changing its recency.
    pub(crate) fn get(&self, run_id: &str) -> Option<&R> {
        self.runs.get(run_id)
    }

    /// Looks a run up without changing its recency.
    pub(crate) fn get_mut(&mut self, run_id: &str) -> Option<&mut R> {
        self.runs.get_mut(run_id)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &R> {
        self.runs.values()
    }

    /// The run with this id, created with `new` if it is not cached, made the most recently used.
    pub(crate) fn touch_or_insert_with(&mut self, run_id: &str, new: impl FnOnce() -> R) -> &mut R {
        if self.runs.contains_key(run_id) {
            self.runs.to_back(run_id);
        } else {
            self.runs.insert(run_id.to_string(), new());
        }
        self.runs.get_mut(run_id).expect("the run was just found or inserted")
    }

    /// The id of the least recently used run for which `eligible` holds.
    pub(crate) fn least_recent(&self, eligible: impl Fn(&R) -> bool) -> Option<&str> {
        self.runs.iter().find(|(_, r)| eligible(r)).map(|(id, _)| id.as_str())
    }

    pub(crate) fn remove(&mut self, run_id: &str) -> Option<R> {
        self.runs.remove(run_id)
    }
}

#[cfg(test)]
mod tests {
    use super::RunCache;

    #[test]
    fn least_recent_follows_the_order_in_which_runs_were_last_touched() {
        let mut cache = RunCache::default();
        for id in ["a", "b", "c"] {
            cache.touch_or_insert_with(id, || id.to_string());
        }
        assert_eq!(cache.least_recent(|_| true), Some("a"));
        cache.touch_or_insert_with("a", || unreachable!("a is cached"));
        assert_eq!(cache.least_recent(|_| true), Some("b"));
        assert_eq!(cache.least_recent(|r| r != "b"), Some("c"));
        assert_eq!(cache.remove("b").as_deref(), Some("b"));
        assert_eq!(cache.least_recent(|_| true), Some("c"));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn looking_a_run_up_keeps_its_place() {
        let mut cache = RunCache::default();
        cache.touch_or_insert_with("a", || 1);
        cache.touch_or_insert_with("b", || 2);
        *cache.get_mut("a").expect("cached") += 10;
        assert_eq!(cache.get("a"), Some(&11));
        assert_eq!(cache.least_recent(|_| true), Some("a"));
        assert!(cache.contains("b") && !cache.contains("c"));
    }
}
