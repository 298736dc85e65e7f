//! A query finds a product in every case and number of its nouns and
//! adjectives: one test per paradigm (declension and stem type), each with
//! a word of our own, the plural genitive included.

use catalog::SearchIndex;
use search::TantivyIndex;

/// The shelf every paradigm is tried on: one product per word, and
/// neighbours that must not be found instead.
fn shelf(names: &[&str]) -> TantivyIndex {
    let index = TantivyIndex::new().unwrap();
    let products: Vec<_> =
        names.iter().enumerate().map(|(i, n)| crate::product(&format!("P{i}"), n, "")).collect();
    index.apply(&products).unwrap();
    index
}

/// Every form finds the product named `name` first.
fn finds(name: &str, forms: &[&str], neighbours: &[&str]) {
    let mut names = vec![name];
    names.extend_from_slice(neighbours);
    let index = shelf(&names);
    for form in forms {
        let hits = index.search(form, 3).unwrap();
        assert_eq!(
            hits.first().map(|h| h.sku.as_str()),
            Some("P0"),
            "{form:?} should find {name:?}: {hits:?}"
        );
    }
}

#[test]
fn masculine_hard_stem() {
    // помидор: -ов in the plural genitive.
    finds(
        "Помидоры розовые",
        &[
            "помидор",
            "помидора",
            "помидору",
            "помидором",
            "помидоре",
            "помидоры",
            "помидоров",
            "помидорам",
            "помидорами",
            "помидорах",
        ],
        &["Сок томатный", "Перец сладкий"],
    );
}

#[test]
fn masculine_with_a_fleeting_vowel() {
    // огурец / огурцы / огурцов: the vowel of the singular drops.
    finds(
        "Огурцы короткоплодные",
        &["огурец", "огурца", "огурцу", "огурцом", "огурце", "огурцы", "огурцов", "огурцам", "огурцами"],
        &["Кабачки молодые", "Перец сладкий"],
    );
    // сырок / сырки / сырков.
    finds(
        "Сырок глазированный ванильный",
        &["сырок", "сырка", "сырку", "сырком", "сырки", "сырков", "сыркам"],
        &["Сыр Гауда", "Творог 5%"],
    );
}

#[test]
fn masculine_soft_stem() {
    // пельмень: -ей in the plural genitive.
    finds(
        "Пельмени домашние",
        &[
            "пельмень",
            "пельменя",
            "пельменю",
            "пельменем",
            "пельмени",
            "пельменей",
            "пельменям",
            "пельменями",
        ],
        &["Вареники с картофелем", "Манты"],
    );
}

#[test]
fn feminine_a_stem_with_an_empty_plural_genitive() {
    // сосиска / сосисок (a fleeting vowel too), колбаса / колбас.
    finds(
        "Сосиски молочные",
        &["сосиска", "сосиски", "сосиске", "сосиску", "сосиской", "сосисок", "сосискам", "сосисками"],
        &["Сардельки говяжьи", "Колбаса докторская"],
    );
    finds(
        "Колбаса докторская",
        &["колбаса", "колбасы", "колбасе", "колбасу", "колбасой", "колбас", "колбасами"],
        &["Сосиски молочные", "Ветчина"],
    );
}

#[test]
fn neuter_o_stem_and_neuter_ye() {
    // яйцо / яиц, яблоко / яблок, печенье / печенья.
    finds(
        "Яйца куриные С0",
        &["яйцо", "яйца", "яйцу", "яйцом", "яйце", "яиц", "яйцам", "яйцами"],
        &["Майонез", "Курица"],
    );
    finds(
        "Яблоки Гренни Смит",
        &["яблоко", "яблока", "яблоку", "яблоком", "яблоки", "яблок", "яблокам"],
        &["Груши", "Сок яблочный"],
    );
    finds(
        "Печенье овсяное",
        &["печенье", "печенья", "печенью", "печеньем", "печеньями"],
        &["Пряники", "Вафли"],
    );
}

#[test]
fn adjectives_in_every_case() {
    // A product told apart by its adjective: the right one comes first.
    finds(
        "Сыр плавленый",
        &[
            "плавленый сыр",
            "плавленого сыра",
            "плавленому сыру",
            "плавленым сыром",
            "плавленые сыры",
            "плавленых сыров",
        ],
        &["Сыр твёрдый", "Сыр мягкий"],
    );
}

/// Words Snowball over-stems into another word's stem: the dictionary keeps
/// them apart (`банан` is not `баня`, `мука` not `мук…`).
#[test]
fn words_snowball_over_stems_stay_themselves() {
    finds("Бананы Эквадор", &["банан", "бананы", "бананов"], &["Веник для бани"]);
    finds("Веник для бани", &["баня", "бани", "баню"], &["Бананы Эквадор"]);
    finds("Мука пшеничная", &["мука", "муки", "муку"], &["Мусс ягодный"]);
}

/// A product named by a diminutive is found by the noun it is made from,
/// after the noun's own products.
#[test]
fn a_diminutive_name_is_found_by_its_noun_after_the_noun_itself() {
    finds("Горошек зеленый", &["горох"], &["Фасоль красная"]);
    finds("Сыр Российский", &["сыр", "сыра"], &["Сырок глазированный"]);
    finds("Сырок глазированный", &["сырок", "сырки", "сырков"], &["Сыр Российский"]);
}

/// A misspelling a letter away from how a word is said.
#[test]
fn a_misspelling_a_letter_from_how_a_word_is_said() {
    finds("Мороженое пломбир", &["марожное", "мароженае"], &["Морковь мытая"]);
}
