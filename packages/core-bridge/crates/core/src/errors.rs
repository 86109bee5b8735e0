//! Error types of the core. Every error that reaches the worker names what went wrong and where.
use thiserror::Error;

/// Errors returned by the core's public API.
#[derive(Debug, Error)]
pub enum CoreError {
    /// The worker (or this poll type) has shut down; stop polling.
    #[error("worker has shut down")]
    ShutDown,
    /// A gRPC call failed and was not (or no longer) retried.
    #[error("gRPC call {rpc} failed: {status}")]
    Transport {
        /// The RPC that failed.
        rpc: &'static str,
        /// The final status.
        status: Box<tonic::Status>,
    },
    /// Could not connect to the server.
    #[error("failed to connect to {address}: {message}")]
    Connect {
        /// Target address.
        address: String,
        /// What went wrong.
        message: String,
    },
    /// Input from the worker was malformed.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The worker referred to a run the core does not know.
    #[error("unknown run id {0}: no outstanding activation for it")]
    UnknownRun(String),
    /// The worker referred to a task token the core does not know.
    #[error("unknown task token {0}")]
    UnknownTaskToken(String),
    /// A feature the core does not support yet.
    #[error("not implemented: {0}")]
    NotImplemented(String),
    /// Worker options were invalid.
    #[error("invalid worker options: {0}")]
    InvalidOptions(String),
    /// A protobuf message from the worker could not be decoded.
    #[error("could not decode {what}: {source}")]
    Decode {
        /// Which message.
        what: &'static str,
        /// The decoder error.
        source: prost::DecodeError,
    },
    /// The worker is in a state where the call is not allowed.
    #[error("illegal state: {0}")]
    IllegalState(String),
}

impl CoreError {
    pub(crate) fn transport(rpc: &'static str, status: tonic::Status) -> Self {
        CoreError::Transport {
            rpc,
            status: Box::new(status),
        }
    }
}

/// Errors from processing one workflow run's history and commands.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum WorkflowError {
    /// History and the workflow's commands disagree.
    #[error("[TMPRL1100] Nondeterminism error: {0}")]
    Nondeterminism(String),
    /// The history or a command could not be processed at all.
    #[error("fatal error in workflow machines: {0}")]
    Fatal(String),
    /// The workflow used a command the core does not support yet.
    #[error("not implemented: {0}")]
    NotImplemented(String),
    /// The completion from the worker was malformed.
    #[error("malformed workflow completion: {0}")]
    MalformedCompletion(String),
}
