//! Applying history: feeding events in, finding where each workflow task ends, looking ahead for
//! flags and markers, and matching command events to the machines that issued them.
use super::*;

impl RunMachines {
    /// Adds history from a workflow task whose WFT-started event is `task_started_event_id`.
    /// Events already received are skipped; a gap in event ids is an error.
    pub fn feed_history(
        &mut self,
        events: impl IntoIterator<Item = HistoryEvent>,
        task_started_event_id: i64,
    ) -> Result<(), WorkflowError> {
        for e in events {
            if e.event_id <= self.last_received_event_id {
                continue;
            }
            if e.event_id != self.last_received_event_id + 1 {
                return Err(WorkflowError::Fatal(format!(
                    "history is not contiguous: expected event {} but got {}",
                    self.last_received_event_id + 1,
                    e.event_id
                )));
            }
            self.last_received_event_id = e.event_id;
            self.pending.push_back(e);
        }
        self.task_started_event_id = task_started_event_id.max(self.task_started_event_id);
        Ok(())
    }

    /// Marks the current task as a query-only (legacy query) task, whose history is all replay: it has no
    /// workflow task started event of its own, so nothing in it is new work.
    pub fn set_query_only_task(&mut self, query_only: bool) {
        self.query_only_task = query_only;
    }

    /// Whether the server still holds events of the current workflow task that have not been fed
    /// yet. While it does, the run only applies a workflow task once it also has the next one (for
    /// look-ahead) and asks for more history otherwise.
    pub fn expect_more_history(&mut self, more: bool) {
        self.more_history = more;
    }

    pub(super) fn apply_next_task(&mut self) -> Result<(), WorkflowError> {
        let end = next_task_end(self.pending.make_contiguous()).unwrap_or(self.pending.len() - 1);
        let task: Vec<HistoryEvent> = self.pending.drain(..=end).collect();
        let task_end_id = task.last().map(|e| e.event_id).unwrap_or(0);
        self.replaying = self.config.replay_mode || self.query_only_task || task_end_id < self.task_started_event_id;
        self.look_ahead()?;
        for e in task {
            self.apply_event(e)?;
        }
        if !self.replaying {
            self.apply_inbound_messages()?;
            let waiting: Vec<usize> = (0..self.machines.len())
                .filter(|k| matches!(&self.machines[*k], Machine::LocalActivity(m) if m.is_waiting_for_marker()))
                .collect();
            for key in waiting {
                if let Machine::LocalActivity(m) = &mut self.machines[key] {
                    let out = m.live_task_started().map_err(|e| WorkflowError::Fatal(e.to_string()))?;
                    self.apply_outputs(key, out);
                }
            }
        }
        Ok(())
    }

    /// Reads the next task's events for what this activation must know in advance: patches
    /// history says were taken, and the SDK flags recorded for this activation's completion.
    pub(super) fn look_ahead(&mut self) -> Result<(), WorkflowError> {
        let upto = next_task_end(self.pending.make_contiguous()).unwrap_or(self.pending.len().saturating_sub(1));
        let mut patches = vec![];
        let mut completed = vec![];
        let mut markers = vec![];
        let mut updates = vec![];
        for e in self.pending.iter().take(upto + 1) {
            if event_type(e) == EventType::WorkflowTaskCompleted {
                completed.push(e.clone());
            }
            if let Some((id, _)) = patch_marker(e) {
                patches.push(id);
            }
            if let Some(rec) = local_activity_marker(e) {
                markers.push(rec);
            }
            if let Some(EventAttrs::WorkflowExecutionUpdateAcceptedEventAttributes(a)) = &e.attributes {
                updates.push(a.clone());
            }
        }
        for a in updates {
            let req = a.accepted_request.clone().unwrap_or_default();
            self.start_update(
                a.protocol_instance_id,
                a.accepted_request_message_id,
                a.accepted_request_sequencing_event_id,
                req,
            );
        }
        for rec in markers {
            let seq = rec.data.seq;
            let waiting = self
                .by_command
                .get(&CommandKey::LocalActivity(seq))
                .copied()
                .filter(|k| matches!(&self.machines[*k], Machine::LocalActivity(m) if m.is_waiting_for_marker()));
            match waiting {
                Some(key) => {
                    if let Machine::LocalActivity(m) = &mut self.machines[key] {
                        let out = m.pre_resolve(rec).map_err(|e| WorkflowError::Fatal(e.to_string()))?;
                        self.apply_outputs(key, out);
                    }
                }
                None => {
                    self.la_stash.insert(seq, rec);
                }
            }
        }
        for e in &completed {
            self.read_flags(e);
        }
        // The first completion ahead is the one of the task this activation replays.
        if let Some(EventAttrs::WorkflowTaskCompletedEventAttributes(a)) =
            completed.first().and_then(|e| e.attributes.as_ref())
        {
            self.recorded_version = recorded_version(a);
        }
        for id in patches {
            if self.notified_patches.insert(id.clone()) {
                self.jobs
                    .push(Job::NotifyHasPatch(activation::NotifyHasPatch { patch_id: id }));
            }
        }
        Ok(())
    }

    pub(super) fn apply_event(&mut self, e: HistoryEvent) -> Result<(), WorkflowError> {
        self.last_applied_event_id = e.event_id;
        let et = event_type(&e);
        if is_final_event(&e) {
            self.ended_in_history = true;
        }
        match e.attributes.as_ref() {
            Some(EventAttrs::WorkflowExecutionStartedEventAttributes(a)) => {
                self.time = e.event_time;
                self.init_workflow(a.clone());
                return Ok(());
            }
            Some(EventAttrs::WorkflowTaskStartedEventAttributes(a)) => {
                self.last_wft = Some((a.scheduled_event_id, e.event_id));
                if let Some(t) = e.event_time
                    && self
                        .time
                        .is_none_or(|cur| (t.seconds, t.nanos) > (cur.seconds, cur.nanos))
                {
                    self.time = Some(t);
                }
                self.history_size_bytes = a.history_size_bytes;
                self.continue_as_new_suggested = a.suggest_continue_as_new;
                self.suggest_reasons = a.suggest_continue_as_new_reasons.clone();
                self.target_version_changed = a.target_worker_deployment_version_changed;
                return Ok(());
            }
            Some(EventAttrs::WorkflowTaskCompletedEventAttributes(_)) => {
                self.read_flags(&e);
                return Ok(());
            }
            Some(EventAttrs::WorkflowTaskFailedEventAttributes(a)) => {
                if a.cause == enums::WorkflowTaskFailedCause::ResetWorkflow as i32 {
                    self.jobs.push(Job::UpdateRandomSeed(activation::UpdateRandomSeed {
                        randomness_seed: randomness_seed(&a.new_run_id),
                    }));
                }
                return Ok(());
            }
            Some(EventAttrs::WorkflowTaskScheduledEventAttributes(_))
            | Some(EventAttrs::WorkflowTaskTimedOutEventAttributes(_)) => return Ok(()),
            Some(EventAttrs::WorkflowExecutionSignaledEventAttributes(a)) => {
                self.jobs.push(Job::SignalWorkflow(activation::SignalWorkflow {
                    signal_name: a.signal_name.clone(),
                    input: a.input.clone().map(|p| p.payloads).unwrap_or_default(),
                    identity: a.identity.clone(),
                    headers: a.header.clone().map(|h| h.fields).unwrap_or_default(),
                }));
                return Ok(());
            }
            Some(EventAttrs::WorkflowExecutionCancelRequestedEventAttributes(a)) => {
                self.jobs.push(Job::CancelWorkflow(activation::CancelWorkflow {
                    reason: a.cause.clone(),
                }));
                return Ok(());
            }
            Some(EventAttrs::WorkflowExecutionTerminatedEventAttributes(_))
            | Some(EventAttrs::WorkflowExecutionTimedOutEventAttributes(_)) => return Ok(()),
            Some(EventAttrs::WorkflowExecutionUpdateAdmittedEventAttributes(a)) => {
                let req = a.request.clone().unwrap_or_default();
                let id = req.meta.as_ref().map(|m| m.update_id.clone()).unwrap_or_default();
                self.start_update(id.clone(), format!("{id}/request"), e.event_id, req);
                return Ok(());
            }
            Some(
                EventAttrs::WorkflowPropertiesModifiedExternallyEventAttributes(_)
                | EventAttrs::ActivityPropertiesModifiedExternallyEventAttributes(_)
                | EventAttrs::WorkflowExecutionOptionsUpdatedEventAttributes(_)
                | EventAttrs::WorkflowExecutionPausedEventAttributes(_)
                | EventAttrs::WorkflowExecutionUnpausedEventAttributes(_)
                | EventAttrs::WorkflowExecutionTimeSkippingTransitionedEventAttributes(_),
            ) => return Ok(()),
            _ => {}
        }
        if is_command_event(&e) {
            return self.handle_command_event(&e);
        }
        if let Some(initiating) = initiating_event_id(&e) {
            let Some(&key) = self.by_event.get(&initiating) else {
                return Err(WorkflowError::Fatal(format!(
                    "event {} ({}) refers to event {initiating}, which started no known command",
                    e.event_id,
                    et.as_str_name()
                )));
            };
            let ctx = self.ctx();
            let out = self.machines[key]
                .handle_event(&e, ctx)
                .map_err(|err| WorkflowError::Fatal(format!("event {} ({}): {err}", e.event_id, et.as_str_name())))?;
            self.apply_outputs(key, out);
            if et == EventType::ExternalWorkflowExecutionCancelRequested
                && let Some(&child) = self.child_cancels.get(&key)
                && let Machine::ChildWorkflow(c) = &mut self.machines[child]
            {
                let out = c
                    .cancel_delivered()
                    .map_err(|err| WorkflowError::Fatal(err.to_string()))?;
                self.apply_outputs(child, out);
            }
            return Ok(());
        }
        if e.worker_may_ignore {
            return Ok(());
        }
        Err(WorkflowError::Fatal(format!(
            "event {} of type {} is not supported",
            e.event_id,
            et.as_str_name()
        )))
    }

    pub(super) fn init_workflow(&mut self, a: history::WorkflowExecutionStartedEventAttributes) {
        self.workflow_id = a.workflow_id.clone();
        self.workflow_type = a.workflow_type.as_ref().map(|t| t.name.clone()).unwrap_or_default();
        let job = activation::InitializeWorkflow {
            workflow_type: self.workflow_type.clone(),
            workflow_id: a.workflow_id.clone(),
            arguments: a.input.clone().map(|p| p.payloads).unwrap_or_default(),
            // Always the original run id (kept across resets), as the official SDKs derive it.
            randomness_seed: randomness_seed(&a.original_execution_run_id),
            headers: a.header.clone().map(|h| h.fields).unwrap_or_default(),
            identity: a.identity.clone(),
            parent_workflow_info: a
                .parent_workflow_execution
                .as_ref()
                .map(|p| kcommon::NamespacedWorkflowExecution {
                    namespace: a.parent_workflow_namespace.clone(),
                    workflow_id: p.workflow_id.clone(),
                    run_id: p.run_id.clone(),
                }),
            workflow_execution_timeout: a.workflow_execution_timeout,
            workflow_run_timeout: a.workflow_run_timeout,
            workflow_task_timeout: a.workflow_task_timeout,
            continued_from_execution_run_id: a.continued_execution_run_id.clone(),
            continued_initiator: a.initiator,
            continued_failure: a.continued_failure.clone(),
            last_completion_result: a.last_completion_result.clone().map(|p| p.payloads).unwrap_or_default(),
            first_execution_run_id: a.first_execution_run_id.clone(),
            retry_policy: a.retry_policy.clone(),
            attempt: a.attempt,
            cron_schedule: a.cron_schedule.clone(),
            workflow_execution_expiration_time: a.workflow_execution_expiration_time,
            cron_schedule_to_schedule_interval: a.first_workflow_task_backoff,
            memo: a.memo.clone().map(|m| m.fields).unwrap_or_default(),
            search_attributes: a
                .search_attributes
                .clone()
                .map(|s| s.indexed_fields)
                .unwrap_or_default(),
            start_time: self.time,
            root_workflow: a.root_workflow_execution.clone(),
            priority: a.priority.clone(),
            task_queue: a
                .task_queue
                .as_ref()
                .map(|t| t.name.clone())
                .unwrap_or_else(|| self.config.task_queue.clone()),
            namespace: self.config.namespace.clone(),
        };
        self.started = Some(a);
        self.start_time = self.time;
        self.jobs.push(Job::InitializeWorkflow(job));
    }

    pub(super) fn handle_command_event(&mut self, e: &HistoryEvent) -> Result<(), WorkflowError> {
        let et = event_type(e);
        if let Some((id, deprecated)) = patch_marker(e) {
            let requested = self
                .queue
                .iter()
                .any(|q| matches!(&self.machines[q.machine], Machine::Patch(p) if p.patch_id == id));
            if deprecated && !requested {
                self.skip_next_change_version_upsert = true;
                return Ok(());
            }
        }
        if et == EventType::UpsertWorkflowSearchAttributes
            && std::mem::take(&mut self.skip_next_change_version_upsert)
            && let Some(EventAttrs::UpsertWorkflowSearchAttributesEventAttributes(a)) = &e.attributes
            && let Some(sa) = &a.search_attributes
            && sa.indexed_fields.len() == 1
            && sa.indexed_fields.contains_key(CHANGE_VERSION_SEARCH_ATTRIBUTE)
        {
            return Ok(());
        }
        self.skip_next_change_version_upsert = false;
        let ctx = self.ctx();
        loop {
            let Some(front) = self.queue.front() else {
                return Err(WorkflowError::Nondeterminism(format!(
                    "history event {} ({}) was recorded for a command, but the workflow produced no command for it",
                    e.event_id,
                    et.as_str_name()
                )));
            };
            let key = front.machine;
            if self.machines[key].may_skip_for(e, ctx) {
                if let Machine::Patch(p) = &mut self.machines[key] {
                    let out = p.skip().map_err(|err| WorkflowError::Fatal(err.to_string()))?;
                    self.apply_outputs(key, out);
                }
                if let Some(upsert) = self.patch_upserts.remove(&key) {
                    self.queue.retain(|q| q.machine != upsert || q.sent);
                }
                continue;
            }
            let produced = format!(
                "{} ({} machine)",
                command_name(&front.command),
                self.machines[key].name()
            );
            let result = self.machines[key].handle_event(e, ctx);
            match result {
                Ok(out) => {
                    self.queue.pop_front();
                    self.by_event.insert(e.event_id, key);
                    self.apply_outputs(key, out);
                    return Ok(());
                }
                Err(err) => {
                    let detail = match err {
                        MachineError::Mismatch(m) => m,
                        other => other.to_string(),
                    };
                    return Err(WorkflowError::Nondeterminism(format!(
                        "history event {} is {}, but the workflow's next command is {produced} ({detail})",
                        e.event_id,
                        et.as_str_name()
                    )));
                }
            }
        }
    }
}

/// The worker version a WorkflowTaskCompleted event records: its deployment version, else the version string
/// (`<deployment>.<build id>`, or `<deployment>:<build id>` in newer servers), else the build id of its worker
/// stamp or its binary checksum.
fn recorded_version(a: &history::WorkflowTaskCompletedEventAttributes) -> Option<kcommon::WorkerDeploymentVersion> {
    if let Some(v) = a.deployment_version.as_ref().filter(|v| !v.build_id.is_empty()) {
        return Some(kcommon::WorkerDeploymentVersion {
            deployment_name: v.deployment_name.clone(),
            build_id: v.build_id.clone(),
        });
    }
    if !a.worker_deployment_version.is_empty() {
        let v = &a.worker_deployment_version;
        if let Some(i) = v.find([':', '.']) {
            return Some(kcommon::WorkerDeploymentVersion {
                deployment_name: v[..i].to_string(),
                build_id: v[i + 1..].to_string(),
            });
        }
    }
    let build_id = a
        .worker_version
        .as_ref()
        .map(|w| w.build_id.clone())
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| a.binary_checksum.clone());
    (!build_id.is_empty()).then(|| kcommon::WorkerDeploymentVersion {
        deployment_name: String::new(),
        build_id,
    })
}
