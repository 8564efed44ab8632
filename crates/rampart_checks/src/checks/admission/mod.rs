//! Admission control checks: Pod Security Admission labels and admission webhooks.

pub mod namespace_pss_enforce;
pub mod webhook_exempts_nothing;
pub mod webhook_fail_open;
