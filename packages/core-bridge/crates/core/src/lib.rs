//! Kairos worker core: polls a Temporal server, turns workflow histories into activations for the
//! TypeScript worker, turns the workflow's commands back into server commands, detects
//! non-determinism on replay, caches running workflows and tracks activity and Nexus tasks.
pub mod errors;
pub mod protos;
pub mod workflow;

#[cfg(test)]
pub(crate) mod test_help;
