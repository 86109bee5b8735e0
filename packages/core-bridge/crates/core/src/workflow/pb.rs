//! Short paths to the generated protobuf modules used all over the workflow code.
pub(crate) use crate::protos::kairos::core::activation::{
    self, WorkflowActivation, WorkflowActivationJob, workflow_activation_job::Variant as Job,
};
pub(crate) use crate::protos::kairos::core::activity as kactivity;
pub(crate) use crate::protos::kairos::core::commands::{
    self as lang, WorkflowCommand, workflow_command::Variant as LangCommand,
};
pub(crate) use crate::protos::kairos::core::common as kcommon;
pub(crate) use crate::protos::kairos::core::nexus as knexus;
pub(crate) use crate::protos::temporal::api::command::v1::{
    self as command, Command, command::Attributes as CommandAttrs,
};
pub(crate) use crate::protos::temporal::api::common::v1::{self as common, Payload, Payloads};
pub(crate) use crate::protos::temporal::api::enums::v1::{self as enums, CommandType, EventType};
pub(crate) use crate::protos::temporal::api::failure::v1::{self as failure, Failure};
pub(crate) use crate::protos::temporal::api::history::v1::{
    self as history, HistoryEvent, history_event::Attributes as EventAttrs,
};
pub(crate) use crate::protos::temporal::api::protocol::v1 as protocol;
pub(crate) use crate::protos::temporal::api::update::v1 as update;
