//! A deterministic, realistic Russian grocery catalog for demos and
//! benchmarks: the same `offers` always gives the same stores, products,
//! prices and stock.

use domain::{Currency, Decimal, GeoPoint, Money, SkuId, StoreId, Unit};

use crate::model::{DeliveryZone, Offer, Product, Store};

/// A real EAN-13 (Russia's prefix 46, the check digit right), as a
/// scanner reads it off the pack.
fn demo_barcode(i: usize) -> String {
    let body = format!("46{:010}", i + 1);
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", crate::barcode::check_digit(&digits))
}

/// SplitMix64: tiny, fast, and stable across platforms and releases, which a
/// demo catalog must be (a library RNG may change its stream).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }

    // A 53-bit integer converts to f64 exactly.
    #[allow(clippy::cast_precision_loss)]
    fn unit_f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

/// One kind of product: name, brands, variants, pack sizes and a price
/// range in roubles for the smallest pack.
struct Kind {
    name: &'static str,
    category: &'static str,
    brands: &'static [&'static str],
    variants: &'static [&'static str],
    /// (label, unit of sale, pack quantity in that unit, price factor)
    packs: &'static [(&'static str, Unit, &'static str, u32)],
    price: (u32, u32),
}

const PCS: Unit = Unit::Pcs;

const KINDS: &[Kind] = &[
    Kind {
        name: "Молоко",
        category: "Молочные продукты",
        brands: &["Простоквашино", "Домик в деревне", "Parmalat", "Весёлый молочник", "Летний день"],
        variants: &["1,5%", "2,5%", "3,2%", "6%"],
        packs: &[("1 л", PCS, "1", 10), ("900 мл", PCS, "0.9", 9), ("1,4 л", PCS, "1.4", 13)],
        price: (70, 120),
    },
    Kind {
        name: "Кефир",
        category: "Молочные продукты",
        brands: &["Простоквашино", "Домик в деревне", "Био Баланс", "Савушкин"],
        variants: &["1%", "2,5%", "3,2%"],
        packs: &[("900 мл", PCS, "0.9", 10), ("450 мл", PCS, "0.45", 6)],
        price: (60, 110),
    },
    Kind {
        name: "Сметана",
        category: "Молочные продукты",
        brands: &["Простоквашино", "Домик в деревне", "Савушкин", "Экомилк"],
        variants: &["10%", "15%", "20%"],
        packs: &[("300 г", PCS, "0.3", 10), ("540 г", PCS, "0.54", 16)],
        price: (80, 140),
    },
    Kind {
        name: "Творог",
        category: "Молочные продукты",
        brands: &["Простоквашино", "Савушкин", "Свитлогорье", "Домик в деревне"],
        variants: &["0%", "5%", "9%"],
        packs: &[("200 г", PCS, "0.2", 10), ("400 г", PCS, "0.4", 18)],
        price: (90, 160),
    },
    Kind {
        name: "Йогурт питьевой",
        category: "Молочные продукты",
        brands: &["Danone", "Чудо", "Активиа", "Эрмигурт"],
        variants: &["клубника", "персик", "черника", "натуральный"],
        packs: &[("270 г", PCS, "0.27", 10)],
        price: (50, 90),
    },
    Kind {
        name: "Сыр",
        category: "Сыры",
        brands: &["Ламбер", "Брест-Литовск", "Hochland", "Президент", "Сыробогатов"],
        variants: &["Российский", "Голландский", "Гауда", "Маасдам", "Пошехонский"],
        packs: &[("200 г", PCS, "0.2", 10), ("весовой", Unit::Kg, "1", 45)],
        price: (160, 320),
    },
    Kind {
        name: "Масло сливочное",
        category: "Молочные продукты",
        brands: &["Брест-Литовск", "Экомилк", "Простоквашино", "Президент"],
        variants: &["72,5%", "82,5%"],
        packs: &[("180 г", PCS, "0.18", 10)],
        price: (150, 260),
    },
    Kind {
        name: "Колбаса",
        category: "Мясная гастрономия",
        brands: &["Черкизово", "Останкино", "Мираторг", "Дымов", "Вязанка"],
        variants: &["докторская", "молочная", "сервелат", "салями"],
        packs: &[("330 г", PCS, "0.33", 10), ("500 г", PCS, "0.5", 14), ("весовая", Unit::Kg, "1", 26)],
        price: (180, 420),
    },
    Kind {
        name: "Сосиски",
        category: "Мясная гастрономия",
        brands: &["Вязанка", "Останкино", "Мираторг", "Папа может"],
        variants: &["молочные", "сливочные", "венские"],
        packs: &[("450 г", PCS, "0.45", 10)],
        price: (190, 330),
    },
    Kind {
        name: "Филе куриное",
        category: "Мясо и птица",
        brands: &["Петелинка", "Приосколье", "Мираторг"],
        variants: &["охлаждённое", "грудки"],
        packs: &[("весовое", Unit::Kg, "1", 10), ("700 г", PCS, "0.7", 8)],
        price: (350, 520),
    },
    Kind {
        name: "Фарш",
        category: "Мясо и птица",
        brands: &["Мираторг", "Черкизово", "Петелинка"],
        variants: &["говяжий", "свино-говяжий", "куриный"],
        packs: &[("400 г", PCS, "0.4", 10)],
        price: (220, 380),
    },
    Kind {
        name: "Хлеб",
        category: "Хлеб и выпечка",
        brands: &["Коломенский", "Хлебный дом", "Черёмушки", "Каравай"],
        variants: &["Бородинский", "Дарницкий", "пшеничный", "цельнозерновой"],
        packs: &[("400 г", PCS, "0.4", 10), ("700 г", PCS, "0.7", 15)],
        price: (45, 90),
    },
    Kind {
        name: "Батон",
        category: "Хлеб и выпечка",
        brands: &["Коломенский", "Хлебный дом", "Черёмушки"],
        variants: &["нарезной", "подмосковный", "с отрубями"],
        packs: &[("400 г", PCS, "0.4", 10)],
        price: (40, 75),
    },
    Kind {
        name: "Яйца куриные",
        category: "Яйца",
        brands: &["Окское", "Роскар", "Синявинская"],
        variants: &["С0", "С1", "Д0"],
        packs: &[("10 шт", PCS, "10", 10), ("6 шт", PCS, "6", 7)],
        price: (90, 160),
    },
    Kind {
        name: "Яблоки",
        category: "Овощи и фрукты",
        brands: &["Сад-Гигант", "Фермерские", "Импорт"],
        variants: &["Гренни Смит", "Голден", "Гала", "Фуджи"],
        packs: &[("весовые", Unit::Kg, "1", 10), ("1 кг фасованные", PCS, "1", 11)],
        price: (120, 220),
    },
    Kind {
        name: "Бананы",
        category: "Овощи и фрукты",
        brands: &["Эквадор", "Коста-Рика"],
        variants: &["спелые", "мини"],
        packs: &[("весовые", Unit::Kg, "1", 10)],
        price: (110, 170),
    },
    Kind {
        name: "Картофель",
        category: "Овощи и фрукты",
        brands: &["Фермерский", "Отборный"],
        variants: &["молодой", "красный", "белый"],
        packs: &[("весовой", Unit::Kg, "1", 10), ("2,5 кг сетка", PCS, "2.5", 20)],
        price: (40, 90),
    },
    Kind {
        name: "Помидоры",
        category: "Овощи и фрукты",
        brands: &["Агрокомбинат", "Выращено в Подмосковье"],
        variants: &["черри", "сливовидные", "розовые"],
        packs: &[("весовые", Unit::Kg, "1", 10), ("250 г", PCS, "0.25", 4)],
        price: (200, 450),
    },
    Kind {
        name: "Огурцы",
        category: "Овощи и фрукты",
        brands: &["Агрокомбинат", "Фермерские"],
        variants: &["среднеплодные", "короткоплодные"],
        packs: &[("весовые", Unit::Kg, "1", 10), ("450 г", PCS, "0.45", 6)],
        price: (150, 300),
    },
    Kind {
        name: "Вода питьевая",
        category: "Напитки",
        brands: &["Святой источник", "BonAqua", "Aqua Minerale", "Шишкин лес"],
        variants: &["негазированная", "газированная"],
        packs: &[("0,5 л", PCS, "0.5", 10), ("1,5 л", PCS, "1.5", 16), ("5 л", PCS, "5", 35)],
        price: (35, 70),
    },
    Kind {
        name: "Сок",
        category: "Напитки",
        brands: &["Добрый", "J7", "Rich", "Сады Придонья"],
        variants: &["апельсиновый", "яблочный", "томатный", "вишнёвый", "мультифрукт"],
        packs: &[("1 л", PCS, "1", 10), ("0,2 л", PCS, "0.2", 3)],
        price: (110, 190),
    },
    Kind {
        name: "Кофе",
        category: "Чай и кофе",
        brands: &["Jacobs", "Nescafe", "Lavazza", "Жокей", "Egoiste"],
        variants: &["молотый", "в зёрнах", "растворимый"],
        packs: &[("250 г", PCS, "0.25", 10), ("1 кг", PCS, "1", 34)],
        price: (350, 700),
    },
    Kind {
        name: "Чай",
        category: "Чай и кофе",
        brands: &["Greenfield", "Ahmad Tea", "Принцесса Нури", "Lipton"],
        variants: &["чёрный", "зелёный", "с бергамотом"],
        packs: &[("25 пакетиков", PCS, "25", 10), ("100 г листовой", PCS, "0.1", 12)],
        price: (90, 250),
    },
    Kind {
        name: "Гречка",
        category: "Крупы и макароны",
        brands: &["Мистраль", "Увелка", "Ярмарка", "Националь"],
        variants: &["ядрица", "в пакетиках"],
        packs: &[("900 г", PCS, "0.9", 10), ("400 г", PCS, "0.4", 6)],
        price: (80, 150),
    },
    Kind {
        name: "Рис",
        category: "Крупы и макароны",
        brands: &["Мистраль", "Увелка", "Националь"],
        variants: &["круглозёрный", "басмати", "жасмин", "пропаренный"],
        packs: &[("900 г", PCS, "0.9", 10)],
        price: (90, 200),
    },
    Kind {
        name: "Макароны",
        category: "Крупы и макароны",
        brands: &["Barilla", "Макфа", "Шебекинские", "Pasta Zara"],
        variants: &["спагетти", "перья", "рожки", "фузилли"],
        packs: &[("450 г", PCS, "0.45", 10)],
        price: (60, 140),
    },
    Kind {
        name: "Масло подсолнечное",
        category: "Бакалея",
        brands: &["Золотая семечка", "Слобода", "Олейна"],
        variants: &["рафинированное", "нерафинированное"],
        packs: &[("1 л", PCS, "1", 10), ("0,5 л", PCS, "0.5", 6)],
        price: (110, 190),
    },
    Kind {
        name: "Сахар",
        category: "Бакалея",
        brands: &["Русский сахар", "Чайкофский"],
        variants: &["песок", "рафинад"],
        packs: &[("1 кг", PCS, "1", 10)],
        price: (70, 110),
    },
    Kind {
        name: "Шоколад",
        category: "Сладости",
        brands: &["Alpen Gold", "Бабаевский", "Ritter Sport", "Аленка", "Россия"],
        variants: &["молочный", "горький 70%", "с орехами"],
        packs: &[("90 г", PCS, "0.09", 10), ("200 г", PCS, "0.2", 19)],
        price: (70, 150),
    },
    Kind {
        name: "Печенье",
        category: "Сладости",
        brands: &["Юбилейное", "Oreo", "Любятово", "Мария"],
        variants: &["овсяное", "сахарное", "шоколадное"],
        packs: &[("300 г", PCS, "0.3", 10)],
        price: (60, 140),
    },
    Kind {
        name: "Пельмени",
        category: "Замороженные продукты",
        brands: &["Сибирская коллекция", "Цезарь", "Мираторг", "Горячая штучка"],
        variants: &["классические", "говяжьи", "из индейки"],
        packs: &[("800 г", PCS, "0.8", 10)],
        price: (250, 480),
    },
    Kind {
        name: "Мороженое",
        category: "Замороженные продукты",
        brands: &["Чистая линия", "Инмарко", "48 копеек", "Коровка из Кореновки"],
        variants: &["пломбир", "крем-брюле", "шоколадное"],
        packs: &[("80 г", PCS, "0.08", 10), ("450 г", PCS, "0.45", 40)],
        price: (60, 120),
    },
    Kind {
        name: "Апельсины",
        category: "Фрукты и овощи",
        brands: &["Египет", "Марокко", "ЮАР"],
        variants: &["сладкие", "для сока"],
        packs: &[("весовые", Unit::Kg, "1", 10)],
        price: (90, 180),
    },
    Kind {
        name: "Сырок глазированный",
        category: "Молочные продукты",
        brands: &["Б.Ю. Александров", "Ростагроэкспорт", "Свитлогорье"],
        variants: &["ванильный", "в шоколаде"],
        packs: &[("40 г", PCS, "0.04", 10), ("50 г", PCS, "0.05", 12)],
        price: (40, 80),
    },
    Kind {
        name: "Молоко сгущённое",
        category: "Бакалея",
        brands: &["Рогачёв", "Алексеевское", "Главпродукт"],
        variants: &["цельное 8,5%", "варёное"],
        packs: &[("380 г", PCS, "0.38", 10)],
        price: (90, 160),
    },
    Kind {
        name: "Напиток газированный",
        category: "Напитки",
        brands: &["Pepsi-Cola", "Coca-Cola", "Черноголовка"],
        variants: &["классический", "без сахара"],
        packs: &[("0,5 л", PCS, "0.5", 10), ("1,5 л", PCS, "1.5", 20)],
        price: (60, 150),
    },
    Kind {
        name: "Кетчуп",
        category: "Соусы",
        brands: &["Heinz", "Calve", "Махеевъ"],
        variants: &["томатный", "шашлычный"],
        packs: &[("350 г", PCS, "0.35", 10)],
        price: (90, 200),
    },
    Kind {
        name: "Жевательная резинка",
        category: "Кондитерские изделия",
        brands: &["Orbit", "Dirol", "Eclipse"],
        variants: &["мята", "арбуз"],
        packs: &[("13,6 г", PCS, "0.0136", 10)],
        price: (40, 70),
    },
    Kind {
        name: "Конфеты",
        category: "Кондитерские изделия",
        brands: &["Raffaello", "Ferrero Rocher", "Рот Фронт"],
        variants: &["ассорти", "с миндалём"],
        packs: &[("150 г", PCS, "0.15", 30)],
        price: (200, 600),
    },
];

const STREETS: &[&str] = &[
    "Тверская",
    "Арбат",
    "Ленинский проспект",
    "Профсоюзная",
    "Мясницкая",
    "Покровка",
    "Сретенка",
    "Садовая-Кудринская",
    "Новослободская",
    "Большая Дмитровка",
    "Шаболовка",
    "Варшавское шоссе",
];

/// A generated catalog.
#[derive(Debug, Clone)]
pub struct DemoCatalog {
    pub stores: Vec<Store>,
    pub products: Vec<Product>,
    pub offers: Vec<Offer>,
}

/// The whole demo catalog as one write.
impl From<DemoCatalog> for crate::import::CatalogBatch {
    fn from(demo: DemoCatalog) -> Self {
        crate::import::CatalogBatch {
            stores: demo.stores,
            products: demo.products,
            offers: demo.offers,
            ..Default::default()
        }
    }
}

/// Roughly `offers` offers: every product in every store, stores and
/// products in proportion (1,000,000 → 200 stores × 5,000 products).
pub fn generate(offers: usize) -> DemoCatalog {
    let offers = offers.max(1);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let store_count = (((offers as f64).sqrt() / 5.0) as usize).clamp(1, 300);
    let product_count = offers.div_ceil(store_count);
    let mut rng = Rng(0x4D45_5243_4841_4E54);
    let stores: Vec<Store> = (0..store_count).map(|i| demo_store(i, &mut rng)).collect();
    let products: Vec<(Product, u32)> = (0..product_count).map(|i| demo_product(i, &mut rng)).collect();
    let mut all_offers = Vec::with_capacity(store_count * product_count);
    for (product, base_kopecks) in &products {
        for store in &stores {
            // Prices differ a little between stores; about one in ten offers
            // is out of stock.
            let price = i64::from(*base_kopecks) * (95 + i64::try_from(rng.below(11)).unwrap_or(0)) / 100;
            let price = price / 10 * 10 + 9;
            let stock = if rng.below(10) == 0 { 0 } else { i64::try_from(1 + rng.below(60)).unwrap_or(1) };
            let discounted = rng.below(8) == 0;
            all_offers.push(Offer {
                store: store.id.clone(),
                sku: product.sku.clone(),
                price: Money::from_minor(if discounted { price * 85 / 100 } else { price }, Currency::Rub),
                old_price: discounted.then(|| Money::from_minor(price, Currency::Rub)),
                stock,
                delivery: store.delivery_zone.is_some(),
                pickup: store.pickup,
            });
        }
    }
    DemoCatalog { stores, products: products.into_iter().map(|(p, _)| p).collect(), offers: all_offers }
}

fn demo_store(i: usize, rng: &mut Rng) -> Store {
    // Spread over Moscow within about 15 km of the centre.
    let angle = rng.unit_f64() * std::f64::consts::TAU;
    let radius_deg = rng.unit_f64().sqrt() * 0.135;
    let lat = 55.7558 + radius_deg * angle.sin();
    let lon = 37.6173 + radius_deg * angle.cos() / 0.56;
    let delivers = i % 5 != 4;
    let street = rng.pick(STREETS);
    Store {
        id: StoreId::new(format!("STORE-{:03}", i + 1)).expect("valid id"),
        name: format!("Гастроном №{}", i + 1),
        address: format!("Москва, {street}, {}", 1 + rng.below(120)),
        location: GeoPoint::new(lat, lon).expect("inside Moscow"),
        delivery_zone: delivers
            .then(|| DeliveryZone::Radius { metres: 3000 + u32::try_from(rng.below(3)).unwrap_or(0) * 1000 }),
        pickup: i % 3 != 2 || !delivers,
        // The first three are dark stores open around the clock: `cargo
        // xtask up` connects them to Kuper, and its demo round (and CI's
        // smoke test of it) must go through at any hour.
        opening_hours: if i < 3 { "24/7" } else { "Mo-Su 08:00-23:00" }.into(),
        time_zone: "Europe/Moscow".into(),
    }
}

/// The i-th product: kinds, brands, variants and packs enumerated in a fixed
/// order, so small catalogs still cover every kind.
fn demo_product(i: usize, rng: &mut Rng) -> (Product, u32) {
    let kind = &KINDS[i % KINDS.len()];
    let mut n = i / KINDS.len();
    let brand = kind.brands[n % kind.brands.len()];
    n /= kind.brands.len();
    let variant = kind.variants[n % kind.variants.len()];
    n /= kind.variants.len();
    let (pack, unit, quantity, factor) = kind.packs[n % kind.packs.len()];
    n /= kind.packs.len();
    // Past every combination, a product line repeats as a numbered series.
    let series = if n > 0 { format!(" серия {}", n + 1) } else { String::new() };
    let name = format!("{} {brand} {variant} {pack}{series}", kind.name);
    let roubles =
        kind.price.0 + u32::try_from(rng.below(u64::from(kind.price.1 - kind.price.0 + 1))).unwrap_or(0);
    let base_kopecks = roubles * factor * 10;
    let sku = SkuId::new(format!("SKU-{:06}", i + 1)).expect("valid id");
    let product = Product {
        description: format!("{} {variant}, {brand}. {}.", kind.name, kind.category),
        photo_url: format!("https://cdn.example.com/products/{sku}.jpg"),
        sku,
        name,
        unit,
        pack_quantity: Some(quantity.parse::<Decimal>().expect("static decimal")),
        rating: Some(Decimal::new(35 + i64::try_from(rng.below(16)).unwrap_or(0), 1)),
        category: kind.category.into(),
        brand: brand.into(),
        barcode: Some(demo_barcode(i)),
        // Groceries are taxed at 10% in Russia; the demo says so for all.
        vat: Some(domain::VatRate::Vat10),
    };
    (product, base_kopecks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let a = generate(2_000);
        let b = generate(2_000);
        assert_eq!(a.products, b.products);
        assert_eq!(a.offers, b.offers);
        assert_eq!(a.stores.len(), 8);
        assert!(a.offers.len() >= 2_000 && a.offers.len() < 2_000 + a.stores.len());
        let big = generate(1_000_000);
        assert_eq!((big.stores.len(), big.products.len()), (200, 5_000));
    }

    #[test]
    fn names_read_like_a_shop_shelf() {
        let demo = generate(2_000);
        let milk = &demo.products[0];
        assert_eq!(milk.name, "Молоко Простоквашино 1,5% 1 л");
        assert!(demo.products.iter().any(|p| p.unit == Unit::Kg));
        assert!(demo.offers.iter().any(|o| o.stock == 0));
        assert!(demo.offers.iter().all(|o| o.price.minor() > 0));
    }
}
