//! Pod Security Standards evaluation (in progress).
