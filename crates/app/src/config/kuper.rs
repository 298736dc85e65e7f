//! The typed settings of talking to Kuper: where, as whom, and how the
//! outbox dispatcher retries.

use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, Raw, lookup, parse_in_range, parse_non_empty};

/// `1s,30s,5m,1h` (or `200ms` for a simulator): the waits before each retry.
fn schedule(text: &str) -> Result<Vec<Duration>, String> {
    let bad = || "expected waits like 1s,30s,5m,1h".to_owned();
    let waits: Vec<Duration> = text
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| {
            let digits = w.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
            let (number, unit) = w.split_at(digits);
            let n: u64 = number.parse().map_err(|_| bad())?;
            match unit {
                "ms" => Ok(Duration::from_millis(n)),
                "s" => Ok(Duration::from_secs(n)),
                "m" => Ok(Duration::from_mins(n)),
                "h" => Ok(Duration::from_hours(n)),
                _ => Err(bad()),
            }
        })
        .collect::<Result<_, _>>()?;
    if waits.is_empty() { Err(bad()) } else { Ok(waits) }
}

#[cfg(test)]
#[test]
fn a_schedule_reads_units_and_refuses_anything_else() {
    let waits = schedule("200ms, 1s,5m,1h").unwrap();
    assert_eq!(
        waits,
        [Duration::from_millis(200), Duration::from_secs(1), Duration::from_mins(5), Duration::from_hours(1)]
    );
    for bad in ["", "1", "s", "1d", "1.5s", "-1s", "1s,,x"] {
        assert!(schedule(bad).is_err(), "{bad:?}");
    }
}

#[derive(Clone, Debug)]
pub struct KuperApiConfig {
    /// `None`: notifications wait in the outbox, nothing is sent.
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub auth: kuper_client::notify::OutgoingAuth,
    pub timeout: Duration,
    pub retry_schedule: Vec<Duration>,
    pub rate_per_second: u32,
    pub dispatch_interval: Duration,
    /// The merchant's choices in the Kuper rules (weight tolerance).
    pub rules: orders::kuper::KuperRules,
}

impl KuperApiConfig {
    pub(super) fn from_raw(raw: &Raw) -> Result<Self, ConfigError> {
        let config = KuperApiConfig {
            base_url: raw.optional("kuper", "base_url", parse_non_empty)?,
            client_id: raw.optional("kuper", "client_id", parse_non_empty)?,
            client_secret: raw.optional("kuper", "client_secret", parse_non_empty)?.map(SecretString::from),
            auth: raw.required("kuper", "auth", |text| {
                kuper_client::notify::OutgoingAuth::parse(text)
                    .ok_or_else(|| "expected token or basic".to_owned())
            })?,
            timeout: raw.millis("kuper", "timeout_ms", 100, 120_000)?,
            retry_schedule: raw.required("kuper", "retry_schedule", schedule)?,
            rate_per_second: raw.required("kuper", "rate_per_second", parse_in_range(0_u32, 1000))?,
            dispatch_interval: raw.millis("kuper", "dispatch_interval_ms", 50, 60_000)?,
            rules: orders::kuper::KuperRules {
                weight_tolerance_permille: raw.required(
                    "kuper",
                    "weight_tolerance_percent",
                    parse_in_range(0_u32, 100),
                )? * 10,
                weight_reading: raw.required("kuper", "weight_is", |text| {
                    orders::kuper::weight::WeightReading::parse(text)
                        .ok_or_else(|| "expected line or piece".to_owned())
                })?,
            },
        };
        if config.base_url.is_some() {
            for (name, missing) in
                [("client_id", config.client_id.is_none()), ("client_secret", config.client_secret.is_none())]
            {
                if missing {
                    return Err(ConfigError::new(
                        lookup("kuper", name).env_var(),
                        "is required with MERCHANT_KUPER_BASE_URL",
                    ));
                }
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_parse() {
        assert_eq!(
            schedule("1s, 5m,2h").unwrap(),
            [Duration::from_secs(1), Duration::from_mins(5), Duration::from_hours(2)]
        );
        assert!(schedule("").is_err());
        assert!(schedule("soon").is_err());
        assert!(schedule("5d").is_err());
    }
}
