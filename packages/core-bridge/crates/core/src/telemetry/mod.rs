//! Logs and metrics the core produces, kept in memory until the worker collects them.
pub mod logs;
pub mod metrics;
