//! Reporting to the server: the actions decided under the lock, performed outside it, and the
//! workflow task heartbeat while local activities run.
use super::*;

impl WorkflowTasks {
    /// The heartbeat deadline of a task passed: if local activities still hold it, complete it
    /// with the commands so far and ask the server for a new task.
    pub(super) fn wft_heartbeat(&self, run_id: &str, token: &[u8]) -> Vec<Action> {
        let mut st = self.state.lock();
        let Some(run) = st.runs.get_mut(run_id) else {
            return vec![];
        };
        let holds = run.task.as_ref().is_some_and(|t| t.token == token) && run.outstanding.is_none();
        if !holds || !run.machines.has_unresolved_local_activities() {
            return vec![];
        }
        let query_results = run
            .task
            .as_mut()
            .map(|t| std::mem::take(&mut t.query_results))
            .unwrap_or_default();
        let req = self.completion_request(run, token.to_vec(), query_results, true);
        vec![Action::RespondCompleted {
            run_id: run_id.to_string(),
            req: Box::new(req),
        }]
    }

    /// Connects the worker's remote activities, so workflow task completions can ask for eager activity tasks.
    pub(crate) fn set_activities(&self, activities: Arc<crate::worker::activities::ActivityTasks>) {
        let _ = self.activities.set(activities);
    }

    /// Keeps `request_eager_execution` on the activities of this worker's task queue for which an activity slot
    /// could be reserved (at most `max_eager_activity_reservations`), and clears it on the others.
    pub(super) fn reserve_eager_activities(
        &self,
        req: &mut RespondWorkflowTaskCompletedRequest,
    ) -> Vec<tokio::sync::OwnedSemaphorePermit> {
        use crate::protos::temporal::api::command::v1::command::Attributes;
        let mut permits = vec![];
        for command in req.commands.iter_mut() {
            let Some(Attributes::ScheduleActivityTaskCommandAttributes(a)) = command.attributes.as_mut() else {
                continue;
            };
            if !a.request_eager_execution {
                continue;
            }
            let eligible = permits.len() < self.cfg.max_eager_activity_reservations
                && a.task_queue.as_ref().is_some_and(|q| q.name == self.cfg.task_queue);
            match self
                .activities
                .get()
                .filter(|_| eligible)
                .and_then(|acts| acts.try_reserve_eager_slot())
            {
                Some(permit) => permits.push(permit),
                None => a.request_eager_execution = false,
            }
        }
        permits
    }

    pub(super) fn perform<'a>(
        self: &'a Arc<Self>,
        actions: Vec<Action>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(self.perform_all(actions))
    }

    pub(super) async fn perform_all(self: &Arc<Self>, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::ArmHeartbeat { run_id, token, at } => {
                    let me = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                        let actions = me.wft_heartbeat(&run_id, &token);
                        me.perform(actions).await;
                    });
                }
                Action::Process(t) => self.handle_task(*t).await,
                Action::FetchPage {
                    run_id,
                    execution,
                    token,
                } => {
                    let page = self.fetch_page(execution, token).await;
                    let next = {
                        let mut st = self.state.lock();
                        self.page_arrived(&mut st, &run_id, page)
                    };
                    self.perform(next).await;
                }
                Action::RespondCompleted { run_id, mut req } => {
                    let permits = self.reserve_eager_activities(&mut req);
                    let mut result = self.respond_completed(*req).await;
                    if let (Some(acts), Ok(resp)) = (self.activities.get(), result.as_mut()) {
                        acts.deliver_eager(std::mem::take(&mut resp.activity_tasks), permits);
                    }
                    let next = {
                        let mut st = self.state.lock();
                        self.after_completed(&mut st, &run_id, result)
                    };
                    self.perform(next).await;
                }
                Action::RespondFailed { run_id, req } => {
                    if let (Some(req), Backend::Server(conn)) = (req, &self.backend) {
                        let ns = self.cfg.namespace.clone();
                        let r = conn
                            .call("RespondWorkflowTaskFailed", Some(&ns), |mut c| {
                                let req = (*req).clone();
                                let ns = ns.clone();
                                async move { c.respond_workflow_task_failed(request(&ns, req)).await }
                            })
                            .await;
                        if let Err(e) = r {
                            tracing::warn!(run_id, error = %e, "could not report the failed workflow task");
                        }
                    }
                    let next = {
                        let mut st = self.state.lock();
                        self.task_done(&mut st, &run_id)
                    };
                    self.perform(next).await;
                }
                Action::RespondLegacyQuery { run_id, req } => {
                    if let Backend::Server(conn) = &self.backend {
                        let ns = self.cfg.namespace.clone();
                        let r = conn
                            .call("RespondQueryTaskCompleted", Some(&ns), |mut c| {
                                let req = (*req).clone();
                                let ns = ns.clone();
                                async move { c.respond_query_task_completed(request(&ns, req)).await }
                            })
                            .await;
                        if let Err(e) = r {
                            tracing::warn!(run_id, error = %e, "could not answer the legacy query");
                        }
                    }
                    let next = {
                        let mut st = self.state.lock();
                        self.task_done(&mut st, &run_id)
                    };
                    self.perform(next).await;
                }
            }
        }
    }

    pub(super) async fn respond_completed(
        &self,
        req: RespondWorkflowTaskCompletedRequest,
    ) -> Result<RespondWorkflowTaskCompletedResponse, CoreError> {
        match &self.backend {
            Backend::Replay(_) => Ok(RespondWorkflowTaskCompletedResponse::default()),
            Backend::Server(conn) => {
                let ns = self.cfg.namespace.clone();
                conn.call("RespondWorkflowTaskCompleted", Some(&ns), |mut c| {
                    let req = req.clone();
                    let ns = ns.clone();
                    async move { c.respond_workflow_task_completed(request(&ns, req)).await }
                })
                .await
            }
        }
    }
}
