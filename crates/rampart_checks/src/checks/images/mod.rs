//! Image checks: tags, digests and pull policy.

pub mod image_not_pinned_by_digest;
pub mod image_pull_policy;
pub mod image_tag_latest;
