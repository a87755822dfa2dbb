//! The black-box suite: the real `hallway` binary on port 0 with a fresh database per test,
//! driven over HTTP (and its command line) like a client would. One test binary for all of
//! it, so the suite links once; each module is one area of the product.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

#[macro_use]
mod common;

mod accounts;
mod agenda;
mod big_import;
mod draft_ids;
mod hardening;
mod instances;
mod live;
mod maintenance;
mod networking;
mod refusals;
mod schedule;
mod server;
mod venue;
mod workspace;
