//! Completions from lang: applying them to the run, building the workflow task response, and
//! failing or finishing the task.
use super::*;

impl WorkflowTasks {
    pub(super) fn completion_request(
        &self,
        run: &mut ManagedRun,
        token: Vec<u8>,
        query_results: HashMap<String, WorkflowQueryResult>,
        force_create_new_workflow_task: bool,
    ) -> RespondWorkflowTaskCompletedRequest {
        let commands = run.machines.take_commands_to_send();
        let messages = run.machines.take_messages_to_send();
        let sdk_metadata = run.machines.sdk_metadata(&self.cfg.sdk_name, &self.cfg.sdk_version);
        let sticky_attributes = self.sticky_queue.as_ref().map(|name| StickyExecutionAttributes {
            worker_task_queue: Some(TaskQueue {
                name: name.clone(),
                kind: TaskQueueKind::Sticky as i32,
                normal_name: self.cfg.task_queue.clone(),
            }),
            schedule_to_start_timeout: prost_types::Duration::try_from(self.cfg.sticky_queue_schedule_to_start_timeout)
                .ok(),
        });
        RespondWorkflowTaskCompletedRequest {
            task_token: token,
            commands,
            identity: self.cfg.identity.clone(),
            return_new_workflow_task: sticky_attributes.is_some(),
            sticky_attributes,
            force_create_new_workflow_task,
            binary_checksum: self.cfg.build_id.clone(),
            query_results,
            namespace: self.cfg.namespace.clone(),
            messages,
            sdk_metadata: Some(sdk_metadata),
            capabilities: Some(Capabilities {
                discard_speculative_workflow_task_with_events: true,
            }),
            deployment_options: self.cfg.deployment_options(),
            versioning_behavior: self.versioning_behavior(run.versioning_behavior),
            ..Default::default()
        }
    }

    /// The behavior a completion declares: the workflow's own, else the worker's default; only a worker that uses
    /// versioning declares one.
    pub(super) fn versioning_behavior(&self, declared: i32) -> i32 {
        match &self.cfg.deployment {
            Some(d) if d.use_worker_versioning => {
                if declared != VersioningBehavior::Unspecified as i32 {
                    declared
                } else {
                    d.default_versioning_behavior
                }
            }
            _ => VersioningBehavior::Unspecified as i32,
        }
    }

    /// Fails the run's workflow task (reported on attempt 1 only) and evicts the run.
    pub(super) fn fail_task(&self, st: &mut State, run_id: &str, e: WorkflowError) -> Vec<Action> {
        let (cause, reason) = match &e {
            WorkflowError::Nondeterminism(_) => (
                WorkflowTaskFailedCause::NonDeterministicError,
                EvictionReason::Nondeterminism,
            ),
            _ => (
                WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                EvictionReason::Fatal,
            ),
        };
        tracing::warn!(run_id, error = %e, "failing workflow task");
        if matches!(e, WorkflowError::Nondeterminism(_))
            && self.cfg.nondeterminism_fails_workflow
            && let Some(run) = st.runs.get_mut(run_id)
            && let Some(task) = run.task.as_ref().filter(|t| !t.is_legacy_query_task)
        {
            // Configured to fail the workflow itself: complete the task with one FailWorkflowExecution.
            run.eviction.get_or_insert((reason, e.to_string()));
            let req = RespondWorkflowTaskCompletedRequest {
                task_token: task.token.clone(),
                commands: vec![crate::workflow::machines::new_command(
                    crate::protos::temporal::api::enums::v1::CommandType::FailWorkflowExecution,
                    crate::protos::temporal::api::command::v1::command::Attributes::FailWorkflowExecutionCommandAttributes(
                        crate::protos::temporal::api::command::v1::FailWorkflowExecutionCommandAttributes { failure: Some(failure(e.to_string())) },
                    ),
                )],
                identity: self.cfg.identity.clone(),
                namespace: self.cfg.namespace.clone(),
                binary_checksum: self.cfg.build_id.clone(),
                deployment_options: self.cfg.deployment_options(),
                versioning_behavior: self.versioning_behavior(run.versioning_behavior),
                ..Default::default()
            };
            return vec![Action::RespondCompleted {
                run_id: run_id.to_string(),
                req: Box::new(req),
            }];
        }
        self.fail_with(st, run_id, failure(e.to_string()), cause, reason, e.to_string())
    }

    pub(super) fn fail_with(
        &self,
        st: &mut State,
        run_id: &str,
        f: Failure,
        cause: WorkflowTaskFailedCause,
        reason: EvictionReason,
        message: String,
    ) -> Vec<Action> {
        let Some(run) = st.runs.get_mut(run_id) else {
            return vec![];
        };
        if let Some(m) = self.metrics()
            && run.task.as_ref().is_some_and(|t| !t.is_legacy_query_task)
        {
            let failure_reason = if cause == WorkflowTaskFailedCause::NonDeterministicError {
                "NonDeterminismError"
            } else {
                "WorkflowError"
            };
            let [ns, tq, wt] = self.run_labels(&run.machines);
            m.add_counter(
                "workflow_task_execution_failed",
                &[ns, tq, wt, ("failure_reason", failure_reason.to_string())],
                1,
            );
        }
        run.eviction.get_or_insert((reason, message));
        let Some(task) = run.task.as_ref() else {
            return self.advance(st, run_id);
        };
        if task.is_legacy_query_task {
            let req = RespondQueryTaskCompletedRequest {
                task_token: task.token.clone(),
                completed_type: QueryResultType::Failed as i32,
                error_message: f.message.clone(),
                namespace: self.cfg.namespace.clone(),
                failure: Some(f),
                cause: cause as i32,
                ..Default::default()
            };
            return vec![Action::RespondLegacyQuery {
                run_id: run_id.to_string(),
                req: Box::new(req),
            }];
        }
        let req = (task.attempt <= 1).then(|| {
            Box::new(RespondWorkflowTaskFailedRequest {
                task_token: task.token.clone(),
                cause: cause as i32,
                failure: Some(f),
                identity: self.cfg.identity.clone(),
                binary_checksum: self.cfg.build_id.clone(),
                namespace: self.cfg.namespace.clone(),
                deployment_options: self.cfg.deployment_options(),
                ..Default::default()
            })
        });
        vec![Action::RespondFailed {
            run_id: run_id.to_string(),
            req,
        }]
    }

    /// Applies a completion from the worker.
    pub(crate) async fn complete(self: &Arc<Self>, completion: WorkflowActivationCompletion) -> Result<(), CoreError> {
        let actions = {
            let mut st = self.state.lock();
            self.apply_completion(&mut st, completion)?
        };
        self.perform(actions).await;
        Ok(())
    }

    pub(super) fn apply_completion(
        &self,
        st: &mut State,
        completion: WorkflowActivationCompletion,
    ) -> Result<Vec<Action>, CoreError> {
        let run_id = completion.run_id;
        let Some(run) = st.runs.get_mut(&run_id) else {
            return Err(CoreError::UnknownRun(run_id));
        };
        let Some(outstanding) = run.outstanding.clone() else {
            return Err(CoreError::IllegalState(format!(
                "run {run_id} has no outstanding activation to complete"
            )));
        };
        let Some(status) = completion.status else {
            return Err(CoreError::InvalidInput(
                "completion has no status (successful or failed)".into(),
            ));
        };
        match (outstanding, status) {
            (Outstanding::Eviction, Status::Successful(s)) if !s.commands.is_empty() => Err(CoreError::InvalidInput(
                "a completion of an eviction (RemoveFromCache) must not carry commands".into(),
            )),
            (Outstanding::Eviction, _) => {
                let mut run = match st.runs.remove(&run_id) {
                    Some(r) => r,
                    None => return Ok(vec![]),
                };
                if let Some(la) = &self.local_activities {
                    la.abandon_run(&run_id);
                }
                if let Some(m) = self.metrics() {
                    let labels = [
                        ("namespace", self.cfg.namespace.clone()),
                        ("task_queue", self.cfg.task_queue.clone()),
                    ];
                    m.set_gauge("sticky_cache_size", &labels, st.runs.len() as f64);
                    if run
                        .eviction
                        .as_ref()
                        .is_some_and(|(reason, _)| *reason != EvictionReason::WorkflowExecutionEnding)
                    {
                        m.add_counter("sticky_cache_total_forced_eviction", &labels, 1);
                    }
                }
                let mut actions = vec![];
                if let Some(b) = run.buffered.take() {
                    actions.push(Action::Process(Box::new(b)));
                }
                actions.extend(run.buffered_queries.drain(..).map(|t| Action::Process(Box::new(t))));
                if let Some(t) = st.need_slot.pop_front() {
                    actions.push(Action::Process(Box::new(t)));
                }
                if let Backend::Replay(feed) = &self.backend {
                    feed.run_finished();
                }
                self.wakeup.notify_one();
                Ok(actions)
            }
            (Outstanding::Jobs, Status::Successful(s)) => {
                run.outstanding = None;
                run.versioning_behavior = s.versioning_behavior;
                match run.machines.apply_completion(s.commands, &s.used_internal_flags) {
                    Ok(stray) => {
                        if !stray.is_empty() {
                            tracing::warn!(run_id, "ignoring query answers in a non-query activation");
                        }
                        self.dispatch_local_activities(st, &run_id);
                        Ok(self.advance(st, &run_id))
                    }
                    Err(WorkflowError::MalformedCompletion(m)) => {
                        Ok(self.fail_task(st, &run_id, WorkflowError::MalformedCompletion(m)))
                    }
                    Err(e) => Ok(self.fail_task(st, &run_id, e)),
                }
            }
            (Outstanding::Jobs, Status::Failed(f)) => {
                run.outstanding = None;
                let cause = WorkflowTaskFailedCause::try_from(f.force_cause)
                    .ok()
                    .filter(|c| *c != WorkflowTaskFailedCause::Unspecified)
                    .unwrap_or(WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure);
                let reason = if cause == WorkflowTaskFailedCause::NonDeterministicError {
                    EvictionReason::Nondeterminism
                } else {
                    EvictionReason::LangFail
                };
                let failure_msg = f.failure.as_ref().map(|x| x.message.clone()).unwrap_or_default();
                Ok(self.fail_with(st, &run_id, f.failure.unwrap_or_default(), cause, reason, failure_msg))
            }
            (Outstanding::Queries(ids), status) => {
                run.outstanding = None;
                let answers = query_answers(status);
                if let Some(task) = run.task.as_mut() {
                    for id in ids {
                        let result = answers.get(&id).cloned().unwrap_or_else(|| WorkflowQueryResult {
                            result_type: QueryResultType::Failed as i32,
                            error_message: "the workflow did not answer this query".into(),
                            ..Default::default()
                        });
                        task.query_results.insert(id, result);
                    }
                }
                Ok(self.advance(st, &run_id))
            }
            (Outstanding::LegacyQuery, status) => {
                let answers = query_answers(status);
                let Some(answer) = answers.get(LEGACY_QUERY_ID).cloned().filter(|_| answers.len() == 1) else {
                    return Err(CoreError::InvalidInput(
                        "a legacy query activation must be answered with exactly one respond_to_query command".into(),
                    ));
                };
                run.outstanding = None;
                let token = run.task.as_ref().map(|t| t.token.clone()).unwrap_or_default();
                let req = RespondQueryTaskCompletedRequest {
                    task_token: token,
                    completed_type: answer.result_type,
                    query_result: answer.answer,
                    error_message: answer.error_message,
                    namespace: self.cfg.namespace.clone(),
                    failure: answer.failure,
                    ..Default::default()
                };
                Ok(vec![Action::RespondLegacyQuery {
                    run_id,
                    req: Box::new(req),
                }])
            }
        }
    }

    pub(super) fn dispatch_local_activities(&self, st: &mut State, run_id: &str) {
        let (Some(la), Some(run)) = (&self.local_activities, st.runs.get_mut(run_id)) else {
            return;
        };
        let ctx = LaContext {
            namespace: self.cfg.namespace.clone(),
            workflow_id: run.machines.workflow_id.clone(),
            workflow_type: run.machines.workflow_type.clone(),
            run_id: run_id.to_string(),
            task_queue: self.cfg.task_queue.clone(),
        };
        for req in run.machines.take_local_activity_requests() {
            la.start(ctx.clone(), req);
        }
        for (seq, wait) in run.machines.take_local_activity_cancels() {
            la.cancel(run_id, seq, wait);
        }
    }

    /// The run's task is finished: release it, then feed whatever was waiting for the run.
    pub(super) fn task_done(&self, st: &mut State, run_id: &str) -> Vec<Action> {
        let mut actions = vec![];
        if let Some(run) = st.runs.get_mut(run_id) {
            run.task = None;
            if run.eviction.is_none() {
                if let Some(q) = run.buffered_queries.pop_front() {
                    actions.push(Action::Process(Box::new(q)));
                } else if let Some(b) = run.buffered.take() {
                    actions.push(Action::Process(Box::new(b)));
                }
            }
        }
        actions.extend(self.advance(st, run_id));
        // The run may now be idle, which is what a poll waiting out a shutdown is waiting for: without this it would
        // wait for good once no task and no activation is left to wake it.
        self.wakeup.notify_one();
        actions
    }

    pub(super) fn after_completed(
        &self,
        st: &mut State,
        run_id: &str,
        result: Result<RespondWorkflowTaskCompletedResponse, CoreError>,
    ) -> Vec<Action> {
        let metrics = match &self.backend {
            Backend::Server(c) => Some(c.metrics().clone()),
            Backend::Replay(_) => None,
        };
        let cache_size = st.runs.len();
        let Some(run) = st.runs.get_mut(run_id) else {
            return vec![];
        };
        let forced = run.machines.has_unresolved_local_activities();
        let labels = [
            ("namespace", self.cfg.namespace.clone()),
            ("task_queue", self.cfg.task_queue.clone()),
            ("workflow_type", run.machines.workflow_type.clone()),
        ];
        let permit = run.task.take().and_then(|t| {
            if let Some(m) = &metrics {
                m.record_histogram(
                    "workflow_task_execution_latency",
                    &labels,
                    t.received.elapsed().as_secs_f64() * 1000.0,
                );
            }
            t._permit
        });
        if let Some(m) = &metrics {
            m.set_gauge("sticky_cache_size", &labels[..2], cache_size as f64);
            if result.is_ok()
                && let Some(name) = run.machines.terminal_metric()
            {
                m.add_counter(name, &labels, 1);
                if let Some(ms) = millis_since(run.machines.start_time().as_ref()) {
                    m.record_histogram("workflow_endtoend_latency", &labels, ms);
                }
            }
        }
        match result {
            Ok(resp) => {
                if resp.reset_history_event_id > 0
                    && let Err(e) = run.machines.discard_speculative_task(resp.reset_history_event_id)
                {
                    tracing::warn!(run_id, error = %e, "could not roll back a discarded speculative workflow task; evicting");
                    run.eviction.get_or_insert((EvictionReason::Fatal, e.to_string()));
                }
                if run.machines.is_finished() {
                    run.eviction.get_or_insert((
                        EvictionReason::WorkflowExecutionEnding,
                        "workflow execution is ending".into(),
                    ));
                } else if (self.cfg.max_cached_workflows == 0 && !forced) || self.replay {
                    run.eviction
                        .get_or_insert((EvictionReason::CacheFull, "workflow cache is disabled".into()));
                }
                if let Some(next) = resp.workflow_task.filter(|t| !t.task_token.is_empty())
                    && run.eviction.is_none()
                {
                    run.buffered = Some(Task { resp: next, permit });
                }
            }
            Err(CoreError::Transport { status, .. }) => {
                let reason = match status.code() {
                    tonic::Code::NotFound => EvictionReason::TaskNotFound,
                    tonic::Code::InvalidArgument if status.message().contains("UnhandledCommand") => {
                        EvictionReason::UnhandledCommand
                    }
                    _ => EvictionReason::Fatal,
                };
                tracing::warn!(run_id, error = %status, "RespondWorkflowTaskCompleted failed; evicting");
                run.eviction.get_or_insert((
                    reason,
                    format!("RespondWorkflowTaskCompleted failed: {}", status.message()),
                ));
            }
            Err(e) => {
                run.eviction.get_or_insert((EvictionReason::Fatal, e.to_string()));
            }
        }
        self.task_done(st, run_id)
    }
}
