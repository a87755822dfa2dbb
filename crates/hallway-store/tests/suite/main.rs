//! The store's tests on both backends (SQLite always, PostgreSQL when
//! `HALLWAY_TEST_DATABASE_URL` is set), in one test binary so the suite links once.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod accounts;
mod caches;
mod events;
mod maintenance;
mod networking;
mod schedule;
mod store;
mod venue;
