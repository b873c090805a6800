//! `run --max-memory/--timeout/--fuel`: limits given on the command line, over
//! the manifest's `[resources]` (or the world's defaults).

use std::time::Duration;

use clap::Args;

use crate::manifest::Resources;

/// Limits for this run.
#[derive(Debug, Clone, Copy, Args)]
pub struct LimitArgs {
    /// Memory cap per instance, e.g. 64MiB or 1GiB (default: the manifest's, or
    /// none for a command)
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Wall-clock limit per call (or for the whole program), e.g. 2s or 500ms
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
    /// Instruction budget per call (or for the whole program)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub fuel: Option<u64>,
}

impl LimitArgs {
    /// Sets the given limits on `resources`.
    pub fn apply(&self, resources: &mut Resources) {
        if let Some(bytes) = self.max_memory {
            resources.max_memory_bytes = bytes;
        }
        if let Some(timeout) = self.timeout {
            resources.max_execution_ms = (timeout.as_millis() as u64).max(1);
        }
        if self.fuel.is_some() {
            resources.max_fuel = self.fuel;
        }
    }
}

/// Bytes, with an optional binary or decimal unit (`KiB`, `MiB`, `GiB`, `KB`,
/// `MB`, `GB`), within what a manifest accepts.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("expected a size such as 64MiB or 1073741824, got `{text}`"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => return Err(format!("unknown size unit `{other}`: use KiB, MiB or GiB")),
    };
    let bytes = number
        .checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))?;
    if !(Resources::MIN_MEMORY_BYTES..=Resources::MAX_MEMORY_BYTES).contains(&bytes) {
        return Err(format!(
            "{bytes} bytes is outside 64KiB..4GiB (one wasm page to the 32-bit address space)"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("100MB"), Ok(100_000_000));
        assert!(parse_size("5GiB").is_err());
        assert!(parse_size("1KiB").is_err());
        assert!(parse_size("12 parsecs").is_err());
    }
}
