//! The hallway binary's library half: the command line, configuration, logging and the demo
//! generator, kept here so that tests (and later the load generator) can call them.

pub mod cli;
pub mod demo;
pub mod maintenance;
pub mod run;
pub mod schedule;
