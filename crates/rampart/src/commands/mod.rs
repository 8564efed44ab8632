//! One module per subcommand. Glue only: sources, engine and reporters do the work.

pub mod audit;
pub mod checks;
pub mod cluster;
pub mod db;
pub mod fix;
pub mod history;
pub mod image;
pub mod inventory;
pub mod load;
pub mod netpol;
pub mod node;
pub mod output;
pub mod policy;
pub mod pss;
pub mod rbac;
pub mod report;
pub mod scan;
pub mod serve;
pub mod serve_watch;
pub mod snapshot;
pub mod webhook;
