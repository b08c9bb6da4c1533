//! /v1/customers: the local catalog.

pub mod body;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod sync;
pub mod update;
