//! Prices per model and the cost of token counts.
//!
//! The table maps a model id to dollars per million input and output tokens.
//! A model matches its own entry or, failing that, the longest entry it
//! extends with a `-` (`gpt-4o-mini-2024-07-18` uses `gpt-4o-mini`). A model
//! with no entry (a local server) has no price: its cost report says so, and
//! a run with a spending limit refuses to start until one is given
//! (`DOCTOWN_LLM_PRICE`, `prices`; see `GenerateConfig::require_price`).

use crate::artifacts::generate::ModelPrice;
use std::collections::BTreeMap;

/// Defaults in US dollars per million tokens (standard tier, text).
pub const DEFAULT_PRICES: [(&str, f64, f64); 12] = [
    ("gpt-4o-mini", 0.15, 0.60),
    ("gpt-4o", 2.50, 10.00),
    ("gpt-4.1", 2.00, 8.00),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1-nano", 0.10, 0.40),
    ("gpt-5", 1.25, 10.00),
    ("gpt-5-mini", 0.25, 2.00),
    ("gpt-5-nano", 0.05, 0.40),
    ("o4-mini", 1.10, 4.40),
    ("o3-mini", 1.10, 4.40),
    ("gpt-3.5-turbo", 0.50, 1.50),
    ("gpt-4-turbo", 10.00, 30.00),
];

/// Model id → price.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    entries: BTreeMap<String, ModelPrice>,
}

impl Default for PriceTable {
    fn default() -> Self {
        let entries = DEFAULT_PRICES
            .iter()
            .map(|(model, input, output)| {
                let price = ModelPrice {
                    input_per_million: *input,
                    output_per_million: *output,
                };
                (model.to_string(), price)
            })
            .collect();
        PriceTable { entries }
    }
}

impl PriceTable {
    /// The defaults with `overrides` laid over them.
    pub fn with_overrides(overrides: &BTreeMap<String, ModelPrice>) -> Self {
        let mut table = PriceTable::default();
        for (model, price) in overrides {
            table.entries.insert(model.clone(), *price);
        }
        table
    }

    /// The price of a model: its own entry, else the longest entry it extends.
    pub fn lookup(&self, model: &str) -> Option<ModelPrice> {
        if let Some(price) = self.entries.get(model) {
            return Some(*price);
        }
        self.entries
            .iter()
            .filter(|(key, _)| model.len() > key.len() && model.starts_with(key.as_str()))
            .filter(|(key, _)| model.as_bytes()[key.len()] == b'-')
            .max_by_key(|(key, _)| key.len())
            .map(|(_, price)| *price)
    }
}

/// Dollars for these token counts at this price (0 without a price).
pub fn cost_usd(price: Option<ModelPrice>, prompt_tokens: u64, completion_tokens: u64) -> f64 {
    match price {
        None => 0.0,
        Some(p) => {
            (prompt_tokens as f64 * p.input_per_million
                + completion_tokens as f64 * p.output_per_million)
                / 1_000_000.0
        }
    }
}

/// Rounds a dollar amount to 10 decimals, so sums print and compare stably.
pub fn round_usd(value: f64) -> f64 {
    (value * 1e10).round() / 1e10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_exact_then_longest_prefix() {
        let table = PriceTable::default();
        assert_eq!(table.lookup("gpt-4o-mini").unwrap().input_per_million, 0.15);
        assert_eq!(
            table
                .lookup("gpt-4o-mini-2024-07-18")
                .unwrap()
                .output_per_million,
            0.60
        );
        assert_eq!(
            table.lookup("gpt-4o-2024-08-06").unwrap().input_per_million,
            2.50
        );
        assert_eq!(
            table
                .lookup("gpt-4.1-mini-2025-04-14")
                .unwrap()
                .input_per_million,
            0.40
        );
        assert!(table.lookup("gpt-4omni").is_none());
        assert!(table.lookup("llama3.1:8b").is_none());
    }

    #[test]
    fn overrides_and_cost() {
        let mut overrides = BTreeMap::new();
        overrides.insert(
            "local".to_string(),
            ModelPrice {
                input_per_million: 1.0,
                output_per_million: 2.0,
            },
        );
        let table = PriceTable::with_overrides(&overrides);
        let price = table.lookup("local");
        assert_eq!(round_usd(cost_usd(price, 1_000_000, 500_000)), 2.0);
        assert_eq!(cost_usd(None, 10, 10), 0.0);
        let mini = table.lookup("gpt-4o-mini");
        assert_eq!(round_usd(cost_usd(mini, 10_000, 1_000)), 0.0021);
    }
}
