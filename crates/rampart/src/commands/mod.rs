//! One module per subcommand. Glue only: sources, engine and reporters do the work.

pub mod checks;
pub mod output;
pub mod pss;
pub mod scan;
