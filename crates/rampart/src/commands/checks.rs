//! `rampart checks` and `rampart explain`.

use std::process::ExitCode;

use anyhow::bail;
use rampart_checks::docs;

/// Arguments of `rampart checks`.
#[derive(clap::Args, Debug)]
pub struct ChecksArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ListFormat {
    Table,
    Json,
    Markdown,
}

/// Arguments of `rampart explain`.
#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// The check id (see `rampart checks`).
    pub id: String,
}

pub fn list(args: &ChecksArgs) -> anyhow::Result<ExitCode> {
    let all = rampart_checks::all();
    let text = match args.format {
        ListFormat::Json => {
            let metas: Vec<_> = all.iter().map(|c| &c.meta).collect();
            let mut s = serde_json::to_string_pretty(&metas)?;
            s.push('\n');
            s
        }
        ListFormat::Markdown => docs::index(&all.iter().map(|c| &c.meta).collect::<Vec<_>>()),
        ListFormat::Table => {
            let w = all.iter().map(|c| c.meta.id.len()).max().unwrap_or(2);
            let mut s = format!(
                "{:<w$}  {:<8}  {:<12}  TITLE\n",
                "ID", "SEVERITY", "CATEGORY"
            );
            for c in all {
                let m = &c.meta;
                s.push_str(&format!(
                    "{:<w$}  {:<8}  {:<12}  {}\n",
                    m.id,
                    m.severity.as_str(),
                    m.category.as_str(),
                    m.title
                ));
            }
            s.push_str(&format!("{} checks\n", all.len()));
            s
        }
    };
    super::output::write(None, &text)?;
    Ok(ExitCode::SUCCESS)
}

pub fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let Some(c) = rampart_checks::by_id(&args.id) else {
        // The node benchmark's items: `cis-1-2-15`, `1.2.15` or an analysis id.
        let b = rampart_node::benchmark();
        if let Some((item, meta)) = b
            .items
            .iter()
            .zip(rampart_node::metas())
            .find(|(i, m)| m.id == args.id || i.id == args.id)
        {
            super::output::write(None, &rampart_node::docs::page(b, item, meta))?;
            return Ok(ExitCode::SUCCESS);
        }
        // The image checks (`rampart image scan`, `rampart scan --images`).
        if let Some(m) = rampart_imagescan::metas().iter().find(|m| m.id == args.id) {
            super::output::write(None, &rampart_imagescan::checks::page(m))?;
            return Ok(ExitCode::SUCCESS);
        }
        bail!(
            "no check `{}` (see `rampart checks`, and docs/benchmarks/ for the node benchmark)",
            args.id
        );
    };
    super::output::write(None, &docs::page(&c.meta))?;
    Ok(ExitCode::SUCCESS)
}
