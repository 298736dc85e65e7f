//! What of a spec a client depends on, compared between the seed and ours:
//! paths and methods, parameters, request and response schemas (types,
//! formats, enums, numeric bounds, string lengths, required fields), and
//! response codes. Differences are sentences; deliberate additions are
//! allowed by name.
//!
//! Required fields are judged from the client's side: a request may not
//! require what the seed lets a client leave out (accepting more than the
//! seed is fine); a response must carry everything the seed promises, and
//! what it promises beyond that is listed (`required_beyond`) so that it stays.
//!
//! OpenAPI 3.0 (the seed) and 3.1 (utoipa) say "may be null" differently;
//! nullability is not compared: optional fields are optional either way, and
//! our responses leave absent fields out.

use serde_json::Value;

/// Additions of ours that the seed does not have, on purpose.
#[derive(Debug, Default)]
pub struct Allowed {
    /// Paths only we serve (operations, notifications, the sandbox page).
    pub paths: &'static [&'static str],
    /// Optional properties only we have, as `Schema.property` of the seed's
    /// schema names or `path method in/out property`.
    pub properties: &'static [&'static str],
    /// Fields ours requires that the seed does not, as `Schema.field` (of
    /// the seed's schema names, or the parent schema of an inline object):
    /// in a response a promise kept; in a request a deliberate restriction.
    pub required_beyond: &'static [&'static str],
    /// What each seed operation needs of the MCP client's `Authorization`,
    /// as `method path`.
    pub client: &'static [(&'static str, Needs)],
}

/// What an operation needs of the MCP client's authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Refused (403) without it.
    Always,
    /// Taken when given (a configured closed catalog, a shopper's token).
    Optional,
}

impl Allowed {
    fn needs_client(&self, place: &str) -> Option<Needs> {
        self.client.iter().find(|(p, _)| *p == place).map(|(_, n)| *n)
    }
}

/// Which way a body goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

struct Specs<'a> {
    seed: &'a Value,
    ours: &'a Value,
    allowed: &'a Allowed,
    found: Vec<String>,
}

/// The schema behind `$ref`s, `allOf` of one, and "this or null".
fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let mut at = root;
            for key in reference.trim_start_matches("#/").split('/') {
                at = &at[key];
            }
            schema = at;
            continue;
        }
        let alternatives =
            schema.get("oneOf").or_else(|| schema.get("anyOf")).or_else(|| schema.get("allOf"));
        if let Some(Value::Array(options)) = alternatives {
            let not_null: Vec<&Value> =
                options.iter().filter(|o| o.get("type") != Some(&Value::from("null"))).collect();
            if not_null.len() == 1 {
                schema = not_null[0];
                continue;
            }
        }
        break;
    }
    schema
}

/// The one non-null type a schema names, if it names one.
fn type_of(schema: &Value) -> Option<String> {
    match schema.get("type")? {
        Value::String(t) => Some(t.clone()),
        Value::Array(types) => {
            let named: Vec<&str> = types.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect();
            (named.len() == 1).then(|| named[0].to_owned())
        }
        _ => None,
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = value
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// The seed's name of a schema reached by `$ref`, for the allow list.
fn schema_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.rsplit('/').next()
}

impl Specs<'_> {
    fn differ(&mut self, what: String) {
        self.found.push(what);
    }

    fn allowed_property(&self, owner: &str, place: &str, property: &str) -> bool {
        self.allowed
            .properties
            .iter()
            .any(|a| *a == format!("{owner}.{property}") || *a == format!("{place} {property}"))
    }

    fn schema(&mut self, place: &str, owner: &str, way: Direction, seed: &Value, ours: &Value, depth: usize) {
        if depth > 12 {
            return;
        }
        let owner = schema_name(seed).unwrap_or(owner).to_owned();
        let (s, o) = (resolve(self.seed, seed), resolve(self.ours, ours));
        let seed_type = type_of(s);
        if let Some(t) = &seed_type
            && type_of(o).as_deref() != Some(t)
        {
            self.differ(format!("{place}: type {t} in the seed, {:?} in ours", o.get("type")));
        }
        if let Some(format) = s.get("format")
            && o.get("format") != Some(format)
        {
            self.differ(format!("{place}: format {format} in the seed, {:?} in ours", o.get("format")));
        }
        if s.get("enum").is_some() && strings(s.get("enum")) != strings(o.get("enum")) {
            self.differ(format!(
                "{place}: enum {:?} in the seed, {:?} in ours",
                strings(s.get("enum")),
                strings(o.get("enum"))
            ));
        }
        let numeric = matches!(seed_type.as_deref(), Some("number" | "integer"));
        let stringy = seed_type.as_deref() == Some("string");
        for bound in ["minimum", "maximum", "minLength", "maxLength"] {
            let applies = if bound.ends_with("Length") { stringy } else { numeric };
            if let Some(value) = s.get(bound)
                && applies
                && o.get(bound).and_then(Value::as_f64) != value.as_f64()
            {
                self.differ(format!("{place}: {bound} {value} in the seed, {:?} in ours", o.get(bound)));
            }
        }
        let (seed_required, our_required) = (strings(s.get("required")), strings(o.get("required")));
        for field in &seed_required {
            if way == Direction::Response && !our_required.contains(field) {
                self.differ(format!("{place}: {field} is required in the seed, optional in ours"));
            }
        }
        for field in &our_required {
            let listed = self.allowed.required_beyond.contains(&format!("{owner}.{field}").as_str());
            if !seed_required.contains(field) && !listed {
                self.differ(format!("{place}: {field} ({owner}) is required in ours, not in the seed"));
            }
        }
        let seed_props = s.get("properties").and_then(Value::as_object);
        for listed in self.allowed.required_beyond {
            if let Some((schema, field)) = listed.split_once('.')
                && way == Direction::Response
                && schema == owner
                && seed_props.is_some_and(|p| p.contains_key(field))
                && !our_required.iter().any(|f| f == field)
            {
                self.differ(format!("{place}: {field} is listed as required in ours but is optional"));
            }
        }
        let empty = serde_json::Map::new();
        let seed_props = s.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let our_props = o.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        for (name, prop) in seed_props {
            match our_props.get(name) {
                Some(ours) => self.schema(&format!("{place}.{name}"), &owner, way, prop, ours, depth + 1),
                None => self.differ(format!("{place}: property {name} is missing in ours")),
            }
        }
        for name in our_props.keys() {
            if !seed_props.contains_key(name)
                && !seed_props.is_empty()
                && !self.allowed_property(&owner, place, name)
            {
                self.differ(format!(
                    "{place}: property {name} ({owner}) is ours only and not in the allowed list"
                ));
            }
        }
        if let (Some(seed_items), Some(our_items)) = (s.get("items"), o.get("items")) {
            self.schema(&format!("{place}[]"), &owner, way, seed_items, our_items, depth + 1);
        } else if s.get("items").is_some() {
            self.differ(format!("{place}: an array in the seed, no items in ours"));
        }
    }

    fn json_body<'v>(spec: &'v Value, holder: &'v Value) -> Option<&'v Value> {
        resolve(spec, holder).get("content")?.get("application/json")?.get("schema")
    }

    fn operation(&mut self, path: &str, method: &str, seed: &Value, ours: &Value) {
        let place = format!("{method} {path}");
        for key in ["summary", "description"] {
            if let Some(text) = seed[key].as_str()
                && ours[key].as_str().map(str::trim_end) != Some(text.trim_end())
            {
                self.differ(format!("{place}: {key} is not the seed's ({:?})", ours[key]));
            }
        }
        if let Some(needs) = self.allowed.needs_client(&place) {
            let declared: Vec<Value> = ours["security"].as_array().cloned().unwrap_or_default();
            let names_client = declared.iter().any(|r| r.get("mcp_client").is_some());
            let may_go_without = declared.is_empty()
                || declared.iter().any(|r| r.as_object().is_some_and(serde_json::Map::is_empty));
            match needs {
                Needs::Always if !names_client || may_go_without => {
                    self.differ(format!(
                        "{place}: needs the MCP client's Authorization but declares {declared:?}"
                    ));
                }
                Needs::Optional if !names_client || !may_go_without => {
                    self.differ(format!(
                        "{place}: takes the MCP client's Authorization when given but declares {declared:?}"
                    ));
                }
                _ => {}
            }
        } else {
            self.differ(format!("{place}: the test does not say whether it needs the MCP client"));
        }
        let params = |spec: &Value, op: &Value| -> Vec<Value> {
            op.get("parameters")
                .and_then(Value::as_array)
                .map(|ps| ps.iter().map(|p| resolve(spec, p).clone()).collect())
                .unwrap_or_default()
        };
        let (seed_params, our_params) = (params(self.seed, seed), params(self.ours, ours));
        for p in &seed_params {
            let (name, location) =
                (p["name"].as_str().unwrap_or_default(), p["in"].as_str().unwrap_or_default());
            match our_params.iter().find(|o| o["name"] == p["name"] && o["in"] == p["in"]) {
                None => self.differ(format!("{place}: {location} parameter {name} is missing in ours")),
                Some(o) => {
                    if p["required"].as_bool().unwrap_or(false) != o["required"].as_bool().unwrap_or(false) {
                        self.differ(format!("{place}: {location} parameter {name} required differs"));
                    }
                    self.schema(
                        &format!("{place} {location} {name}"),
                        name,
                        Direction::Request,
                        &p["schema"],
                        &o["schema"],
                        0,
                    );
                }
            }
        }
        for o in &our_params {
            if o["required"].as_bool().unwrap_or(false)
                && !seed_params.iter().any(|p| p["name"] == o["name"] && p["in"] == o["in"])
            {
                self.differ(format!(
                    "{place}: ours requires parameter {} that the seed does not have",
                    o["name"]
                ));
            }
        }
        match (seed.get("requestBody"), ours.get("requestBody")) {
            (Some(seed_body), Some(our_body)) => {
                if let (Some(s), Some(o)) =
                    (Self::json_body(self.seed, seed_body), Self::json_body(self.ours, our_body))
                {
                    self.schema(&format!("{place} in"), "request", Direction::Request, s, o, 0);
                } else {
                    self.differ(format!("{place}: request bodies are not both JSON"));
                }
            }
            (Some(_), None) => self.differ(format!("{place}: the request body is missing in ours")),
            _ => {}
        }
        let empty = serde_json::Map::new();
        let our_responses = ours.get("responses").and_then(Value::as_object).unwrap_or(&empty);
        for (code, seed_response) in seed.get("responses").and_then(Value::as_object).unwrap_or(&empty) {
            match our_responses.get(code) {
                None => self.differ(format!("{place}: response {code} is missing in ours")),
                Some(our_response) => {
                    match (
                        Self::json_body(self.seed, seed_response),
                        Self::json_body(self.ours, our_response),
                    ) {
                        (Some(s), Some(o)) => {
                            self.schema(&format!("{place} {code}"), "response", Direction::Response, s, o, 0);
                        }
                        (Some(_), None) => {
                            self.differ(format!("{place}: response {code} has no JSON body in ours"));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// What reads like a code comment rather than words for a client.
const CODE_WORDS: [&str; 10] =
    ["extractor", "fn ", "Result<", "Option<", "::", "impl ", "struct ", "&self", "handler", "unwrap"];

/// A summary or description that reads like Rust docs, of every operation
/// of `ours`.
pub fn code_comments(ours: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let empty = serde_json::Map::new();
    for (path, item) in ours["paths"].as_object().unwrap_or(&empty) {
        for (method, op) in item.as_object().unwrap_or(&empty) {
            for key in ["summary", "description"] {
                let text = op[key].as_str().unwrap_or_default();
                if let Some(word) =
                    CODE_WORDS.iter().find(|w| text.to_lowercase().contains(&w.to_lowercase()))
                {
                    found
                        .push(format!("{method} {path}: {key} reads like a code comment ({word:?}): {text}"));
                }
            }
        }
    }
    found
}

/// Every difference that matters to a client of the seed.
pub fn differences(seed: &Value, ours: &Value, allowed: &Allowed) -> Vec<String> {
    let mut specs = Specs { seed, ours, allowed, found: Vec::new() };
    let empty = serde_json::Map::new();
    let seed_paths = seed["paths"].as_object().unwrap_or(&empty);
    let our_paths = ours["paths"].as_object().unwrap_or(&empty);
    for (path, item) in seed_paths {
        for (method, op) in item.as_object().unwrap_or(&empty) {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            match our_paths.get(path).and_then(|p| p.get(method)) {
                Some(ours) => specs.operation(path, method, op, ours),
                None => specs.differ(format!("{method} {path} is missing in ours")),
            }
        }
    }
    for path in our_paths.keys() {
        if !seed_paths.contains_key(path) && !allowed.paths.contains(&path.as_str()) {
            specs.differ(format!("{path} is ours only and not in the allowed list"));
        }
    }
    specs.found
}
