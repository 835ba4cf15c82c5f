use crate::config::Config;
#[derive(clap::Subcommand)]
pub enum BenchCommand {
    Lookup,
}
pub async fn run(_c: BenchCommand, _config: &Config) -> Result<(), String> {
    Err("todo".into())
}
