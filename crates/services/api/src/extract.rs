//! Request extractors and the extractor error mapping: malformed JSON is a 400, JSON of the wrong shape a
//! 422, a body over the limit a 413.

use std::future::{Ready, ready};

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use serde_json::error::Category;
use telemetry::TraceParent;

use crate::error::ApiError;

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(move |err, _| json_error(err, limit).into())
}

fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) if e.classify() == Category::Data => {
            ApiError::validation(data_error_field(&e.to_string()), e.to_string())
        }
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("malformed JSON: {e}")),
        e => ApiError::BadRequest(e.to_string()),
    }
}

/// The field a serde data error names (`missing field `email``, `unknown field `x``), if any.
fn data_error_field(message: &str) -> String {
    let named = message.starts_with("missing field") || message.starts_with("unknown field");
    named.then(|| message.split('`').nth(1)).flatten().unwrap_or("body").to_owned()
}

/// A JSON body that must be an object: `web::Json<JsonObject<T>>`. A struct's derived `Deserialize` also
/// takes a JSON array of its fields in order (`[null, null]`), which no client means; this refuses it (422).
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T> std::ops::Deref for JsonObject<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for JsonObject<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object<T>(std::marker::PhantomData<T>);

        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Object<T> {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer.deserialize_map(Object(std::marker::PhantomData)).map(JsonObject)
    }
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_: PathError, _| ApiError::NotFound.into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e: QueryPayloadError, _| {
        let message = e.to_string();
        ApiError::validation(data_error_field(&message), message).into()
    })
}

/// The request's trace context: the one the auth guard chose (which the audit trail records), else its valid
/// `traceparent` header, or a new trace.
pub struct Trace(pub TraceParent);

impl FromRequest for Trace {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(tp) = req.extensions().get::<TraceParent>() {
            return ready(Ok(Trace(tp.clone())));
        }
        let tp = req
            .headers()
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .and_then(TraceParent::parse)
            .unwrap_or_else(TraceParent::generate);
        ready(Ok(Trace(tp)))
    }
}

/// The version a write expects, from `If-Match: "<version>"`; absent or `*` means any version.
pub struct IfMatch(pub Option<i64>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_if_match(req.headers().get("if-match").map(|v| v.to_str().unwrap_or("\u{0}"))).map(IfMatch))
    }
}

fn parse_if_match(value: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(value) = value.map(str::trim) else {
        return Ok(None);
    };
    if value == "*" {
        return Ok(None);
    }
    let tag = value.strip_prefix("W/").unwrap_or(value);
    tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(tag).parse::<i64>().map(Some).map_err(|_| {
        ApiError::InvalidHeader {
            header: "If-Match",
            message: "If-Match must be the customer's ETag, e.g. \"3\"".into(),
        }
    })
}

/// The ETag of a customer version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_etags_and_rejects_garbage() {
        assert_eq!(parse_if_match(None).ok(), Some(None));
        assert_eq!(parse_if_match(Some("*")).ok(), Some(None));
        assert_eq!(parse_if_match(Some("\"3\"")).ok(), Some(Some(3)));
        assert_eq!(parse_if_match(Some("W/\"4\"")).ok(), Some(Some(4)));
        assert_eq!(parse_if_match(Some("7")).ok(), Some(Some(7)));
        assert!(parse_if_match(Some("\"abc\"")).is_err());
    }

    #[test]
    fn a_json_object_body_is_not_taken_from_an_array() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            name: Option<String>,
        }
        let object: JsonObject<Body> = serde_json::from_str(r#"{"name": "Ada"}"#).expect("an object");
        assert_eq!(object.name.as_deref(), Some("Ada"));
        let array = serde_json::from_str::<JsonObject<Body>>(r#"["Ada"]"#).expect_err("an array");
        assert_eq!(array.classify(), Category::Data, "a 422, as any body of the wrong shape");
        let unknown = serde_json::from_str::<JsonObject<Body>>(r#"{"nme": "Ada"}"#).expect_err("unknown field");
        assert_eq!(data_error_field(&unknown.to_string()), "nme", "fields are still named");
    }

    #[test]
    fn serde_errors_name_their_field() {
        assert_eq!(data_error_field("missing field `email` at line 1 column 2"), "email");
        assert_eq!(data_error_field("unknown field `admin`, expected one of `name`"), "admin");
        assert_eq!(data_error_field("invalid type: integer `7`, expected a string"), "body");
    }
}
