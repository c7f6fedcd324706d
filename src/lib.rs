//! checkgate: gate pull requests on markdown checklists.
//!
//! The pipeline is one module per stage: [`checklist`] turns markdown into
//! items, [`policy`] turns `checkgate.toml` into a validated [`policy::Policy`],
//! [`eval`] (pure) judges items against the policy, [`report`] renders the
//! verdict, and [`cli`] wires them to the command line.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod action;
pub mod adopt;
pub mod checklist;
pub mod cli;
pub mod code_span;
pub mod engine;
pub mod eval;
pub mod evidence;
pub mod exit;
pub mod facts;
pub mod git;
pub mod github;
pub mod identity;
pub mod input;
pub mod normalize;
pub mod policy;
pub mod policy_file;
pub mod repo;
pub mod report;
pub mod sanitize;
pub mod skip;
pub mod suggest;
pub mod threads;
