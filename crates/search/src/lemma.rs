//! The tokenizer of the `stemmed` fields: each word as its dictionary
//! lemmas (`бананов` → `банан`, `стали` → `сталь` and `стать`, at one
//! position), and as its Snowball stem only when the dictionary does not
//! know it (brands, Latin words, coinages).

use tantivy::tokenizer::{
    Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

#[derive(Clone)]
pub struct LemmaTokenizer {
    words: TextAnalyzer,
    stemmer: TextAnalyzer,
}

impl Default for LemmaTokenizer {
    fn default() -> Self {
        LemmaTokenizer {
            words: TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser).build(),
            // Repeated until it stops changing the word: one pass leaves
            // `пармалата` and `пармалатом` apart; three reach the same.
            stemmer: TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(Stemmer::new(Language::Russian))
                .filter(Stemmer::new(Language::Russian))
                .filter(Stemmer::new(Language::Russian))
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }
}

impl Tokenizer for LemmaTokenizer {
    type TokenStream<'a> = LemmaStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> LemmaStream {
        let mut tokens = Vec::new();
        let mut words = self.words.token_stream(text);
        while words.advance() {
            let word = words.token();
            let lemmas = morphology::russian().lemmas(&word.text);
            if lemmas.is_empty() {
                let mut stems = self.stemmer.token_stream(&word.text);
                while stems.advance() {
                    tokens.push(Token { text: stems.token().text.clone(), ..word.clone() });
                }
            } else {
                tokens.extend(lemmas.into_iter().map(|text| Token { text, ..word.clone() }));
            }
        }
        LemmaStream { tokens, advanced: 0, none: Token::default() }
    }
}

pub struct LemmaStream {
    tokens: Vec<Token>,
    /// How many tokens `advance` has passed; the current one is the last.
    advanced: usize,
    /// What `token` gives before the first `advance` or after the last.
    none: Token,
}

impl TokenStream for LemmaStream {
    fn advance(&mut self) -> bool {
        if self.advanced < self.tokens.len() {
            self.advanced += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        self.advanced.checked_sub(1).and_then(|i| self.tokens.get(i)).unwrap_or(&self.none)
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.advanced.checked_sub(1) {
            Some(i) if i < self.tokens.len() => &mut self.tokens[i],
            _ => &mut self.none,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<(String, usize)> {
        let mut tokenizer = LemmaTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    #[test]
    fn dictionary_words_by_lemma_others_by_stem() {
        let t = |text| terms(text).into_iter().map(|(t, _)| t).collect::<Vec<_>>();
        assert_eq!(t("Бананы"), ["банан"]);
        assert_eq!(t("бананов"), ["банан"]);
        assert_eq!(t("банан"), ["банан"]);
        assert_eq!(t("яиц"), t("яйца"));
        assert_eq!(t("Пармалата"), t("пармалатом"));
        assert_eq!(t("apples"), ["appl"]);
    }

    #[test]
    fn an_ambiguous_word_gives_every_lemma_at_its_position() {
        let stali = terms("молоко стали");
        assert!(stali.contains(&("сталь".into(), 1)) && stali.contains(&("стать".into(), 1)), "{stali:?}");
        assert_eq!(stali[0], ("молоко".into(), 0));
    }
}
