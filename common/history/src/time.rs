//! Timestamps as the history document writes them (UTC), months, and the
//! dates `--since` accepts.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

const DAY: i64 = 86_400;

fn utc(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// `2024-05-01T12:00:00Z`.
pub fn rfc3339(seconds: i64) -> String {
    utc(seconds).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2024-05-01`.
pub fn date(seconds: i64) -> String {
    utc(seconds).format("%Y-%m-%d").to_string()
}

/// The month as (year, month).
pub fn month_of(seconds: i64) -> (i32, u32) {
    let t = utc(seconds);
    (t.year(), t.month())
}

/// `2024-05`.
pub fn month_name((year, month): (i32, u32)) -> String {
    format!("{year:04}-{month:02}")
}

/// The month after.
pub fn next_month((year, month): (i32, u32)) -> (i32, u32) {
    if month >= 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

/// Whole days from `from` to `to` (0 when `to` is earlier).
pub fn days_between(from: i64, to: i64) -> u32 {
    u32::try_from((to - from).max(0) / DAY).unwrap_or(u32::MAX)
}

/// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time into seconds.
pub fn parse_since(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp());
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let t = parse_since("2024-02-29").unwrap();
        assert_eq!(rfc3339(t), "2024-02-29T00:00:00Z");
        assert_eq!(date(t + 3600), "2024-02-29");
        assert_eq!(month_name(month_of(t)), "2024-02");
        assert_eq!(parse_since("2024-02-29T01:00:00+01:00"), Some(t));
        assert_eq!(parse_since("yesterday"), None);
        assert_eq!(parse_since("2024-13-01"), None);
    }

    #[test]
    fn months_roll_over() {
        assert_eq!(next_month((2023, 12)), (2024, 1));
        assert_eq!(next_month((2023, 3)), (2023, 4));
    }

    #[test]
    fn days_between_is_whole_and_never_negative() {
        assert_eq!(days_between(0, DAY * 3 + 5), 3);
        assert_eq!(days_between(DAY, 0), 0);
    }
}
