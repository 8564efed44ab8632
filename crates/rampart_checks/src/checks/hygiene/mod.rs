//! Hygiene checks.

pub mod invalid_ignore_annotation;
