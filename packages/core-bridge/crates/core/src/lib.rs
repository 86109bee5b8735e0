//! Kairos worker core: polls a Temporal server, turns workflow histories into activations for the
//! TypeScript worker, turns the workflow's commands back into server commands, detects
//! non-determinism on replay, caches running workflows and tracks activity and Nexus tasks.
pub mod connection;
pub mod errors;
pub mod protos;
pub mod replay;
pub mod telemetry;
pub mod worker;
pub mod workflow;

#[cfg(test)]
pub(crate) mod test_help;

pub use connection::{Connection, ConnectionOptions, RetryOptions, TlsOptions};
pub use errors::{CoreError, WorkflowError};
pub use worker::{DeploymentConfig, Worker, WorkerConfig};
