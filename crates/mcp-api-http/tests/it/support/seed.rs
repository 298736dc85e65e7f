//! Validates JSON bodies against the seed spec itself
//! (`openapi/seed/mcp-merchant-api.yaml`), not against anything we generate.
//! Covers the OpenAPI 3.0 subset the seed uses: `$ref`, `type`, `required`,
//! `properties`, `items`, `enum`, `nullable`, `minimum`/`maximum`,
//! `additionalProperties: true`.

use serde_json::Value;

pub struct Seed {
    doc: Value,
}

impl Seed {
    pub fn load() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/seed/mcp-merchant-api.yaml");
        let text = std::fs::read_to_string(path).expect("seed spec");
        let doc: Value = serde_yaml_ng::from_str(&text).expect("seed spec is YAML");
        Seed { doc }
    }

    /// The response schema of `method path` for `status`.
    pub fn response_schema(&self, method: &str, path: &str, status: u16) -> &Value {
        let op = &self.doc["paths"][path][method];
        assert!(op.is_object(), "the seed has no {method} {path}");
        let schema = &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "the seed documents no {status} for {method} {path}");
        schema
    }

    pub fn component(&self, name: &str) -> &Value {
        &self.doc["components"]["schemas"][name]
    }

    /// Panics with every violation of `body` against the response schema.
    pub fn assert_response(&self, method: &str, path: &str, status: u16, body: &Value) {
        let errors = self.violations(self.response_schema(method, path, status), body);
        assert!(
            errors.is_empty(),
            "{method} {path} {status} does not match the seed:\n{}\n{body:#}",
            errors.join("\n")
        );
    }

    pub fn violations(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", &mut errors);
        errors
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.strip_prefix("#/components/schemas/").expect("local schema ref");
                self.resolve(self.component(name))
            }
            None => schema,
        }
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if value.is_null() {
            if schema["nullable"] != Value::Bool(true) {
                errors.push(format!("{at}: null is not allowed"));
            }
            return;
        }
        let type_ok = match schema["type"].as_str() {
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            _ => true,
        };
        if !type_ok {
            errors.push(format!("{at}: expected {}, got {value}", schema["type"]));
            return;
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
        if let Some(n) = value.as_f64() {
            if schema["minimum"].as_f64().is_some_and(|min| n < min) {
                errors.push(format!("{at}: {n} is below the minimum"));
            }
            if schema["maximum"].as_f64().is_some_and(|max| n > max) {
                errors.push(format!("{at}: {n} is above the maximum"));
            }
        }
        if let Some(object) = value.as_object() {
            for field in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !object.contains_key(field) {
                    errors.push(format!("{at}: required field {field} is missing"));
                }
            }
            let properties = schema["properties"].as_object();
            for (key, item) in object {
                match properties.and_then(|p| p.get(key)) {
                    Some(property) => self.check(property, item, &format!("{at}.{key}"), errors),
                    None if schema["additionalProperties"] == Value::Bool(true) => {}
                    None if properties.is_some() => errors.push(format!("{at}: {key} is not in the seed")),
                    None => {}
                }
            }
        }
        if let Some(items) = value.as_array() {
            for (i, item) in items.iter().enumerate() {
                self.check(&schema["items"], item, &format!("{at}[{i}]"), errors);
            }
        }
    }
}
