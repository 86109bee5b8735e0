//! Update machine. A request (a protocol message from the server, or on replay the request
//! recorded in an UpdateAccepted/UpdateAdmitted event) produces a DoUpdate job. The workflow
//! answers with update responses: accept → an acceptance message plus a ProtocolMessage command
//! answered by UpdateAccepted; complete → a response message plus a ProtocolMessage command
//! answered by UpdateCompleted; reject → a rejection message only (nothing in history).
//! Messages are never sent while replaying; the commands still are matched against history.
use super::{MachineError, MachineOutput as Out, new_command, taken};
use crate::workflow::history::event_type;
use crate::workflow::pb::*;

pub(crate) const NAME: &str = "update";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    RequestInitiated,
    AcceptCommandCreated,
    Accepted,
    CompleteCommandCreated,
    AcceptedAndCompleteCommandCreated,
    Completed,
    Rejected,
}

#[derive(Debug)]
pub(crate) enum Event {
    Accept,
    Reject,
    Complete,
    UpdateAccepted,
    UpdateCompleted,
}

pub(crate) const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("RequestInitiated", "Accept", "AcceptCommandCreated"),
    ("RequestInitiated", "Reject", "Rejected"),
    ("AcceptCommandCreated", "Complete", "AcceptedAndCompleteCommandCreated"),
    ("AcceptCommandCreated", "UpdateAccepted", "Accepted"),
    (
        "AcceptedAndCompleteCommandCreated",
        "UpdateAccepted",
        "CompleteCommandCreated",
    ),
    ("Accepted", "Complete", "CompleteCommandCreated"),
    ("Accepted", "Reject", "CompleteCommandCreated"),
    ("CompleteCommandCreated", "UpdateCompleted", "Completed"),
];

#[derive(Debug)]
pub(crate) struct UpdateMachine {
    state: State,
    pub(crate) protocol_instance_id: String,
    request_message_id: String,
    sequencing_event_id: i64,
    request: update::Request,
    replaying: bool,
}

fn any<M: prost::Message>(type_name: &str, m: &M) -> prost_types::Any {
    prost_types::Any {
        type_url: format!("type.googleapis.com/{type_name}"),
        value: prost::Message::encode_to_vec(m),
    }
}

impl UpdateMachine {
    /// Creates the machine and its DoUpdate job.
    pub(crate) fn new(
        protocol_instance_id: String,
        request_message_id: String,
        sequencing_event_id: i64,
        request: update::Request,
        replaying: bool,
    ) -> (Self, Vec<Out>) {
        let meta = request.meta.clone().unwrap_or_default();
        let input = request.input.clone().unwrap_or_default();
        let job = Job::DoUpdate(activation::DoUpdate {
            id: meta.update_id.clone(),
            protocol_instance_id: protocol_instance_id.clone(),
            name: input.name,
            input: input.args.map(|p| p.payloads).unwrap_or_default(),
            headers: input.header.map(|h| h.fields).unwrap_or_default(),
            meta: Some(meta),
            run_validator: !replaying,
        });
        (
            UpdateMachine {
                state: State::RequestInitiated,
                protocol_instance_id,
                request_message_id,
                sequencing_event_id,
                request,
                replaying,
            },
            vec![Out::Job(job)],
        )
    }

    fn message(&self, suffix: &str, body: prost_types::Any) -> Out {
        Out::Message(protocol::Message {
            id: format!("{}/{suffix}", self.request_message_id),
            protocol_instance_id: self.protocol_instance_id.clone(),
            sequencing_id: None,
            body: Some(body),
        })
    }

    fn protocol_command(&self, suffix: &str) -> Out {
        Out::Command(new_command(
            CommandType::ProtocolMessage,
            CommandAttrs::ProtocolMessageCommandAttributes(command::ProtocolMessageCommandAttributes {
                message_id: format!("{}/{suffix}", self.request_message_id),
            }),
        ))
    }

    fn accept_outputs(&self) -> Vec<Out> {
        let mut out = vec![];
        if !self.replaying {
            out.push(self.message(
                "accept",
                any(
                    "temporal.api.update.v1.Acceptance",
                    &update::Acceptance {
                        accepted_request_message_id: self.request_message_id.clone(),
                        accepted_request_sequencing_event_id: self.sequencing_event_id,
                        accepted_request: Some(self.request.clone()),
                    },
                ),
            ));
        }
        out.push(self.protocol_command("accept"));
        out
    }

    fn complete_outputs(&self, outcome: update::outcome::Value) -> Vec<Out> {
        let mut out = vec![];
        if !self.replaying {
            out.push(self.message(
                "complete",
                any(
                    "temporal.api.update.v1.Response",
                    &update::Response {
                        meta: self.request.meta.clone(),
                        outcome: Some(update::Outcome { value: Some(outcome) }),
                    },
                ),
            ));
        }
        out.push(self.protocol_command("complete"));
        out
    }

    fn step(
        &mut self,
        event: Event,
        response: Option<lang::update_response::Response>,
    ) -> Result<Vec<Out>, MachineError> {
        use State::*;
        use lang::update_response::Response as R;
        let outcome = |r: Option<R>| match r {
            Some(R::Completed(p)) => update::outcome::Value::Success(Payloads { payloads: vec![p] }),
            Some(R::Rejected(f)) => update::outcome::Value::Failure(f),
            _ => update::outcome::Value::Success(Payloads::default()),
        };
        let (next, out) = match (self.state, &event) {
            (RequestInitiated, Event::Accept) => (AcceptCommandCreated, self.accept_outputs()),
            (RequestInitiated, Event::Reject) => {
                let failure = match response {
                    Some(R::Rejected(f)) => Some(f),
                    _ => None,
                };
                let out = if self.replaying {
                    vec![]
                } else {
                    vec![self.message(
                        "reject",
                        any(
                            "temporal.api.update.v1.Rejection",
                            &update::Rejection {
                                rejected_request_message_id: self.request_message_id.clone(),
                                rejected_request_sequencing_event_id: self.sequencing_event_id,
                                rejected_request: Some(self.request.clone()),
                                failure,
                            },
                        ),
                    )]
                };
                (Rejected, out)
            }
            (AcceptCommandCreated, Event::Complete) => (
                AcceptedAndCompleteCommandCreated,
                self.complete_outputs(outcome(response)),
            ),
            (AcceptCommandCreated, Event::UpdateAccepted) => (Accepted, vec![]),
            (AcceptedAndCompleteCommandCreated, Event::UpdateAccepted) => (CompleteCommandCreated, vec![]),
            (Accepted, Event::Complete | Event::Reject) => {
                (CompleteCommandCreated, self.complete_outputs(outcome(response)))
            }
            (CompleteCommandCreated, Event::UpdateCompleted) => (Completed, vec![]),
            (s, e) => return Err(MachineError::invalid(NAME, &s, e)),
        };
        taken(NAME, &self.state, &event, &next);
        self.state = next;
        Ok(out)
    }

    /// The workflow's update response. Before acceptance a rejection rejects the request; after
    /// it, a rejection completes the update with a failure.
    pub(crate) fn respond(
        &mut self,
        r: lang::update_response::Response,
        replaying: bool,
    ) -> Result<Vec<Out>, MachineError> {
        use lang::update_response::Response as R;
        self.replaying = replaying;
        let ev = match &r {
            R::Accepted(_) => Event::Accept,
            R::Rejected(_) => Event::Reject,
            R::Completed(_) => Event::Complete,
        };
        self.step(ev, Some(r))
    }

    pub(crate) fn handle_event(&mut self, e: &HistoryEvent) -> Result<Vec<Out>, MachineError> {
        match &e.attributes {
            Some(EventAttrs::WorkflowExecutionUpdateAcceptedEventAttributes(a)) => {
                if a.protocol_instance_id != self.protocol_instance_id {
                    return Err(MachineError::Mismatch(format!(
                        "update {} accepted in history does not match the workflow's update {}",
                        a.protocol_instance_id, self.protocol_instance_id
                    )));
                }
                self.step(Event::UpdateAccepted, None)
            }
            Some(EventAttrs::WorkflowExecutionUpdateCompletedEventAttributes(a)) => {
                let id = a.meta.as_ref().map(|m| m.update_id.as_str()).unwrap_or("");
                let own = self.request.meta.as_ref().map(|m| m.update_id.as_str()).unwrap_or("");
                if id != own {
                    return Err(MachineError::Mismatch(format!(
                        "update {id} completed in history does not match the workflow's update {own}"
                    )));
                }
                self.step(Event::UpdateCompleted, None)
            }
            _ => Err(MachineError::invalid(NAME, &self.state, &event_type(e))),
        }
    }
}
