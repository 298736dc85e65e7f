//! Text that came from outside (a provider's reason, a feed's row, a
//! webhook's field) written into a log line as data: control characters
//! escaped, so no input can start a forged line or rewrite a terminal.

use std::fmt;

/// Displays `text` with every control character escaped (`\n`, `\u{1b}`).
#[derive(Clone, Copy, Debug)]
pub struct LogSafe<'a>(&'a str);

/// `tracing::info!(reason = %log_safe(&reason), …)`.
pub fn log_safe(text: &str) -> LogSafe<'_> {
    LogSafe(text)
}

impl fmt::Display for LogSafe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        for c in self.0.chars() {
            if c.is_control() {
                for escaped in c.escape_debug() {
                    f.write_char(escaped)?;
                }
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::log_safe;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        let cases = [
            ("plain", "plain"),
            ("молоко 2,5%", "молоко 2,5%"),
            ("a\nINFO forged line", "a\\nINFO forged line"),
            ("tab\there", "tab\\there"),
            ("\u{1b}[31mred", "\\u{1b}[31mred"),
            ("cr\rlf", "cr\\rlf"),
            ("\u{0}nul", "\\0nul"),
            ("quote\"kept", "quote\"kept"),
        ];
        for (input, shown) in cases {
            assert_eq!(log_safe(input).to_string(), shown, "{input:?}");
        }
    }
}
