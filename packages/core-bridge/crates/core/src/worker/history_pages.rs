//! The history of one workflow task as the server hands it out: the events that came with the
//! poll, and what is still to be fetched with GetWorkflowExecutionHistory. Pages are fetched one
//! at a time when the run's machines ask for more, not all up front.
//!
//! Two ways a task can leave history on the server:
//! - the poll response carries a `next_page_token`: the following pages continue the poll's events;
//! - a task with partial (sticky) history arrives for a run that is not cached (a sticky cache
//!   miss): the whole history is fetched from event 1, and the poll's own events are appended after
//!   the last page. They matter because GetWorkflowExecutionHistory never returns the events of a
//!   transient or speculative workflow task, which the poll response does carry.
use crate::protos::temporal::api::history::v1::HistoryEvent;
use crate::protos::temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse;

#[derive(Debug, Clone, PartialEq)]
enum PageToken {
    /// Fetch the whole history from the first event (cache miss).
    FromStart,
    /// Fetch the page this token names.
    Next(Vec<u8>),
    /// Everything is here.
    Done,
}

/// Pagination state of one workflow task.
#[derive(Debug)]
pub(crate) struct TaskHistory {
    token: PageToken,
    /// On a cache miss, the poll's own events, fed after the last fetched page.
    final_events: Vec<HistoryEvent>,
    fetching: bool,
    /// Pages fetched so far (for logs and tests).
    pages_fetched: usize,
}

/// Whether a poll response's history starts mid-run (sticky, incremental history).
pub(crate) fn is_partial(resp: &PollWorkflowTaskQueueResponse) -> bool {
    resp.history
        .as_ref()
        .and_then(|h| h.events.first())
        .is_none_or(|e| e.event_id != 1)
}

impl TaskHistory {
    /// History that is complete as it is (replay, or a poll that carried everything).
    pub(crate) fn complete() -> Self {
        TaskHistory {
            token: PageToken::Done,
            final_events: vec![],
            fetching: false,
            pages_fetched: 0,
        }
    }

    /// Splits a poll response's history into the events to feed now and what is left on the
    /// server. `cached` says whether the run is in the cache (partial history is then expected).
    pub(crate) fn from_poll(resp: &mut PollWorkflowTaskQueueResponse, cached: bool) -> (Self, Vec<HistoryEvent>) {
        let events = resp.history.take().map(|h| h.events).unwrap_or_default();
        let token = std::mem::take(&mut resp.next_page_token);
        let legacy_query_without_history = resp.query.is_some() && events.is_empty();
        if !cached && !legacy_query_without_history && events.first().is_none_or(|e| e.event_id != 1) {
            let pages = TaskHistory {
                token: PageToken::FromStart,
                final_events: events,
                fetching: false,
                pages_fetched: 0,
            };
            return (pages, vec![]);
        }
        let token = if token.is_empty() {
            PageToken::Done
        } else {
            PageToken::Next(token)
        };
        (
            TaskHistory {
                token,
                final_events: vec![],
                fetching: false,
                pages_fetched: 0,
            },
            events,
        )
    }

    /// Whether the server still holds events of this task.
    pub(crate) fn more(&self) -> bool {
        self.token != PageToken::Done
    }

    /// Whether this task started with a fetch of the whole history (a sticky cache miss).
    pub(crate) fn is_cache_miss(&self) -> bool {
        self.token == PageToken::FromStart
    }

    /// The token for the next page (empty: from the start), marking a fetch as in flight; `None`
    /// when one already is, or nothing is left.
    pub(crate) fn start_fetch(&mut self) -> Option<Vec<u8>> {
        if self.fetching {
            return None;
        }
        let token = match &self.token {
            PageToken::FromStart => vec![],
            PageToken::Next(t) => t.clone(),
            PageToken::Done => return None,
        };
        self.fetching = true;
        Some(token)
    }

    /// Whether a fetch is in flight.
    pub(crate) fn fetching(&self) -> bool {
        self.fetching
    }

    /// A fetched page: returns the events to feed. After the last page (empty token), the poll's
    /// own events follow; the run skips the ones it already has.
    pub(crate) fn page_arrived(
        &mut self,
        mut events: Vec<HistoryEvent>,
        next_page_token: Vec<u8>,
    ) -> Vec<HistoryEvent> {
        self.fetching = false;
        self.pages_fetched += 1;
        if next_page_token.is_empty() {
            self.token = PageToken::Done;
            events.append(&mut self.final_events);
        } else {
            self.token = PageToken::Next(next_page_token);
        }
        events
    }

    /// A fetch failed; nothing changes but the in-flight mark.
    pub(crate) fn fetch_failed(&mut self) {
        self.fetching = false;
    }

    pub(crate) fn pages_fetched(&self) -> usize {
        self.pages_fetched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::temporal::api::history::v1::History;
    use crate::test_help::HistoryBuilder;
    use crate::workflow::run::{Next, RunConfig, RunMachines};

    fn timer_rounds(rounds: u32) -> HistoryBuilder {
        let mut h = HistoryBuilder::new("wf");
        h.add_workflow_execution_started();
        h.add_full_wft();
        for seq in 1..=rounds {
            let t = h.add_timer_started(seq);
            h.add_timer_fired(t, seq);
            if seq < rounds {
                h.add_full_wft();
            } else {
                h.add_wft_scheduled();
                h.add_wft_started();
            }
        }
        h
    }

    fn poll(events: Vec<HistoryEvent>, started: i64, token: &[u8]) -> PollWorkflowTaskQueueResponse {
        PollWorkflowTaskQueueResponse {
            task_token: b"tt".to_vec(),
            started_event_id: started,
            history: Some(History { events }),
            next_page_token: token.to_vec(),
            ..Default::default()
        }
    }

    fn live_run() -> RunMachines {
        RunMachines::new(
            "run-1",
            RunConfig {
                namespace: "default".into(),
                task_queue: "tq".into(),
                replay_mode: false,
                sdk_metadata_supported: true,
                own_version: None,
            },
        )
    }

    /// Plays the server: hands out `all` in pages of `size` events starting after `from`.
    struct Server {
        all: Vec<HistoryEvent>,
        size: usize,
        served: usize,
    }

    impl Server {
        fn page(&mut self, token: &[u8]) -> (Vec<HistoryEvent>, Vec<u8>) {
            self.served += 1;
            let from: usize = if token.is_empty() {
                0
            } else {
                String::from_utf8_lossy(token).parse().expect("token")
            };
            let to = (from + self.size).min(self.all.len());
            let next = if to < self.all.len() {
                to.to_string().into_bytes()
            } else {
                vec![]
            };
            (self.all[from..to].to_vec(), next)
        }
    }

    /// Drives a run through a task whose history comes in pages, answering activation n with a
    /// timer n; returns the activations' first job names and how many pages were fetched
    /// before the first activation.
    fn drive(run: &mut RunMachines, pages: &mut TaskHistory, server: &mut Server) -> (Vec<String>, usize) {
        let mut names = vec![];
        let mut pages_before_first = None;
        loop {
            run.expect_more_history(pages.more());
            match run.next_step().expect("no error") {
                Next::Activation(a) => {
                    pages_before_first.get_or_insert(server.served);
                    let first = a.jobs[0]
                        .variant
                        .as_ref()
                        .map(crate::workflow::machines::label)
                        .unwrap_or_default();
                    let seq = names.len() as u32 + 1;
                    names.push(first);
                    let reply = vec![crate::workflow::pb::WorkflowCommand {
                        variant: Some(crate::workflow::pb::LangCommand::StartTimer(
                            crate::workflow::pb::lang::StartTimer {
                                seq,
                                start_to_fire_timeout: Some(prost_types::Duration { seconds: 1, nanos: 0 }),
                            },
                        )),
                        user_metadata: None,
                    }];
                    run.apply_completion(reply, &[]).expect("completion applies");
                }
                Next::NeedsHistory => {
                    let token = pages.start_fetch().expect("a page to fetch");
                    let (events, next) = server.page(&token);
                    let events = pages.page_arrived(events, next);
                    run.feed_history(events, 0).expect("contiguous");
                }
                Next::Idle => return (names, pages_before_first.unwrap_or(server.served)),
            }
        }
    }

    #[test]
    fn a_paged_task_fetches_pages_only_as_the_machines_need_them() {
        let rounds = 10;
        let h = timer_rounds(rounds);
        let all = h.events();
        let started = all.last().expect("events").event_id;
        let mut server = Server {
            all: all.clone(),
            size: 4,
            served: 0,
        };
        let (first, token) = server.page(&[]);
        server.served = 0;
        let mut resp = poll(first, started, &token);
        let mut run = live_run();
        let (mut pages, events) = TaskHistory::from_poll(&mut resp, false);
        assert!(pages.more(), "the poll said more pages follow");
        assert!(!pages.is_cache_miss());
        run.feed_history(events, started).expect("first page");
        let (names, before_first) = drive(&mut run, &mut pages, &mut server);
        assert_eq!(names[0], "InitializeWorkflow");
        assert_eq!(names.len(), rounds as usize + 1, "one activation per timer round");
        assert!(names[1..].iter().all(|n| n == "FireTimer"));
        let total_pages = all.len().div_ceil(4) - 1;
        assert_eq!(server.served, total_pages, "every page is fetched exactly once");
        assert!(
            before_first <= 2,
            "the first activation needs two tasks, not {before_first} pages"
        );
        assert!(!run.is_replaying(), "the last task is live");
        assert_eq!(run.last_applied_event_id(), started);
        let sent = run.take_commands_to_send();
        assert_eq!(
            sent.len(),
            1,
            "only the live task's timer is sent; history answered the others"
        );
    }

    #[test]
    fn a_sticky_cache_miss_fetches_from_the_start_and_appends_the_polls_own_events() {
        let rounds = 6;
        let h = timer_rounds(rounds);
        let all = h.events();
        let started = all.last().expect("events").event_id;
        // The sticky task carries only the events after the previous task's started event; the
        // last two (this task's scheduled and started events) are transient: the history API does
        // not return them.
        let partial: Vec<HistoryEvent> = all.iter().filter(|e| e.event_id > started - 5).cloned().collect();
        let persisted: Vec<HistoryEvent> = all.iter().filter(|e| e.event_id <= started - 2).cloned().collect();
        let mut server = Server {
            all: persisted,
            size: 3,
            served: 0,
        };
        let mut resp = poll(partial, started, &[]);
        assert!(is_partial(&resp));
        let (mut pages, events) = TaskHistory::from_poll(&mut resp, false);
        assert!(pages.is_cache_miss());
        assert!(
            events.is_empty(),
            "nothing is fed before the history from event 1 is in"
        );
        let mut run = live_run();
        run.feed_history(events, started).expect("nothing yet");
        let (names, _) = drive(&mut run, &mut pages, &mut server);
        assert_eq!(names.len(), rounds as usize + 1);
        assert_eq!(
            run.last_received_event_id(),
            started,
            "the poll's transient events were appended"
        );
        assert!(pages.pages_fetched() >= 2);
        assert!(!pages.more());
    }

    #[test]
    fn a_cached_run_keeps_partial_history_and_a_complete_poll_needs_no_pages() {
        let h = timer_rounds(1);
        let all = h.events();
        let started = all.last().expect("events").event_id;
        let mut resp = poll(all.iter().filter(|e| e.event_id > 3).cloned().collect(), started, &[]);
        let (pages, events) = TaskHistory::from_poll(&mut resp, true);
        assert!(!pages.more());
        assert_eq!(events.first().map(|e| e.event_id), Some(4));
        let mut resp = poll(all.clone(), started, &[]);
        let (mut pages, events) = TaskHistory::from_poll(&mut resp, false);
        assert!(!pages.more());
        assert_eq!(events.len(), all.len());
        assert_eq!(pages.start_fetch(), None, "nothing left to fetch");
    }

    #[test]
    fn only_one_fetch_is_in_flight_and_empty_pages_with_a_token_keep_it_going() {
        let mut resp = poll(vec![], 10, &[]);
        let (mut pages, _) = TaskHistory::from_poll(&mut resp, false);
        assert_eq!(pages.start_fetch(), Some(vec![]), "from the start");
        assert_eq!(pages.start_fetch(), None, "already fetching");
        let fed = pages.page_arrived(vec![], b"p2".to_vec());
        assert!(fed.is_empty());
        assert!(pages.more(), "an empty page with a token is not the end");
        assert_eq!(pages.start_fetch(), Some(b"p2".to_vec()));
        pages.fetch_failed();
        assert!(!pages.fetching());
        assert_eq!(
            pages.start_fetch(),
            Some(b"p2".to_vec()),
            "a failed fetch can be retried"
        );
        pages.page_arrived(vec![], vec![]);
        assert!(!pages.more());
    }
}
