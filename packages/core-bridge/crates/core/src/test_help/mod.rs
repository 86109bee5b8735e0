//! Test helpers: a history builder and a driver that runs a scripted workflow against
//! `RunMachines` in the three modes every scenario must pass.
mod driver;
mod history_builder;

pub(crate) use driver::*;
pub(crate) use history_builder::*;
