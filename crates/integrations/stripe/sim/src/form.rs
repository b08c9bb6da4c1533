//! Request parameters as Stripe reads them from a form-encoded body or a query string: `name=v`,
//! `metadata[key]=v` (a hash), `expand[]=v` or `expand[0]=v` (a list), `created[gte]=v`.

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Scalar,
    Hash(String),
    List,
}

#[derive(Debug, Clone)]
struct Param {
    name: String,
    shape: Shape,
    value: String,
}

/// The parsed parameters of one request, in the order sent.
#[derive(Debug, Clone, Default)]
pub struct Params {
    params: Vec<Param>,
}

/// A hash parameter: `metadata=` (empty) clears it, `metadata[k]=v` sets keys, `metadata[k]=` unsets one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashUpdate {
    pub clear: bool,
    pub entries: Vec<(String, String)>,
}

impl Params {
    pub fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).map_err(|e| {
            ApiError::invalid("parameter_invalid_string", "body", format!("Invalid form-encoded body: {e}"))
        })?;
        let params = pairs.into_iter().map(|(k, value)| split_key(&k, value)).collect();
        Ok(Self { params })
    }

    /// Fails on the first parameter whose name is not in `allowed`, as Stripe does.
    pub fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        match self.params.iter().find(|p| !allowed.contains(&p.name.as_str())) {
            Some(p) => Err(ApiError::unknown_parameter(&p.display())),
            None => Ok(()),
        }
    }

    /// The value of a plain parameter (the last one sent); a hash or list sent under that name is an error.
    pub fn scalar(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut found = None;
        for p in self.params.iter().filter(|p| p.name == name) {
            if p.shape != Shape::Scalar {
                return Err(ApiError::invalid(
                    "parameter_invalid_string",
                    name,
                    format!("Invalid string: {{...}} for {name}"),
                ));
            }
            found = Some(p.value.as_str());
        }
        Ok(found)
    }

    pub fn hash(&self, name: &str) -> Option<HashUpdate> {
        let mut update: Option<HashUpdate> = None;
        for p in self.params.iter().filter(|p| p.name == name) {
            let u = update.get_or_insert_with(HashUpdate::default);
            match &p.shape {
                Shape::Hash(key) => u.entries.push((key.clone(), p.value.clone())),
                Shape::Scalar | Shape::List if p.value.is_empty() => u.clear = true,
                Shape::Scalar | Shape::List => {}
            }
        }
        update
    }

    /// The entries of a hash parameter such as `created[gte]`, or of its scalar form (`created=v` → `("", v)`).
    pub fn hash_or_scalar(&self, name: &str) -> Vec<(String, String)> {
        self.params
            .iter()
            .filter(|p| p.name == name)
            .map(|p| match &p.shape {
                Shape::Hash(k) => (k.clone(), p.value.clone()),
                Shape::Scalar | Shape::List => (String::new(), p.value.clone()),
            })
            .collect()
    }

    pub fn list(&self, name: &str) -> Vec<String> {
        self.params.iter().filter(|p| p.name == name && p.shape == Shape::List).map(|p| p.value.clone()).collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.params.iter().any(|p| p.name == name)
    }

    /// A canonical form of the parameters: what an idempotency key's replay is compared on.
    pub fn fingerprint(&self) -> String {
        let mut all: Vec<String> = self.params.iter().map(|p| format!("{}={}", p.display(), p.value)).collect();
        all.sort();
        all.join("&")
    }
}

impl Param {
    fn display(&self) -> String {
        match &self.shape {
            Shape::Scalar => self.name.clone(),
            Shape::Hash(k) => format!("{}[{k}]", self.name),
            Shape::List => format!("{}[]", self.name),
        }
    }
}

fn split_key(key: &str, value: String) -> Param {
    let Some((name, rest)) = key.split_once('[') else {
        return Param { name: key.to_owned(), shape: Shape::Scalar, value };
    };
    let inner = rest.strip_suffix(']').unwrap_or(rest);
    let inner = inner.split("][").next().unwrap_or(inner);
    let shape = if inner.is_empty() || inner.bytes().all(|b| b.is_ascii_digit()) {
        Shape::List
    } else {
        Shape::Hash(inner.to_owned())
    };
    Param { name: name.to_owned(), shape, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_lists_and_scalars_are_told_apart() {
        let p = Params::parse(b"name=A&metadata[k]=v&metadata[x]=&expand[]=a&expand[1]=b&created[gte]=5").unwrap();
        assert_eq!(p.scalar("name").unwrap(), Some("A"));
        let h = p.hash("metadata").unwrap();
        assert_eq!(h.entries, vec![("k".into(), "v".into()), ("x".into(), String::new())]);
        assert_eq!(p.list("expand"), vec!["a", "b"]);
        assert_eq!(p.hash_or_scalar("created"), vec![("gte".into(), "5".into())]);
        assert!(p.only(&["name", "metadata", "expand", "created"]).is_ok());
        assert_eq!(p.only(&["name"]).unwrap_err().param.as_deref(), Some("metadata[k]"));
    }

    #[test]
    fn an_empty_metadata_value_clears_the_hash() {
        let p = Params::parse(b"metadata=").unwrap();
        assert!(p.hash("metadata").unwrap().clear);
    }
}
