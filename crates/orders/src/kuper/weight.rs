//! What the `weight` of a weighed Kuper position means. `KUPER-WIRE.md`
//! says "weighted goods carry `weight` in grams" and no more: the grams of
//! the whole line (today's reading, the default) or of each piece
//! (`quantity` pieces of `weight` grams). The merchant's Kuper manager
//! knows which; `MERCHANT_KUPER_WEIGHT_IS` says it, both ways: the order we
//! read and the final composition we send.

use domain::Decimal;

use super::{EventNews, NewLine, ReceivedEvent};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WeightReading {
    /// `weight` is the grams of the whole line.
    #[default]
    Line,
    /// `weight` is the grams of one piece; the line is `quantity` of them.
    Piece,
}

impl WeightReading {
    pub fn parse(text: &str) -> Option<WeightReading> {
        match text {
            "line" => Some(WeightReading::Line),
            "piece" => Some(WeightReading::Piece),
            _ => None,
        }
    }

    /// The grams of a line Kuper sent with `weight` and `quantity`.
    pub fn line_grams(self, weight: Decimal, quantity: Decimal) -> Decimal {
        // A weighed line of no pieces said is one piece.
        if self == WeightReading::Piece && quantity > Decimal::ZERO { weight * quantity } else { weight }
    }

    /// Kuper's `weight` for a picked line of `grams` in `pieces`.
    pub fn wire_weight(self, grams: u32, pieces: u32) -> u32 {
        if self == WeightReading::Piece && pieces > 1 { (grams + pieces / 2) / pieces } else { grams }
    }

    fn read(self, lines: &mut [NewLine]) {
        for line in lines {
            if let Some(weight) = line.weight_grams {
                line.weight_grams = Some(self.line_grams(weight, line.quantity));
            }
        }
    }

    /// `event` with every weight as the grams of its line, the order
    /// book's terms.
    pub fn read_event(self, mut event: ReceivedEvent) -> ReceivedEvent {
        if self == WeightReading::Line {
            return event;
        }
        if let Some(new) = event.new_order.as_mut() {
            self.read(&mut new.lines);
        }
        if let EventNews::Update(update) = &mut event.news
            && let Some(lines) = update.lines.as_mut()
        {
            self.read(lines);
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reading_both_ways() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let cases = [
            (WeightReading::Line, "350", "1", "350"),
            (WeightReading::Line, "700", "2", "700"),
            (WeightReading::Piece, "350", "1", "350"),
            (WeightReading::Piece, "350", "2", "700"),
            (WeightReading::Piece, "350", "0", "350"),
        ];
        for (reading, weight, quantity, grams) in cases {
            assert_eq!(
                reading.line_grams(d(weight), d(quantity)),
                d(grams),
                "{reading:?} {weight} × {quantity}"
            );
        }
        assert_eq!(WeightReading::Line.wire_weight(734, 2), 734);
        assert_eq!(WeightReading::Piece.wire_weight(734, 2), 367);
        assert_eq!(WeightReading::Piece.wire_weight(735, 2), 368, "rounded to the gram");
        assert_eq!(WeightReading::Piece.wire_weight(734, 1), 734);
        assert_eq!(WeightReading::Piece.wire_weight(734, 0), 734);
        assert_eq!(WeightReading::parse("piece"), Some(WeightReading::Piece));
        assert_eq!(WeightReading::parse("kg"), None);
    }

    #[test]
    fn an_event_s_lines_are_read_in_the_order_book_s_terms() {
        let mut new = super::super::NewKuperOrder::of(
            "S",
            vec![NewLine {
                position_id: "cheese".into(),
                quantity: 2.into(),
                weight_grams: Some(350.into()),
            }],
        );
        new.lines.push(NewLine::of("milk", 3.into()));
        let event = ReceivedEvent {
            key: "k".into(),
            event_type: "order.created".into(),
            original_order_id: "H1".into(),
            body: "{}".into(),
            received_at: chrono::DateTime::UNIX_EPOCH,
            new_order: Some(new),
            news: EventNews::Nothing,
        };
        let read = WeightReading::Piece.read_event(event.clone());
        let lines = &read.new_order.unwrap().lines;
        assert_eq!(lines[0].weight_grams, Some(700.into()));
        assert_eq!(lines[1].weight_grams, None);
        assert_eq!(WeightReading::Line.read_event(event.clone()), event);
    }
}
