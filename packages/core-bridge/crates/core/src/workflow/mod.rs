//! Workflow history processing: history facts, the per-command state machines, and the run that
//! ties them together.
pub mod history;
pub(crate) mod machines;
pub(crate) mod pb;
pub mod run;
#[cfg(test)]
mod tests;
