//! Where the bucket is and how to reach it.

use doctown_store::StoreError;

/// Static credentials (local servers, R2 tokens). Without them the SDK's
/// default chain is used (environment, profile, web identity, ECS, IMDS).
#[derive(Clone, PartialEq, Eq)]
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// How to reach one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// Prepended to every key (`"doctown/"`); empty for the bucket root.
    pub prefix: String,
    /// A custom endpoint (R2, MinIO, moto); `None` for AWS.
    pub endpoint: Option<String>,
    /// `None`: from the default chain, else `us-east-1` (R2 wants `auto`).
    pub region: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`): MinIO, moto.
    pub force_path_style: bool,
    pub credentials: Option<S3Credentials>,
    /// Multipart part size for `put_stream` (S3 minimum 5 MiB).
    pub part_size: usize,
}

/// The default multipart part size.
pub const DEFAULT_PART_SIZE: usize = 16 * 1024 * 1024;
/// S3's smallest allowed part (except the last).
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;

impl S3Config {
    pub fn new(bucket: impl Into<String>) -> S3Config {
        S3Config {
            bucket: bucket.into(),
            prefix: String::new(),
            endpoint: None,
            region: None,
            force_path_style: false,
            credentials: None,
            part_size: DEFAULT_PART_SIZE,
        }
    }

    /// A local S3 double (moto, MinIO) at `endpoint`: path-style, static
    /// test credentials, `us-east-1`.
    pub fn local(endpoint: impl Into<String>, bucket: impl Into<String>) -> S3Config {
        S3Config {
            endpoint: Some(endpoint.into()),
            region: Some("us-east-1".into()),
            force_path_style: true,
            credentials: Some(S3Credentials {
                access_key_id: "testing".into(),
                secret_access_key: "testing".into(),
                session_token: None,
            }),
            ..S3Config::new(bucket)
        }
    }

    pub fn with_prefix(mut self, prefix: impl Into<String>) -> S3Config {
        self.prefix = prefix.into();
        self
    }

    /// From the `s3.*` settings (`docs/CONFIG.md`): `DOCTOWN_S3_BUCKET`
    /// is required; the endpoint falls back to `AWS_ENDPOINT_URL_S3`.
    pub fn from_env() -> Result<S3Config, StoreError> {
        Self::from_lookup(doctown_config::var)
    }

    /// [`S3Config::from_env`] over any variable lookup (tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<S3Config, StoreError> {
        let invalid = |message: String| StoreError::Backend {
            key: String::new(),
            message,
            retryable: false,
        };
        let bucket = get("DOCTOWN_S3_BUCKET")
            .ok_or_else(|| invalid("DOCTOWN_S3_BUCKET is not set".into()))?;
        let credentials = match (
            get("DOCTOWN_S3_ACCESS_KEY_ID"),
            get("DOCTOWN_S3_SECRET_ACCESS_KEY"),
        ) {
            (Some(access_key_id), Some(secret_access_key)) => Some(S3Credentials {
                access_key_id,
                secret_access_key,
                session_token: get("DOCTOWN_S3_SESSION_TOKEN"),
            }),
            (None, None) => None,
            _ => return Err(invalid(
                "set both DOCTOWN_S3_ACCESS_KEY_ID and DOCTOWN_S3_SECRET_ACCESS_KEY, or neither"
                    .into(),
            )),
        };
        let part_size = match get("DOCTOWN_S3_PART_SIZE") {
            None => DEFAULT_PART_SIZE,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= MIN_PART_SIZE)
                .ok_or_else(|| {
                    invalid(format!(
                        "DOCTOWN_S3_PART_SIZE={v:?}: expected bytes, at least {MIN_PART_SIZE}"
                    ))
                })?,
        };
        Ok(S3Config {
            bucket,
            prefix: get("DOCTOWN_S3_PREFIX").unwrap_or_default(),
            endpoint: get("DOCTOWN_S3_ENDPOINT").or_else(|| get("AWS_ENDPOINT_URL_S3")),
            region: get("DOCTOWN_S3_REGION"),
            force_path_style: get("DOCTOWN_S3_PATH_STYLE")
                .and_then(|v| doctown_config::flag(&v))
                .unwrap_or(false),
            credentials,
            part_size,
        })
    }

    /// The prefix as stored keys start: empty or ending in `/`.
    pub(crate) fn normalized_prefix(&self) -> String {
        let p = self.prefix.trim_matches('/');
        if p.is_empty() {
            String::new()
        } else {
            format!("{p}/")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn reads_the_environment() {
        let vars: HashMap<&str, &str> = [
            ("DOCTOWN_S3_BUCKET", "b"),
            ("DOCTOWN_S3_PREFIX", "/p/"),
            ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9"),
            ("DOCTOWN_S3_PATH_STYLE", "true"),
            ("DOCTOWN_S3_ACCESS_KEY_ID", "k"),
            ("DOCTOWN_S3_SECRET_ACCESS_KEY", "sekrit-value"),
        ]
        .into();
        let c = S3Config::from_lookup(|n| vars.get(n).map(|v| v.to_string())).unwrap();
        assert_eq!(c.bucket, "b");
        assert_eq!(c.normalized_prefix(), "p/");
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:9"));
        assert!(c.force_path_style);
        assert_eq!(c.credentials.as_ref().unwrap().access_key_id, "k");
        assert!(!format!("{c:?}").contains("sekrit-value"));
        assert!(S3Config::from_lookup(|_| None).is_err());
        let half = |n: &str| match n {
            "DOCTOWN_S3_BUCKET" => Some("b".to_string()),
            "DOCTOWN_S3_ACCESS_KEY_ID" => Some("k".to_string()),
            _ => None,
        };
        assert!(S3Config::from_lookup(half).is_err());
        let small = |n: &str| match n {
            "DOCTOWN_S3_BUCKET" => Some("b".to_string()),
            "DOCTOWN_S3_PART_SIZE" => Some("12".to_string()),
            _ => None,
        };
        assert!(S3Config::from_lookup(small).is_err());
    }
}
