//! Which client each MCP session belongs to. A session id is a bearer
//! secret of one client: with another client's token it is answered as an
//! unknown session (404, as the transport spec answers one), and the
//! session is untouched. A client holds at most `max_per_client` open
//! sessions; one unused for `idle` is forgotten here and closed by rmcp
//! (whose keep-alive is set to the same time).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What [`SessionOwners::admit`] decides for a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// A request of a session of this client, or one rmcp will judge (an id
    /// we never issued, or no id: a new session).
    Pass,
    /// Another client's session: answered as unknown.
    NotYours,
    /// A new session past the client's cap.
    TooMany,
}

#[derive(Debug)]
struct Owner {
    client: String,
    last_used: Instant,
}

#[derive(Debug)]
pub struct SessionOwners {
    max_per_client: usize,
    idle: Duration,
    sessions: Mutex<HashMap<String, Owner>>,
}

impl SessionOwners {
    pub fn new(max_per_client: usize, idle: Duration) -> Self {
        SessionOwners { max_per_client, idle, sessions: Mutex::default() }
    }

    /// Whether `client` may make this request of `session` (`None`: no
    /// session yet, an `initialize`). `now` is when it came.
    pub fn admit(&self, client: &str, session: Option<&str>, now: Instant) -> Admission {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        sessions.retain(|_, owner| now.saturating_duration_since(owner.last_used) < self.idle);
        let Some(id) = session else {
            let open = sessions.values().filter(|owner| owner.client == client).count();
            return if open >= self.max_per_client { Admission::TooMany } else { Admission::Pass };
        };
        match sessions.get_mut(id) {
            Some(owner) if owner.client == client => {
                owner.last_used = now;
                Admission::Pass
            }
            Some(_) => Admission::NotYours,
            None => Admission::Pass,
        }
    }

    /// `session` was just opened by `client`.
    pub fn opened(&self, client: &str, session: &str, now: Instant) {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        sessions.insert(session.to_owned(), Owner { client: client.to_owned(), last_used: now });
    }

    /// `session` ended (its client deleted it).
    pub fn closed(&self, session: &str) {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner).remove(session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_answers_only_its_client_and_clients_are_capped_and_idle_ones_forgotten() {
        let owners = SessionOwners::new(2, Duration::from_mins(1));
        let t0 = Instant::now();
        let at = |secs| t0 + Duration::from_secs(secs);
        assert_eq!(owners.admit("a", None, t0), Admission::Pass);
        owners.opened("a", "s1", t0);
        owners.opened("a", "s2", t0);
        let cases = [
            ("a", Some("s1"), 1, Admission::Pass),
            ("b", Some("s1"), 2, Admission::NotYours),
            ("a", None, 3, Admission::TooMany),
            ("b", None, 4, Admission::Pass),
            ("b", Some("never-issued"), 5, Admission::Pass),
            ("a", Some("s2"), 6, Admission::Pass),
        ];
        for (client, session, secs, expected) in cases {
            assert_eq!(owners.admit(client, session, at(secs)), expected, "{client} {session:?}");
        }
        owners.closed("s1");
        assert_eq!(owners.admit("a", None, at(7)), Admission::Pass, "a closed session frees a place");
        owners.opened("a", "s3", at(7));
        assert_eq!(owners.admit("a", None, at(8)), Admission::TooMany);
        // s2 was last used at 6 s, s3 at 7 s: both idle past 67 s.
        assert_eq!(owners.admit("a", None, at(68)), Admission::Pass);
        assert_eq!(owners.admit("b", Some("s3"), at(68)), Admission::Pass, "forgotten: rmcp's to judge");
    }
}
