//! Lang's commands: a completion from the TypeScript side, each command dispatched to the machine
//! that carries it.
use super::*;

impl RunMachines {
    /// Applies the commands of a successful completion. Query answers are returned separately.
    pub fn apply_completion(
        &mut self,
        commands: Vec<WorkflowCommand>,
        used_lang_flags: &[u32],
    ) -> Result<Vec<lang::QueryResult>, WorkflowError> {
        for f in used_lang_flags {
            if self.config.sdk_metadata_supported && !self.flags.lang_in_history.contains(f) {
                self.flags.lang_new.insert(*f);
            }
        }
        let mut queries = vec![];
        let mut others = vec![];
        for c in commands {
            match c.variant {
                Some(LangCommand::RespondToQuery(q)) => queries.push(q),
                Some(v) => others.push((v, c.user_metadata)),
                None => return Err(WorkflowError::MalformedCompletion("a command has no variant".into())),
            }
        }
        let is_terminal = |v: &LangCommand| {
            matches!(
                v,
                LangCommand::CompleteWorkflowExecution(_)
                    | LangCommand::FailWorkflowExecution(_)
                    | LangCommand::CancelWorkflowExecution(_)
                    | LangCommand::ContinueAsNewWorkflowExecution(_)
            )
        };
        let ordered = if self.flag_enabled(flags::MOVE_TERMINAL_COMMANDS) {
            let mut terminal = None;
            let mut rest = vec![];
            for (v, md) in others {
                if is_terminal(&v) {
                    if terminal.is_none() {
                        terminal = Some((v, md));
                    }
                } else {
                    rest.push((v, md));
                }
            }
            rest.extend(terminal);
            rest
        } else {
            let mut rest = vec![];
            for (v, md) in others {
                let stop = is_terminal(&v);
                rest.push((v, md));
                if stop {
                    break;
                }
            }
            rest
        };
        for (v, md) in ordered {
            self.handle_lang_command(v, md)?;
        }
        Ok(queries)
    }

    pub(super) fn handle_lang_command(
        &mut self,
        v: LangCommand,
        md: Option<UserMetadata>,
    ) -> Result<(), WorkflowError> {
        match v {
            LangCommand::StartTimer(t) => {
                let seq = t.seq;
                let (m, out) = TimerMachine::new(t).map_err(Self::nde)?;
                let key = self.add_machine(Machine::Timer(m), out, md);
                self.by_command.insert(CommandKey::Timer(seq), key);
            }
            LangCommand::CancelTimer(t) => {
                let key = self.lookup(CommandKey::Timer(t.seq), "timer")?;
                let out = match &mut self.machines[key] {
                    Machine::Timer(m) => m.cancel().map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::ScheduleActivity(a) => {
                let seq = a.seq;
                let tq = self.config.task_queue.clone();
                let (m, out) = ActivityMachine::new(a, &tq, None).map_err(Self::nde)?;
                let key = self.add_machine(Machine::Activity(Box::new(m)), out, md);
                self.by_command.insert(CommandKey::Activity(seq), key);
            }
            LangCommand::RequestCancelActivity(a) => {
                let key = self.lookup(CommandKey::Activity(a.seq), "activity")?;
                let out = match &mut self.machines[key] {
                    Machine::Activity(m) => m.cancel().map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::CompleteWorkflowExecution(c) => {
                let cmd = new_command(
                    CommandType::CompleteWorkflowExecution,
                    CommandAttrs::CompleteWorkflowExecutionCommandAttributes(
                        command::CompleteWorkflowExecutionCommandAttributes {
                            result: c.result.map(|p| Payloads { payloads: vec![p] }),
                        },
                    ),
                );
                self.add_simple(SimpleKind::CompleteWorkflow, cmd, md)?;
            }
            LangCommand::FailWorkflowExecution(f) => {
                let cmd = new_command(
                    CommandType::FailWorkflowExecution,
                    CommandAttrs::FailWorkflowExecutionCommandAttributes(
                        command::FailWorkflowExecutionCommandAttributes { failure: f.failure },
                    ),
                );
                self.add_simple(SimpleKind::FailWorkflow, cmd, md)?;
            }
            LangCommand::CancelWorkflowExecution(_) => {
                let cmd = new_command(
                    CommandType::CancelWorkflowExecution,
                    CommandAttrs::CancelWorkflowExecutionCommandAttributes(
                        command::CancelWorkflowExecutionCommandAttributes { details: None },
                    ),
                );
                self.add_simple(SimpleKind::CancelWorkflow, cmd, md)?;
            }
            LangCommand::ContinueAsNewWorkflowExecution(c) => {
                let cmd = self.continue_as_new_command(c);
                self.add_simple(SimpleKind::ContinueAsNew, cmd, md)?;
            }
            LangCommand::UpsertWorkflowSearchAttributes(u) => {
                let mut fields = u.search_attributes;
                if self.flag_enabled(flags::UPSERT_SEARCH_ATTRIBUTE_ON_PATCH)
                    && fields.contains_key(CHANGE_VERSION_SEARCH_ATTRIBUTE)
                {
                    // Like the official SDKs: the whole upsert is dropped, but its (empty) command
                    // is still sent so that histories keep the same events.
                    tracing::warn!("ignoring an upsert of {CHANGE_VERSION_SEARCH_ATTRIBUTE}: the core maintains it");
                    fields.clear();
                }
                let cmd = upsert_command(fields);
                self.add_simple(SimpleKind::UpsertSearchAttributes, cmd, md)?;
            }
            LangCommand::ModifyWorkflowProperties(p) => {
                let cmd = new_command(
                    CommandType::ModifyWorkflowProperties,
                    CommandAttrs::ModifyWorkflowPropertiesCommandAttributes(
                        command::ModifyWorkflowPropertiesCommandAttributes {
                            upserted_memo: Some(common::Memo {
                                fields: p.upserted_memo,
                            }),
                        },
                    ),
                );
                self.add_simple(SimpleKind::ModifyWorkflowProperties, cmd, md)?;
            }
            LangCommand::SetPatchMarker(p) => {
                let exists = self
                    .machines
                    .iter()
                    .any(|m| matches!(m, Machine::Patch(x) if x.patch_id == p.patch_id));
                if exists {
                    return Ok(());
                }
                let id = p.patch_id.clone();
                let (m, out) = PatchMachine::new(p).map_err(Self::nde)?;
                let patch_key = self.add_machine(Machine::Patch(m), out, md);
                self.patches_seen.insert(id);
                if self.flag_enabled(flags::UPSERT_SEARCH_ATTRIBUTE_ON_PATCH) {
                    // Every patch the workflow asked for so far, sorted, as the official SDKs write it.
                    let value = crate::workflow::history::json_payload(&self.patches_seen);
                    let mut value = value;
                    value.metadata.insert("type".into(), b"KeywordList".to_vec());
                    if value.data.len() >= 2048 {
                        tracing::warn!("not upserting {CHANGE_VERSION_SEARCH_ATTRIBUTE}: the patch list is too large");
                    } else {
                        let cmd = upsert_command([(CHANGE_VERSION_SEARCH_ATTRIBUTE.to_string(), value)].into());
                        self.add_simple(SimpleKind::UpsertSearchAttributes, cmd, None)?;
                        self.patch_upserts.insert(patch_key, self.machines.len() - 1);
                    }
                }
            }
            LangCommand::StartChildWorkflowExecution(c) => {
                let seq = c.seq;
                let cmd = self.start_child_command(&c);
                let (m, out) = ChildWorkflowMachine::new(c, cmd).map_err(Self::nde)?;
                let key = self.add_machine(Machine::ChildWorkflow(Box::new(m)), out, md);
                self.by_command.insert(CommandKey::ChildWorkflow(seq), key);
            }
            LangCommand::CancelChildWorkflowExecution(c) => {
                let key = self.lookup(CommandKey::ChildWorkflow(c.child_workflow_seq), "child workflow")?;
                let (out, server_cancel) = match &mut self.machines[key] {
                    Machine::ChildWorkflow(m) => {
                        let needs = m.needs_server_cancel();
                        let target = (m.namespace().to_string(), m.workflow_id().to_string());
                        (m.cancel().map_err(Self::nde)?, needs.then_some(target))
                    }
                    _ => (vec![], None),
                };
                self.apply_outputs(key, out);
                let already = self.child_cancels.values().any(|c| *c == key);
                if let Some((namespace, workflow_id)) = server_cancel
                    && !already
                {
                    let cmd = new_command(
                        CommandType::RequestCancelExternalWorkflowExecution,
                        CommandAttrs::RequestCancelExternalWorkflowExecutionCommandAttributes(
                            command::RequestCancelExternalWorkflowExecutionCommandAttributes {
                                namespace,
                                workflow_id,
                                run_id: String::new(),
                                control: String::new(),
                                child_workflow_only: true,
                                reason: c.reason,
                            },
                        ),
                    );
                    let (m, out) = CancelExternalMachine::new(c.child_workflow_seq, cmd, true).map_err(Self::nde)?;
                    let cancel_key = self.add_machine(Machine::CancelExternal(m), out, None);
                    self.child_cancels.insert(cancel_key, key);
                }
            }
            LangCommand::RequestCancelExternalWorkflowExecution(c) => {
                let target = c.workflow_execution.unwrap_or_default();
                let cmd = new_command(
                    CommandType::RequestCancelExternalWorkflowExecution,
                    CommandAttrs::RequestCancelExternalWorkflowExecutionCommandAttributes(
                        command::RequestCancelExternalWorkflowExecutionCommandAttributes {
                            namespace: target.namespace,
                            workflow_id: target.workflow_id,
                            run_id: target.run_id,
                            control: String::new(),
                            child_workflow_only: false,
                            reason: c.reason,
                        },
                    ),
                );
                let (m, out) = CancelExternalMachine::new(c.seq, cmd, false).map_err(Self::nde)?;
                let key = self.add_machine(Machine::CancelExternal(m), out, md);
                self.by_command.insert(CommandKey::CancelExternal(c.seq), key);
            }
            LangCommand::SignalExternalWorkflowExecution(s) => {
                use lang::signal_external_workflow_execution::Target;
                let (namespace, execution, child_only) = match s.target {
                    Some(Target::WorkflowExecution(w)) => (
                        w.namespace,
                        common::WorkflowExecution {
                            workflow_id: w.workflow_id,
                            run_id: w.run_id,
                        },
                        false,
                    ),
                    Some(Target::ChildWorkflowId(id)) => (
                        self.config.namespace.clone(),
                        common::WorkflowExecution {
                            workflow_id: id,
                            run_id: String::new(),
                        },
                        true,
                    ),
                    None => {
                        return Err(WorkflowError::MalformedCompletion(
                            "signal_external_workflow_execution has no target".into(),
                        ));
                    }
                };
                let cmd = new_command(
                    CommandType::SignalExternalWorkflowExecution,
                    CommandAttrs::SignalExternalWorkflowExecutionCommandAttributes(
                        command::SignalExternalWorkflowExecutionCommandAttributes {
                            namespace,
                            execution: Some(execution),
                            signal_name: s.signal_name,
                            input: payloads(s.args),
                            control: String::new(),
                            child_workflow_only: child_only,
                            header: header(s.headers),
                        },
                    ),
                );
                let (m, out) = SignalExternalMachine::new(s.seq, cmd).map_err(Self::nde)?;
                let key = self.add_machine(Machine::SignalExternal(m), out, md);
                self.by_command.insert(CommandKey::SignalExternal(s.seq), key);
            }
            LangCommand::CancelSignalWorkflow(c) => {
                let key = self.lookup(CommandKey::SignalExternal(c.seq), "signal")?;
                let out = match &mut self.machines[key] {
                    Machine::SignalExternal(m) => m.cancel().map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::ScheduleLocalActivity(a) => {
                let seq = a.seq;
                if a.schedule_to_close_timeout.is_none() && a.start_to_close_timeout.is_none() {
                    return Err(WorkflowError::MalformedCompletion(format!(
                        "local activity {seq} needs a schedule-to-close or start-to-close timeout"
                    )));
                }
                let recorded = if self.replaying {
                    self.la_stash.remove(&seq)
                } else {
                    None
                };
                let (m, out) = LocalActivityMachine::new(a, self.replaying, self.time, recorded).map_err(Self::nde)?;
                let key = self.add_machine(Machine::LocalActivity(Box::new(m)), out, md);
                self.by_command.insert(CommandKey::LocalActivity(seq), key);
            }
            LangCommand::RequestCancelLocalActivity(a) => {
                let key = self.lookup(CommandKey::LocalActivity(a.seq), "local activity")?;
                let out = match &mut self.machines[key] {
                    Machine::LocalActivity(m) => m.cancel().map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::UpdateResponse(u) => {
                let Some(&key) = self.by_update.get(&u.protocol_instance_id) else {
                    return Err(WorkflowError::Nondeterminism(format!(
                        "the workflow answered update {}, which it was never asked to run",
                        u.protocol_instance_id
                    )));
                };
                let Some(response) = u.response else {
                    return Err(WorkflowError::MalformedCompletion(
                        "update_response has no response".into(),
                    ));
                };
                let replaying = self.replaying;
                let out = match &mut self.machines[key] {
                    Machine::Update(m) => m.respond(response, replaying).map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::ScheduleNexusOperation(n) => {
                let seq = n.seq;
                let (m, out) = NexusOperationMachine::new(n).map_err(Self::nde)?;
                let key = self.add_machine(Machine::NexusOperation(Box::new(m)), out, md);
                self.by_command.insert(CommandKey::NexusOperation(seq), key);
            }
            LangCommand::RequestCancelNexusOperation(n) => {
                let key = self.lookup(CommandKey::NexusOperation(n.seq), "nexus operation")?;
                let out = match &mut self.machines[key] {
                    Machine::NexusOperation(m) => m.cancel().map_err(Self::nde)?,
                    _ => vec![],
                };
                self.apply_outputs(key, out);
            }
            LangCommand::RespondToQuery(_) => {}
        }
        Ok(())
    }

    pub(super) fn add_simple(
        &mut self,
        kind: SimpleKind,
        cmd: Command,
        md: Option<UserMetadata>,
    ) -> Result<(), WorkflowError> {
        if kind.is_terminal() {
            self.terminal_command_issued = true;
        }
        let (m, out) = SimpleCommandMachine::new(kind, cmd).map_err(Self::nde)?;
        self.add_machine(Machine::Simple(m), out, md);
        Ok(())
    }

    pub(super) fn continue_as_new_command(&self, c: lang::ContinueAsNewWorkflowExecution) -> Command {
        let started = self.started.clone().unwrap_or_default();
        let task_queue = if c.task_queue.is_empty() {
            started
                .task_queue
                .as_ref()
                .map(|t| t.name.clone())
                .unwrap_or_else(|| self.config.task_queue.clone())
        } else {
            c.task_queue.clone()
        };
        let workflow_type = if c.workflow_type.is_empty() {
            self.workflow_type.clone()
        } else {
            c.workflow_type.clone()
        };
        new_command(
            CommandType::ContinueAsNewWorkflowExecution,
            CommandAttrs::ContinueAsNewWorkflowExecutionCommandAttributes(
                command::ContinueAsNewWorkflowExecutionCommandAttributes {
                    workflow_type: Some(common::WorkflowType { name: workflow_type }),
                    task_queue: Some(crate::workflow::machines::activity::task_queue(&task_queue)),
                    input: payloads(c.arguments),
                    workflow_run_timeout: c.workflow_run_timeout.or(started.workflow_run_timeout),
                    workflow_task_timeout: c.workflow_task_timeout.or(started.workflow_task_timeout),
                    backoff_start_interval: c.backoff_start_interval,
                    retry_policy: c.retry_policy.or(started.retry_policy),
                    initiator: 0,
                    failure: None,
                    last_completion_result: None,
                    cron_schedule: String::new(),
                    header: header(c.headers),
                    memo: if c.memo.is_empty() {
                        started.memo
                    } else {
                        Some(common::Memo { fields: c.memo })
                    },
                    search_attributes: if c.search_attributes.is_empty() {
                        started.search_attributes
                    } else {
                        Some(common::SearchAttributes {
                            indexed_fields: c.search_attributes,
                        })
                    },
                    inherit_build_id: crate::workflow::machines::activity::use_workflow_build_id(
                        c.versioning_intent,
                        &c.task_queue,
                        &self.config.task_queue,
                    ),
                    initial_versioning_behavior: c.initial_versioning_behavior,
                },
            ),
        )
    }

    pub(super) fn start_child_command(&self, c: &lang::StartChildWorkflowExecution) -> Command {
        let task_queue = if c.task_queue.is_empty() {
            self.config.task_queue.clone()
        } else {
            c.task_queue.clone()
        };
        let namespace = if c.namespace.is_empty() {
            self.config.namespace.clone()
        } else {
            c.namespace.clone()
        };
        new_command(
            CommandType::StartChildWorkflowExecution,
            CommandAttrs::StartChildWorkflowExecutionCommandAttributes(
                command::StartChildWorkflowExecutionCommandAttributes {
                    namespace,
                    workflow_id: c.workflow_id.clone(),
                    workflow_type: Some(common::WorkflowType {
                        name: c.workflow_type.clone(),
                    }),
                    task_queue: Some(crate::workflow::machines::activity::task_queue(&task_queue)),
                    input: payloads(c.input.clone()),
                    workflow_execution_timeout: c.workflow_execution_timeout,
                    workflow_run_timeout: c.workflow_run_timeout,
                    workflow_task_timeout: c.workflow_task_timeout,
                    parent_close_policy: c.parent_close_policy,
                    control: String::new(),
                    workflow_id_reuse_policy: c.workflow_id_reuse_policy,
                    retry_policy: c.retry_policy.clone(),
                    cron_schedule: c.cron_schedule.clone(),
                    header: header(c.headers.clone()),
                    memo: (!c.memo.is_empty()).then(|| common::Memo { fields: c.memo.clone() }),
                    search_attributes: (!c.search_attributes.is_empty()).then(|| common::SearchAttributes {
                        indexed_fields: c.search_attributes.clone(),
                    }),
                    inherit_build_id: crate::workflow::machines::activity::use_workflow_build_id(
                        c.versioning_intent,
                        &c.task_queue,
                        &self.config.task_queue,
                    ),
                    priority: c.priority.clone(),
                    versioning_override: None,
                },
            ),
        )
    }
}

pub(super) fn upsert_command(fields: HashMap<String, Payload>) -> Command {
    new_command(
        CommandType::UpsertWorkflowSearchAttributes,
        CommandAttrs::UpsertWorkflowSearchAttributesCommandAttributes(
            command::UpsertWorkflowSearchAttributesCommandAttributes {
                search_attributes: Some(common::SearchAttributes { indexed_fields: fields }),
            },
        ),
    )
}
