//! The simulator's memory: tokens it issued, the orders it follows, every
//! notification it answered, and the faults it was told to play.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::rules::{Integration, Ordered, Track, Verdict};

/// How the simulator was started.
#[derive(Clone, Debug)]
pub struct Settings {
    pub client_id: String,
    pub client_secret: String,
    pub token_ttl: Duration,
    /// Requests a second Kuper allows; 0: no limit.
    pub rate_limit: u32,
    /// How long a `slow` fault holds each answer.
    pub slow: Duration,
    /// How notifications authenticate.
    pub auth: SimAuth,
    /// `Retry-After` on a 429 as an HTTP date instead of seconds.
    pub retry_after_date: bool,
}

/// How the simulator wants notifications authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SimAuth {
    /// A Bearer token from `/auth/token`.
    Token,
    /// The client id and secret as HTTP Basic; `/auth/token` is not used.
    Basic,
}

/// A failure mode Kuper can be told to play for a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 503 on every call, tokens included.
    Unavailable,
    /// 429 with `Retry-After: 1` on every call, tokens included.
    RateLimited,
    /// 401 on every notification; tokens issued before are expired.
    Unauthorized,
    /// Every answer comes late (longer than a sane client timeout).
    Slow,
    /// 422 on every notification, as Kuper refuses a payload it cannot
    /// take: the merchant must not retry it (a dead letter).
    Invalid,
}

#[derive(Clone, Copy, Debug, Deserialize)]
pub struct FaultPlan {
    pub kind: FaultKind,
    pub seconds: f64,
}

/// One answered call: a notification, or a refusal before one was read (a
/// fault, the rate limit, a token request).
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    /// Since the simulator started.
    #[serde(skip)]
    pub at: Duration,
    #[serde(rename = "orderId")]
    pub order_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A webhook the simulator sent and what the listener answered.
#[derive(Clone, Debug, Serialize)]
pub struct Sent {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: u16,
}

#[derive(Debug)]
pub struct Order {
    pub track: Track,
    /// The merchant's number from the reply to `order.created`.
    pub number: Option<String>,
    pub webhooks: Vec<Sent>,
    /// Refused notifications: type, status, reason.
    pub refused: Vec<LogEntry>,
    /// The listener's server errors (and silences) on our webhooks, each
    /// retried.
    pub listener_refusals: Vec<crate::webhooks::Refusal>,
    /// Notifications that did not echo the order's `orderUUID`.
    pub uuid_missing: Vec<String>,
}

/// The `orderUUID` the simulator gives order `id`.
pub fn order_uuid(id: &str) -> String {
    format!("uuid-{id}")
}

#[derive(Debug)]
pub struct Sim {
    pub settings: Settings,
    tokens: HashMap<String, Instant>,
    issued: u64,
    pub orders: HashMap<String, Order>,
    pub log: Vec<LogEntry>,
    faults: Vec<(FaultKind, Instant, Instant)>,
    bucket: (f64, Instant),
    next_order: u64,
    started: Instant,
}

/// What the notification endpoint answers before looking at the body.
pub enum Gate {
    Pass,
    Refuse(u16, &'static str),
    Slow(Duration),
}

impl Sim {
    pub fn new(settings: Settings) -> Sim {
        let burst = f64::from(settings.rate_limit);
        Sim {
            settings,
            tokens: HashMap::new(),
            issued: 0,
            orders: HashMap::new(),
            log: Vec::new(),
            faults: Vec::new(),
            bucket: (burst, Instant::now()),
            // Ids differ between runs: a listener keeps its orders when the
            // simulator restarts.
            next_order: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |t| t.as_secs() * 1000),
            started: Instant::now(),
        }
    }

    pub fn next_order_id(&mut self) -> String {
        let id = format!("H{}", self.next_order);
        self.next_order += 1;
        id
    }

    fn fault(&self) -> Option<FaultKind> {
        let now = Instant::now();
        self.faults.iter().find(|(_, from, to)| *from <= now && now < *to).map(|(kind, _, _)| *kind)
    }

    /// Plays `plans` one after the other from now on.
    pub fn schedule(&mut self, plans: &[FaultPlan]) {
        let mut from = Instant::now();
        self.faults.clear();
        for plan in plans {
            let to = from + Duration::from_secs_f64(plan.seconds.clamp(0.0, 3600.0));
            self.faults.push((plan.kind, from, to));
            from = to;
        }
    }

    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// Kuper's limit, as a token bucket of `rate_limit` a second.
    fn within_rate(&mut self) -> bool {
        if self.settings.rate_limit == 0 {
            return true;
        }
        let rate = f64::from(self.settings.rate_limit);
        let (tokens, since) = self.bucket;
        let now = Instant::now();
        let tokens = (tokens + now.duration_since(since).as_secs_f64() * rate).min(rate);
        if tokens >= 1.0 {
            self.bucket = (tokens - 1.0, now);
            true
        } else {
            self.bucket = (tokens, now);
            false
        }
    }

    /// The token endpoint: a token and its lifetime in seconds, or the status
    /// and reason of a refusal (logged) when a fault or the credentials say so.
    pub fn issue_token(
        &mut self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(String, u64), (u16, &'static str)> {
        let refusal = match self.fault() {
            Some(FaultKind::Unavailable) => Some((503, "unavailable")),
            Some(FaultKind::RateLimited) => Some((429, "rate limited")),
            _ if !self.within_rate() => Some((429, "rate limited")),
            _ if client_id != self.settings.client_id || client_secret != self.settings.client_secret => {
                Some((401, "wrong client credentials"))
            }
            _ => None,
        };
        if let Some((status, why)) = refusal {
            self.log_refusal(status, &format!("token: {why}"));
            return Err((status, why));
        }
        self.issued += 1;
        let token = format!("sim-token-{}", self.issued);
        self.tokens.insert(token.clone(), Instant::now() + self.settings.token_ttl);
        Ok((token, self.settings.token_ttl.as_secs()))
    }

    /// Faults, the rate limit and the credentials, in that order.
    pub fn gate(&mut self, authorization: Option<&str>) -> Gate {
        match self.fault() {
            Some(FaultKind::Unavailable) => return Gate::Refuse(503, "unavailable"),
            Some(FaultKind::RateLimited) => return Gate::Refuse(429, "rate limited"),
            Some(FaultKind::Unauthorized) => {
                // Every token issued so far is expired; new ones fail too
                // until the fault is over.
                self.tokens.clear();
                return Gate::Refuse(401, "token expired");
            }
            Some(FaultKind::Slow) => return Gate::Slow(self.settings.slow),
            Some(FaultKind::Invalid) => return Gate::Refuse(422, "invalid payload"),
            None => {}
        }
        if !self.within_rate() {
            return Gate::Refuse(429, "rate limited");
        }
        let now = Instant::now();
        if self.settings.auth == SimAuth::Basic {
            use base64::Engine as _;
            let expected = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", self.settings.client_id, self.settings.client_secret));
            return match authorization.and_then(|a| a.strip_prefix("Basic ")) {
                Some(given) if given.trim() == expected => Gate::Pass,
                Some(_) => Gate::Refuse(401, "wrong Basic credentials"),
                None => Gate::Refuse(401, "Basic credentials required"),
            };
        }
        let bearer = authorization.and_then(|a| a.strip_prefix("Bearer "));
        match bearer.and_then(|t| self.tokens.get(t)) {
            Some(expires) if now < *expires => Gate::Pass,
            Some(_) => Gate::Refuse(401, "token expired"),
            None => Gate::Refuse(401, "unknown token"),
        }
    }

    /// Judges a notification for its order and logs the answer.
    pub fn notification(&mut self, order_id: Option<&str>, kind: Option<&str>, payload: &Value) -> Verdict {
        let verdict = match (order_id, kind) {
            (Some(order_id), Some(kind)) => match self.orders.get_mut(order_id) {
                Some(order) => order.track.judge(kind, payload),
                None => Verdict::Invalid("unknown order".into()),
            },
            _ => Verdict::Invalid("event.type and payload.order_id are required".into()),
        };
        if let (Some(order), Some(kind)) = (order_id.and_then(|id| self.orders.get_mut(id)), kind)
            && payload["orderUUID"].as_str() != order_id.map(order_uuid).as_deref()
        {
            order.uuid_missing.push(kind.to_owned());
        }
        let reason = match &verdict {
            Verdict::NotAllowed(why) | Verdict::Invalid(why) => Some(why.clone()),
            _ => None,
        };
        let entry = LogEntry {
            seq: self.log.len() as u64 + 1,
            at: self.started.elapsed(),
            order_id: order_id.map(str::to_owned),
            kind: kind.map(str::to_owned),
            status: verdict.status(),
            reason,
        };
        if entry.status >= 400
            && let Some(order) = order_id.and_then(|id| self.orders.get_mut(id))
        {
            order.refused.push(entry.clone());
        }
        self.log.push(entry);
        verdict
    }

    /// Logs an answer given before the body was judged (a fault, a token).
    pub fn log_refusal(&mut self, status: u16, reason: &str) {
        let seq = self.log.len() as u64 + 1;
        let at = self.started.elapsed();
        self.log.push(LogEntry { seq, at, order_id: None, kind: None, status, reason: Some(reason.into()) });
    }

    pub fn track(&mut self, id: &str, integration: Integration, restaurant: bool, ordered: Vec<Ordered>) {
        self.orders.entry(id.to_owned()).or_insert_with(|| Order {
            track: Track::new(integration, restaurant).with_positions(ordered),
            number: None,
            webhooks: Vec::new(),
            refused: Vec::new(),
            listener_refusals: Vec::new(),
            uuid_missing: Vec::new(),
        });
    }

    /// Answers by status, and the time from the first acknowledged
    /// notification to the last (for benchmarks).
    pub fn stats(&self) -> Value {
        let mut by_status: HashMap<u16, usize> = HashMap::new();
        for entry in &self.log {
            *by_status.entry(entry.status).or_default() += 1;
        }
        let acknowledged: Vec<Duration> = self.log.iter().filter(|e| e.status == 200).map(|e| e.at).collect();
        let span = match (acknowledged.first(), acknowledged.last()) {
            (Some(first), Some(last)) => last.saturating_sub(*first).as_secs_f64(),
            _ => 0.0,
        };
        let by_status: HashMap<String, usize> =
            by_status.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        serde_json::json!({"byStatus": by_status, "acknowledgedSpanSeconds": span})
    }

    /// What an order looks like to a test or a person.
    pub fn order_view(&self, id: &str) -> Option<Value> {
        let order = self.orders.get(id)?;
        let accepted: Vec<&str> = order.track.accepted.iter().map(|(k, _)| k.as_str()).collect();
        Some(serde_json::json!({
            "originalOrderId": id,
            "integration": order.track.integration.as_str(),
            "restaurant": order.track.restaurant,
            "number": order.number,
            "accepted": accepted,
            "complete": order.track.complete(),
            "finalComposition": order.track.final_composition(),
            "orderUuidMissing": order.uuid_missing,
            "refused": order.refused,
            "webhooks": order.webhooks,
            "closedByKuper": order.track.closed_by_kuper,
            "listenerRefusals": order.listener_refusals,
        }))
    }
}
