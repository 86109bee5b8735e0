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

    /// Hands one command to the machine that carries it: a new machine for a new command, the
    /// existing one for a cancel or an update response.
    pub(super) fn handle_lang_command(
        &mut self,
        v: LangCommand,
        md: Option<UserMetadata>,
    ) -> Result<(), WorkflowError> {
        match v {
            LangCommand::StartTimer(t) => {
                let seq = t.seq;
                let (m, out) = TimerMachine::new(t).map_err(Self::nde)?;
                self.start(CommandKey::Timer(seq), Machine::Timer(m), out, md);
            }
            LangCommand::CancelTimer(t) => self.cancel(CommandKey::Timer(t.seq), "timer")?,
            LangCommand::ScheduleActivity(a) => {
                let seq = a.seq;
                let (m, out) = ActivityMachine::new(a, &self.config.task_queue, None).map_err(Self::nde)?;
                self.start(CommandKey::Activity(seq), Machine::Activity(Box::new(m)), out, md);
            }
            LangCommand::RequestCancelActivity(a) => self.cancel(CommandKey::Activity(a.seq), "activity")?,
            LangCommand::CompleteWorkflowExecution(c) => {
                self.add_simple(SimpleCommandMachine::complete_workflow(c), md)?;
            }
            LangCommand::FailWorkflowExecution(f) => self.add_simple(SimpleCommandMachine::fail_workflow(f), md)?,
            LangCommand::CancelWorkflowExecution(_) => self.add_simple(SimpleCommandMachine::cancel_workflow(), md)?,
            LangCommand::ContinueAsNewWorkflowExecution(c) => {
                let started = self.started.clone().unwrap_or_default();
                let m = SimpleCommandMachine::continue_as_new(c, started, &self.workflow_type, &self.config.task_queue);
                self.add_simple(m, md)?;
            }
            LangCommand::UpsertWorkflowSearchAttributes(u) => self.upsert_search_attributes(u, md)?,
            LangCommand::ModifyWorkflowProperties(p) => {
                self.add_simple(SimpleCommandMachine::modify_workflow_properties(p), md)?;
            }
            LangCommand::SetPatchMarker(p) => self.set_patch_marker(p, md)?,
            LangCommand::StartChildWorkflowExecution(c) => {
                let seq = c.seq;
                let (m, out) =
                    ChildWorkflowMachine::new(c, &self.config.namespace, &self.config.task_queue).map_err(Self::nde)?;
                self.start(
                    CommandKey::ChildWorkflow(seq),
                    Machine::ChildWorkflow(Box::new(m)),
                    out,
                    md,
                );
            }
            LangCommand::CancelChildWorkflowExecution(c) => self.cancel_child(c)?,
            LangCommand::RequestCancelExternalWorkflowExecution(c) => {
                let seq = c.seq;
                let (m, out) = CancelExternalMachine::external(c).map_err(Self::nde)?;
                self.start(CommandKey::CancelExternal(seq), Machine::CancelExternal(m), out, md);
            }
            LangCommand::SignalExternalWorkflowExecution(mut s) => {
                let seq = s.seq;
                let Some(target) = s.target.take() else {
                    return Err(WorkflowError::MalformedCompletion(
                        "signal_external_workflow_execution has no target".into(),
                    ));
                };
                let (m, out) = SignalExternalMachine::new(s, target, &self.config.namespace).map_err(Self::nde)?;
                self.start(CommandKey::SignalExternal(seq), Machine::SignalExternal(m), out, md);
            }
            LangCommand::CancelSignalWorkflow(c) => self.cancel(CommandKey::SignalExternal(c.seq), "signal")?,
            LangCommand::ScheduleLocalActivity(a) => self.schedule_local_activity(a, md)?,
            LangCommand::RequestCancelLocalActivity(a) => {
                self.cancel(CommandKey::LocalActivity(a.seq), "local activity")?;
            }
            LangCommand::UpdateResponse(u) => self.respond_to_update(u)?,
            LangCommand::ScheduleNexusOperation(n) => {
                let seq = n.seq;
                let (m, out) = NexusOperationMachine::new(n).map_err(Self::nde)?;
                self.start(
                    CommandKey::NexusOperation(seq),
                    Machine::NexusOperation(Box::new(m)),
                    out,
                    md,
                );
            }
            LangCommand::RequestCancelNexusOperation(n) => {
                self.cancel(CommandKey::NexusOperation(n.seq), "nexus operation")?;
            }
            LangCommand::RespondToQuery(_) => {}
        }
        Ok(())
    }

    /// Adds the machine of a new command and finds it by `key` from then on.
    fn start(&mut self, key: CommandKey, m: Machine, out: Vec<MachineOutput>, md: Option<UserMetadata>) {
        let index = self.add_machine(m, out, md);
        self.by_command.insert(key, index);
    }

    /// Lang cancelled the command found by `key` (`what` names it in the error if there is none).
    fn cancel(&mut self, key: CommandKey, what: &str) -> Result<(), WorkflowError> {
        let index = self.lookup(key, what)?;
        let out = self.machines[index].cancel().map_err(Self::nde)?;
        self.apply_outputs(index, out);
        Ok(())
    }

    fn upsert_search_attributes(
        &mut self,
        u: lang::UpsertWorkflowSearchAttributes,
        md: Option<UserMetadata>,
    ) -> Result<(), WorkflowError> {
        let mut fields = u.search_attributes;
        if self.flag_enabled(flags::UPSERT_SEARCH_ATTRIBUTE_ON_PATCH)
            && fields.contains_key(CHANGE_VERSION_SEARCH_ATTRIBUTE)
        {
            // Like the official SDKs: the whole upsert is dropped, but its (empty) command
            // is still sent so that histories keep the same events.
            tracing::warn!("ignoring an upsert of {CHANGE_VERSION_SEARCH_ATTRIBUTE}: the core maintains it");
            fields.clear();
        }
        self.add_simple(SimpleCommandMachine::upsert_search_attributes(fields), md)
    }

    /// A patch marker (once per patch id), followed by an upsert of every patch so far when that
    /// flag is on.
    fn set_patch_marker(&mut self, p: lang::SetPatchMarker, md: Option<UserMetadata>) -> Result<(), WorkflowError> {
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
            let mut value = crate::workflow::history::json_payload(&self.patches_seen);
            value.metadata.insert("type".into(), b"KeywordList".to_vec());
            if value.data.len() >= 2048 {
                tracing::warn!("not upserting {CHANGE_VERSION_SEARCH_ATTRIBUTE}: the patch list is too large");
            } else {
                let fields = [(CHANGE_VERSION_SEARCH_ATTRIBUTE.to_string(), value)].into();
                self.add_simple(SimpleCommandMachine::upsert_search_attributes(fields), None)?;
                self.patch_upserts.insert(patch_key, self.machines.len() - 1);
            }
        }
        Ok(())
    }

    /// Cancels a child workflow; once it may have started on the server, this also asks the server
    /// (once) to cancel it.
    fn cancel_child(&mut self, c: lang::CancelChildWorkflowExecution) -> Result<(), WorkflowError> {
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
            let (m, out) = CancelExternalMachine::child(c.child_workflow_seq, namespace, workflow_id, c.reason)
                .map_err(Self::nde)?;
            let cancel_key = self.add_machine(Machine::CancelExternal(m), out, None);
            self.child_cancels.insert(cancel_key, key);
        }
        Ok(())
    }

    fn schedule_local_activity(
        &mut self,
        a: lang::ScheduleLocalActivity,
        md: Option<UserMetadata>,
    ) -> Result<(), WorkflowError> {
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
        self.start(
            CommandKey::LocalActivity(seq),
            Machine::LocalActivity(Box::new(m)),
            out,
            md,
        );
        Ok(())
    }

    fn respond_to_update(&mut self, u: lang::UpdateResponse) -> Result<(), WorkflowError> {
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
        Ok(())
    }

    pub(super) fn add_simple(
        &mut self,
        created: Result<(SimpleCommandMachine, Vec<MachineOutput>), MachineError>,
        md: Option<UserMetadata>,
    ) -> Result<(), WorkflowError> {
        let (m, out) = created.map_err(Self::nde)?;
        if m.kind.is_terminal() {
            self.terminal_command_issued = true;
        }
        self.add_machine(Machine::Simple(m), out, md);
        Ok(())
    }
}
