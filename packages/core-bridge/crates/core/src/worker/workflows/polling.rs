//! Polling: the pollers of the normal and sticky queues, history page fetches, and admitting a
//! polled task into the run cache.
use super::*;

impl WorkflowTasks {
    pub(super) fn ensure_pollers(self: &Arc<Self>) {
        if self.pollers_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let Some(tx) = self.tx.lock().take() else { return };
        match &self.backend {
            Backend::Replay(feed) => {
                let feed = feed.clone();
                let me = self.clone();
                tokio::spawn(async move {
                    while let Some(resp) = feed.next_task().await {
                        if tx
                            .send(Polled::Task(Box::new(Task { resp, permit: None })))
                            .await
                            .is_err()
                        {
                            break;
                        }
                    }
                    drop(tx);
                    me.wakeup.notify_one();
                });
            }
            Backend::Server(conn) => {
                let (nonsticky, sticky) = self.cfg.workflow_poller_split();
                let mut queues = vec![(
                    TaskQueue {
                        name: self.cfg.task_queue.clone(),
                        kind: TaskQueueKind::Normal as i32,
                        normal_name: String::new(),
                    },
                    nonsticky,
                )];
                if let Some(s) = &self.sticky_queue {
                    queues.push((
                        TaskQueue {
                            name: s.clone(),
                            kind: TaskQueueKind::Sticky as i32,
                            normal_name: self.cfg.task_queue.clone(),
                        },
                        sticky,
                    ));
                }
                for (queue, count) in queues {
                    for _ in 0..count {
                        let tx = tx.clone();
                        let conn = conn.clone();
                        let cfg = self.cfg.clone();
                        let slots = self.slots.clone();
                        let queue = queue.clone();
                        let mut shutdown = self.shutdown.clone();
                        tokio::spawn(async move {
                            poll_loop(conn, cfg, slots, queue, tx, &mut shutdown).await;
                        });
                    }
                }
                drop(tx);
            }
        }
    }

    /// Waits for the next activation.
    pub(crate) async fn poll(self: &Arc<Self>) -> Result<WorkflowActivation, CoreError> {
        self.ensure_pollers();
        let mut rx_guard = self.rx.lock().await;
        loop {
            {
                let mut st = self.state.lock();
                if let Some(a) = st.ready.pop_front() {
                    return Ok(a);
                }
                if let Some(msg) = st.fatal.take() {
                    return Err(CoreError::IllegalState(format!("workflow polling failed: {msg}")));
                }
                if self.pollers_done.load(Ordering::SeqCst)
                    && st.runs.values().all(|r| !r.busy())
                    && st.need_slot.is_empty()
                {
                    return Err(CoreError::ShutDown);
                }
            }
            let polled = match rx_guard.as_mut() {
                Some(rx) => {
                    tokio::select! {
                        _ = self.wakeup.notified() => None,
                        m = rx.recv() => Some(m),
                    }
                }
                None => {
                    self.wakeup.notified().await;
                    None
                }
            };
            match polled {
                None => {}
                Some(None) => {
                    *rx_guard = None;
                    self.pollers_done.store(true, Ordering::SeqCst);
                }
                Some(Some(Polled::Task(task))) => self.handle_task(*task).await,
                Some(Some(Polled::Fatal(e))) => return Err(e),
            }
        }
    }

    pub(super) fn handle_task<'a>(
        self: &'a Arc<Self>,
        task: Task,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            let actions = match self.admit_task(task).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "dropping workflow task");
                    vec![]
                }
            };
            self.perform(actions).await;
        })
    }

    /// One page of a run's history.
    pub(super) async fn fetch_page(
        &self,
        execution: WorkflowExecution,
        token: Vec<u8>,
    ) -> Result<(Vec<HistoryEvent>, Vec<u8>), CoreError> {
        let Backend::Server(conn) = &self.backend else {
            return Err(CoreError::IllegalState(
                "a replay worker cannot fetch history pages".into(),
            ));
        };
        let req = GetWorkflowExecutionHistoryRequest {
            namespace: self.cfg.namespace.clone(),
            execution: Some(execution),
            maximum_page_size: self.cfg.history_page_size,
            next_page_token: token,
            ..Default::default()
        };
        let ns = self.cfg.namespace.clone();
        let resp = conn
            .call("GetWorkflowExecutionHistory", Some(&ns), |mut c| {
                let req = req.clone();
                let ns = ns.clone();
                async move { c.get_workflow_execution_history(request(&ns, req)).await }
            })
            .await?;
        Ok((resp.history.map(|h| h.events).unwrap_or_default(), resp.next_page_token))
    }

    /// A history page (or the failure to get one) for the run's current task.
    pub(super) fn page_arrived(
        &self,
        st: &mut State,
        run_id: &str,
        page: Result<(Vec<HistoryEvent>, Vec<u8>), CoreError>,
    ) -> Vec<Action> {
        let Some(run) = st.runs.get_mut(run_id) else {
            return vec![];
        };
        let Some(task) = run.task.as_mut().filter(|t| t.history.fetching()) else {
            return vec![];
        };
        let (events, next_token) = match page {
            Ok(p) => p,
            Err(e) => {
                task.history.fetch_failed();
                tracing::warn!(run_id, error = %e, "could not fetch a history page; evicting the run");
                return self.request_eviction_locked(
                    st,
                    run_id,
                    EvictionReason::PaginationOrHistoryFetch,
                    &format!("history fetch failed: {e}"),
                );
            }
        };
        let events = task.history.page_arrived(events, next_token);
        let more = task.history.more();
        if !more {
            tracing::debug!(
                run_id,
                pages = task.history.pages_fetched(),
                "fetched the task's whole history"
            );
        }
        let started = task.started_event_id;
        if let Err(e) = run.machines.feed_history(events, started) {
            return self.fail_task(st, run_id, e);
        }
        run.machines.expect_more_history(more);
        if !more && started > 0 && run.machines.last_received_event_id() < started {
            let message = format!(
                "history pages ended at event {} before the task's started event {started}",
                run.machines.last_received_event_id()
            );
            tracing::warn!(run_id, "{message}");
            return self.request_eviction_locked(st, run_id, EvictionReason::PaginationOrHistoryFetch, &message);
        }
        self.advance(st, run_id)
    }

    /// Decides what to do with a polled task: buffer it, fetch missing history, wait for a cache
    /// slot, or feed it to its run.
    pub(super) async fn admit_task(self: &Arc<Self>, task: Task) -> Result<Vec<Action>, CoreError> {
        if task.resp.task_token.is_empty() || task.resp.workflow_execution.is_none() {
            return Ok(vec![]);
        }
        let run_id = task
            .resp
            .workflow_execution
            .as_ref()
            .map(|e| e.run_id.clone())
            .unwrap_or_default();
        let busy = self.state.lock().runs.get(&run_id).is_some_and(|r| r.busy());
        if busy {
            let mut st = self.state.lock();
            if let Some(run) = st.runs.get_mut(&run_id) {
                if task.resp.query.is_some() {
                    run.buffered_queries.push_back(task);
                } else {
                    run.buffered = Some(task);
                }
                return Ok(vec![]);
            }
        }
        let mut st = self.state.lock();
        if !st.runs.contains(&run_id) && st.runs.len() >= self.cache_capacity() {
            st.need_slot.push_back(task);
            self.evict_lru(&mut st);
            return Ok(vec![]);
        }
        Ok(self.start_task(&mut st, task))
    }

    pub(super) fn evict_lru(&self, st: &mut State) {
        let victim = st.runs.least_recent(|r| !r.busy()).map(str::to_string);
        if let Some(id) = victim {
            self.request_eviction_locked(st, &id, EvictionReason::CacheFull, "cache is full");
        }
    }

    pub(super) fn start_task(&self, st: &mut State, task: Task) -> Vec<Action> {
        let mut resp = task.resp;
        let run_id = resp
            .workflow_execution
            .as_ref()
            .map(|e| e.run_id.clone())
            .unwrap_or_default();
        let cached = st.runs.contains(&run_id);
        let incremental = resp.query.is_none() && crate::worker::history_pages::is_partial(&resp);
        let (history, events) = match &self.backend {
            Backend::Server(_) => TaskHistory::from_poll(&mut resp, cached),
            Backend::Replay(_) => (
                TaskHistory::complete(),
                resp.history.take().map(|h| h.events).unwrap_or_default(),
            ),
        };
        if let Backend::Server(c) = &self.backend
            && incremental
        {
            let labels = [
                ("namespace", self.cfg.namespace.clone()),
                ("task_queue", self.cfg.task_queue.clone()),
            ];
            let name = if history.is_cache_miss() {
                "sticky_cache_miss"
            } else {
                "sticky_cache_hit"
            };
            c.metrics().add_counter(name, &labels, 1);
        }
        let sdk_metadata_supported = match &self.backend {
            Backend::Server(c) => c.capabilities().sdk_metadata,
            Backend::Replay(_) => true,
        };
        let run = st.runs.touch_or_insert_with(&run_id, || ManagedRun {
            machines: RunMachines::new(
                run_id.clone(),
                RunConfig {
                    namespace: self.cfg.namespace.clone(),
                    task_queue: self.cfg.task_queue.clone(),
                    replay_mode: self.replay,
                    sdk_metadata_supported,
                    own_version: self.cfg.own_version(),
                },
            ),
            task: None,
            buffered: None,
            buffered_queries: VecDeque::new(),
            outstanding: None,
            eviction: None,
            queries_pending: vec![],
            versioning_behavior: 0,
        });
        let is_legacy = resp.query.is_some();
        if is_legacy && !resp.queries.is_empty() {
            tracing::error!(run_id, "server sent a legacy query and in-task queries together");
        }
        run.machines.set_query_only_task(is_legacy);
        let fed = if is_legacy && events.is_empty() {
            Ok(())
        } else {
            run.machines.feed_history(events, resp.started_event_id)
        };
        run.machines.expect_more_history(history.more());
        run.task = Some(ActiveTask {
            token: resp.task_token,
            attempt: resp.attempt,
            _permit: task.permit,
            legacy_query: resp.query,
            is_legacy_query_task: is_legacy,
            query_results: HashMap::new(),
            received: Instant::now(),
            heartbeat_armed: false,
            replayed: false,
            replay_recorded: false,
            started_event_id: resp.started_event_id,
            execution: resp.workflow_execution.clone().unwrap_or_default(),
            history,
        });
        run.machines.feed_messages(resp.messages);
        let mut queries: Vec<(String, WorkflowQuery)> = resp.queries.into_iter().collect();
        queries.sort_by(|a, b| a.0.cmp(&b.0));
        run.queries_pending = queries;
        if let Err(e) = fed {
            return self.fail_task(st, &run_id, e);
        }
        self.advance(st, &run_id)
    }
}

async fn poll_loop(
    conn: Connection,
    cfg: Arc<WorkerConfig>,
    slots: Arc<Semaphore>,
    queue: TaskQueue,
    tx: mpsc::Sender<Polled>,
    shutdown: &mut watch::Receiver<bool>,
) {
    let sticky = queue.kind == TaskQueueKind::Sticky as i32;
    let poller_type = if sticky {
        "sticky_workflow_task"
    } else {
        "workflow_task"
    };
    let mut backoff = Duration::from_millis(200);
    let started = Instant::now();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let permit = tokio::select! {
            _ = shutdown.changed() => return,
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
        };
        let req = PollWorkflowTaskQueueRequest {
            namespace: cfg.namespace.clone(),
            task_queue: Some(queue.clone()),
            identity: cfg.identity.clone(),
            binary_checksum: cfg.build_id.clone(),
            deployment_options: cfg.deployment_options(),
            ..Default::default()
        };
        let mut client = conn.client();
        let labels = [
            ("namespace", cfg.namespace.clone()),
            ("task_queue", cfg.task_queue.clone()),
            ("poller_type", poller_type.to_string()),
        ];
        let in_flight = conn.metrics().gauge_guard("num_pollers", labels.to_vec());
        let poll_started = Instant::now();
        let result = tokio::select! {
            _ = shutdown.changed() => return,
            r = client.poll_workflow_task_queue(long_poll(&cfg.namespace, req)) => r,
        };
        drop(in_flight);
        conn.record_long_poll(
            "PollWorkflowTaskQueue",
            poll_started,
            result.as_ref().err().map(|s| s.code()),
        );
        match result {
            Ok(resp) => {
                backoff = Duration::from_millis(200);
                let resp = resp.into_inner();
                if resp.task_token.is_empty() {
                    conn.metrics().add_counter("workflow_task_queue_poll_empty", &labels, 1);
                    continue;
                }
                conn.metrics()
                    .add_counter("workflow_task_queue_poll_succeed", &labels, 1);
                if let Some(ms) = millis_between(resp.scheduled_time.as_ref(), resp.started_time.as_ref()) {
                    conn.metrics()
                        .record_histogram("workflow_task_schedule_to_start_latency", &labels[..2], ms);
                }
                if tx
                    .send(Polled::Task(Box::new(Task {
                        resp,
                        permit: Some(permit),
                    })))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Err(status) => {
                if is_fatal_poll_error(&status) && started.elapsed() > Duration::from_secs(60)
                    || matches!(
                        status.code(),
                        tonic::Code::Unauthenticated
                            | tonic::Code::PermissionDenied
                            | tonic::Code::NotFound
                            | tonic::Code::InvalidArgument
                            | tonic::Code::Unimplemented
                    )
                {
                    let _ = tx
                        .send(Polled::Fatal(CoreError::transport("PollWorkflowTaskQueue", status)))
                        .await;
                    return;
                }
                tracing::debug!(error = %status, "workflow poll failed, retrying");
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}

pub(crate) fn is_fatal_poll_error(status: &tonic::Status) -> bool {
    !crate::connection::is_retryable(status.code())
        && !matches!(status.code(), tonic::Code::Cancelled | tonic::Code::DeadlineExceeded)
}
