//! The OpenAPI 3.1 document rendered as 3.0.3, for client generators that
//! do not read 3.1. Only the spelling changes, never the contract:
//!
//! - `"type": ["string", "null"]` becomes `"type": "string", "nullable": true`;
//! - `oneOf`/`anyOf` of a schema and `{"type": "null"}` becomes that schema
//!   with `nullable: true` (a `$ref` goes under `allOf`, since 3.0 ignores
//!   what stands beside a `$ref`);
//! - `const` becomes a one-value `enum`; numeric `exclusiveMinimum` /
//!   `exclusiveMaximum` become the 3.0 boolean form; `examples` becomes
//!   `example` (the first);
//! - what 3.0 does not have is left out: `jsonSchemaDialect`, `webhooks`,
//!   `info.license.identifier`, `contentEncoding`, `contentMediaType`,
//!   `$schema`.

use serde_json::{Map, Value, json};

/// `document` (OpenAPI 3.1) as OpenAPI 3.0.3.
pub fn downgrade(document: &Value) -> Value {
    let mut out = document.clone();
    if let Some(root) = out.as_object_mut() {
        root.insert("openapi".into(), Value::from("3.0.3"));
        root.remove("jsonSchemaDialect");
        root.remove("webhooks");
        if let Some(license) =
            root.get_mut("info").and_then(|i| i.get_mut("license")).and_then(Value::as_object_mut)
        {
            license.remove("identifier");
        }
    }
    walk(&mut out);
    out
}

/// Rewrites every schema-shaped object below `value`.
fn walk(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(walk),
        Value::Object(map) => {
            rewrite(map);
            map.values_mut().for_each(walk);
        }
        _ => {}
    }
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type") == Some(&Value::from("null"))
}

fn rewrite(map: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = map.get("type").cloned() {
        let named: Vec<Value> = types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
        if named.len() < types.len() {
            map.insert("nullable".into(), Value::Bool(true));
        }
        match named.as_slice() {
            [one] => {
                map.insert("type".into(), one.clone());
            }
            [] => {
                map.remove("type");
            }
            several => {
                // 3.0 has no type lists: one alternative per type.
                let alternatives: Vec<Value> = several.iter().map(|t| json!({"type": t})).collect();
                map.remove("type");
                map.insert("anyOf".into(), Value::Array(alternatives));
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(options)) = map.get(key).cloned() else { continue };
        let rest: Vec<Value> = options.iter().filter(|o| !is_null_schema(o)).cloned().collect();
        if rest.len() == options.len() {
            continue;
        }
        map.insert("nullable".into(), Value::Bool(true));
        match rest.as_slice() {
            [one] => {
                map.remove(key);
                match one.as_object() {
                    Some(inner) if inner.contains_key("$ref") => {
                        map.insert("allOf".into(), json!([{"$ref": inner["$ref"]}]));
                        // What stood beside the $ref (a description) stays beside allOf.
                        for (k, v) in inner.iter().filter(|(k, _)| k.as_str() != "$ref") {
                            map.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                    Some(inner) => {
                        for (k, v) in inner {
                            map.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                    None => {}
                }
            }
            _ => {
                map.insert(key.into(), Value::Array(rest));
            }
        }
    }
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![value]));
    }
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(limit) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
            map.insert(bound.into(), limit);
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
    // `examples` of a schema is a list; of a media type or parameter it is
    // a map of named examples, which 3.0 has too.
    if let Some(Value::Array(examples)) = map.get("examples").cloned() {
        map.remove("examples");
        if let Some(first) = examples.into_iter().next() {
            map.entry("example").or_insert(first);
        }
    }
    for gone in ["contentEncoding", "contentMediaType", "$schema"] {
        map.remove(gone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_3_1_spellings_become_3_0_ones() {
        let doc = json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "x",
            "info": {"title": "t", "version": "1", "license": {"name": "MIT", "identifier": "MIT"}},
            "components": {"schemas": {
                "A": {"type": ["string", "null"], "format": "uri"},
                "B": {"oneOf": [{"$ref": "#/components/schemas/M", "description": "d"}, {"type": "null"}]},
                "C": {"type": "integer", "exclusiveMinimum": 0, "const": 1, "examples": [1, 2]},
                "D": {"type": ["integer", "string"]},
                "E": {"oneOf": [{"type": "object", "properties": {}}, {"type": "null"}]}
            }}
        });
        let down = downgrade(&doc);
        assert_eq!(down["openapi"], "3.0.3");
        assert!(down.get("jsonSchemaDialect").is_none());
        assert!(down["info"]["license"].get("identifier").is_none());
        let s = &down["components"]["schemas"];
        assert_eq!(s["A"], json!({"type": "string", "format": "uri", "nullable": true}));
        assert_eq!(
            s["B"],
            json!({"allOf": [{"$ref": "#/components/schemas/M"}], "description": "d", "nullable": true})
        );
        assert_eq!(
            s["C"],
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "enum": [1], "example": 1})
        );
        assert_eq!(s["D"], json!({"anyOf": [{"type": "integer"}, {"type": "string"}]}));
        assert_eq!(s["E"], json!({"type": "object", "properties": {}, "nullable": true}));
    }
}
