//! Where an event of Kuper's inbox and a notification of our outbox stand:
//! one enum each, spelt in the database by one mapping.

/// An event Kuper sent us, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InboxState {
    /// Applied to its order by the flow.
    Applied,
    /// Kept, changing nothing (a late or repeated fact), with the reason.
    Recorded,
    /// About an order that has not come yet: applied when it does.
    Waiting,
    /// Could not be applied: staff are told.
    Raised,
}

impl InboxState {
    pub const ALL: [InboxState; 4] =
        [InboxState::Applied, InboxState::Recorded, InboxState::Waiting, InboxState::Raised];

    pub const fn as_str(self) -> &'static str {
        match self {
            InboxState::Applied => "applied",
            InboxState::Recorded => "recorded",
            InboxState::Waiting => "waiting",
            InboxState::Raised => "raised",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether staff must look at it (it is not done by itself).
    pub const fn needs_staff(self) -> bool {
        matches!(self, InboxState::Raised | InboxState::Waiting)
    }
}

/// A notification to Kuper, as queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// To be sent (again).
    Pending,
    /// Kuper took it.
    Sent,
    /// Given up on after its retries: staff decide.
    Dead,
    /// A dead one staff chose not to send.
    Discarded,
}

impl OutboxState {
    pub const ALL: [OutboxState; 4] =
        [OutboxState::Pending, OutboxState::Sent, OutboxState::Dead, OutboxState::Discarded];

    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sent => "sent",
            OutboxState::Dead => "dead",
            OutboxState::Discarded => "discarded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether it is finished with (and its personal data may go).
    pub const fn finished(self) -> bool {
        matches!(self, OutboxState::Sent | OutboxState::Discarded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_has_one_spelling_that_reads_back() {
        for state in InboxState::ALL {
            assert_eq!(InboxState::parse(state.as_str()), Some(state));
        }
        for state in OutboxState::ALL {
            assert_eq!(OutboxState::parse(state.as_str()), Some(state));
        }
        assert_eq!(InboxState::parse("Applied"), None);
        assert_eq!(OutboxState::parse(""), None);
    }

    #[test]
    fn what_staff_see_and_what_is_finished() {
        // (state, needs staff)
        let inbox = [
            (InboxState::Applied, false),
            (InboxState::Recorded, false),
            (InboxState::Waiting, true),
            (InboxState::Raised, true),
        ];
        for (state, staff) in inbox {
            assert_eq!(state.needs_staff(), staff, "{state:?}");
        }
        // (state, finished)
        let outbox = [
            (OutboxState::Pending, false),
            (OutboxState::Sent, true),
            (OutboxState::Dead, false),
            (OutboxState::Discarded, true),
        ];
        for (state, finished) in outbox {
            assert_eq!(state.finished(), finished, "{state:?}");
        }
    }
}
