//! Resources: each docpack's architecture, `docpack://{key}/architecture`,
//! and its modules' overviews, `docpack://{key}/modules/{module id}` (key and
//! id percent-encoded).
//!
//! The listing names the architecture of every docpack and the modules of
//! the loaded ones (a catalog's docpacks are loaded on first use), at most
//! [`MAX_MODULES`] per docpack and [`MAX_RESOURCES`] in all; reading loads
//! what it names.

use doctown_query::{render, views, Engine, QueryError};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use rmcp::ErrorData;

/// Modules listed per docpack.
pub const MAX_MODULES: usize = 500;
/// Resources listed in all.
pub const MAX_RESOURCES: usize = 5_000;
const SCHEME: &str = "docpack://";
const MIME: &str = "text/plain";

/// Everything but the unreserved characters of RFC 3986.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

pub fn architecture_uri(key: &str) -> String {
    format!("{SCHEME}{}/architecture", encode(key))
}

pub fn module_uri(key: &str, module_id: &str) -> String {
    format!("{SCHEME}{}/modules/{}", encode(key), encode(module_id))
}

fn failed(e: &QueryError) -> ErrorData {
    match e {
        QueryError::Load { .. } => ErrorData::internal_error(e.to_string(), None),
        _ => ErrorData::resource_not_found(e.to_string(), None),
    }
}

/// The resources of every docpack served.
pub fn list(engine: &Engine) -> Result<Vec<Resource>, ErrorData> {
    let infos = engine.list().map_err(|e| failed(&e))?;
    let mut out = Vec::new();
    for info in infos {
        if out.len() >= MAX_RESOURCES {
            break;
        }
        out.push(
            Resource::new(
                architecture_uri(&info.key),
                format!("{} architecture", info.key),
            )
            .with_title(format!("{}: architecture", info.name))
            .with_description("The repository's summary, size, largest modules and clusters")
            .with_mime_type(MIME),
        );
        if !info.loaded {
            continue;
        }
        let Ok(pack) = engine.pack(&info.key) else {
            continue;
        };
        let room = MAX_RESOURCES.saturating_sub(out.len()).min(MAX_MODULES);
        for module in pack.docpack.docs.modules.iter().take(room) {
            out.push(
                Resource::new(module_uri(&info.key, &module.id), module.id.clone())
                    .with_title(format!("{}: module {}", info.name, module.name))
                    .with_mime_type(MIME),
            );
        }
    }
    Ok(out)
}

pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(format!("{SCHEME}{{docpack}}/architecture"), "architecture")
            .with_description("A docpack's architecture (docpack: a key from list_docpacks)")
            .with_mime_type(MIME),
        ResourceTemplate::new(format!("{SCHEME}{{docpack}}/modules/{{module}}"), "module")
            .with_description("A module's overview (module: its id, URL-encoded)")
            .with_mime_type(MIME),
    ]
}

/// Reads one resource; an unknown URI (or docpack, or module) is a
/// resource-not-found error.
pub fn read(engine: &Engine, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let not_found = || {
        ErrorData::resource_not_found(
            format!(
                "no resource {:?}: resources are docpack://KEY/architecture and \
                 docpack://KEY/modules/MODULE-ID",
                uri.chars().take(300).collect::<String>()
            ),
            None,
        )
    };
    let rest = uri.strip_prefix(SCHEME).ok_or_else(not_found)?;
    let (key, path) = rest.split_once('/').ok_or_else(not_found)?;
    let decode = |s: &str| {
        percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| not_found())
    };
    let key = decode(key)?;
    let text = if path == "architecture" {
        let pack = engine.pack(&key).map_err(|e| failed(&e))?;
        render::architecture(&views::architecture(&pack))
    } else if let Some(module) = path.strip_prefix("modules/") {
        let module = decode(module)?;
        let pack = engine.pack(&key).map_err(|e| failed(&e))?;
        let exact = pack.docpack.docs.modules.iter().any(|m| m.id == module);
        if !exact {
            return Err(not_found());
        }
        render::module(&views::module(&pack, &module).map_err(|e| failed(&e))?)
    } else {
        return Err(not_found());
    };
    Ok(ReadResourceResult::new(vec![ResourceContents::text(
        crate::output::bounded(&text),
        uri,
    )
    .with_mime_type(MIME)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_encode_keys_and_ids() {
        assert_eq!(architecture_uri("app"), "docpack://app/architecture");
        assert_eq!(
            module_uri("my app", "module:src/api"),
            "docpack://my%20app/modules/module%3Asrc%2Fapi"
        );
    }
}
