//! Identity checks: service accounts and the API credentials mounted into pods.

pub mod automount_service_account_token;
pub mod default_service_account;
pub mod service_account_automount;
