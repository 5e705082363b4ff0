//! One `[mcp_servers.NAME]` table of a TOML settings file (Codex), edited
//! in place: comments, order and spacing elsewhere stay as they are.

use toml_edit::{value, Array, DocumentMut, Item, Table};

/// The text with `[top.name]` holding `command` and `args` (`None`:
/// removed), or `Ok(None)` when it already does.
pub fn set_table(
    text: &str,
    top: &str,
    name: &str,
    server: Option<(&str, &[String])>,
) -> Result<Option<String>, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let line = e
            .span()
            .map_or(1, |s| text[..s.start].matches('\n').count() + 1);
        format!("it is not valid TOML (line {line})")
    })?;
    let current = doc.get(top).and_then(|t| t.get(name));
    let wanted = server.map(|(command, args)| (command.to_string(), args.to_vec()));
    if read(current) == wanted {
        return Ok(None);
    }
    match server {
        None => {
            if let Some(table) = doc.get_mut(top).and_then(Item::as_table_like_mut) {
                table.remove(name);
            }
        }
        Some((command, args)) => {
            let section = doc.entry(top).or_insert_with(|| {
                let mut t = Table::new();
                t.set_implicit(true);
                Item::Table(t)
            });
            let Some(section) = section.as_table_mut() else {
                return Err(format!("its {top} is not a table"));
            };
            let mut table = Table::new();
            table.insert("command", value(command));
            table.insert("args", value(args.iter().collect::<Array>()));
            section.insert(name, Item::Table(table));
        }
    }
    Ok(Some(doc.to_string()))
}

/// The command and arguments of an existing table, when it has both.
fn read(item: Option<&Item>) -> Option<(String, Vec<String>)> {
    let item = item?;
    let command = item.get("command")?.as_str()?.to_string();
    let args = item
        .get("args")?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(String::from))
        .collect::<Option<Vec<_>>>()?;
    Some((command, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_added_replaced_and_removed_in_place() {
        let text = "# my codex\nmodel = \"o3\"\n\n[mcp_servers.other]\ncommand = \"x\"\n";
        let args = ["mcp".to_string()];
        let out = set_table(
            text,
            "mcp_servers",
            "doctown",
            Some(("/bin/doctown", &args)),
        )
        .unwrap()
        .unwrap();
        assert!(out.starts_with(text), "{out}");
        assert!(
            out.contains("[mcp_servers.doctown]\ncommand = \"/bin/doctown\"\nargs = [\"mcp\"]\n"),
            "{out}"
        );
        assert_eq!(
            set_table(
                &out,
                "mcp_servers",
                "doctown",
                Some(("/bin/doctown", &args))
            )
            .unwrap(),
            None
        );
        let moved = set_table(
            &out,
            "mcp_servers",
            "doctown",
            Some(("/opt/doctown", &args)),
        )
        .unwrap()
        .unwrap();
        assert!(moved.contains("command = \"/opt/doctown\""), "{moved}");
        let back = set_table(&out, "mcp_servers", "doctown", None)
            .unwrap()
            .unwrap();
        assert_eq!(back, text);
        assert_eq!(
            set_table(text, "mcp_servers", "doctown", None).unwrap(),
            None
        );
        let fresh = set_table("", "mcp_servers", "doctown", Some(("/bin/doctown", &args)))
            .unwrap()
            .unwrap();
        assert_eq!(
            fresh,
            "[mcp_servers.doctown]\ncommand = \"/bin/doctown\"\nargs = [\"mcp\"]\n"
        );
    }

    #[test]
    fn files_it_cannot_read_are_refused() {
        let args = ["mcp".to_string()];
        let e = set_table(
            "a = 1\nb = = 2\n",
            "mcp_servers",
            "doctown",
            Some(("d", &args)),
        )
        .unwrap_err();
        assert_eq!(e, "it is not valid TOML (line 2)");
        let e = set_table(
            "mcp_servers = 3\n",
            "mcp_servers",
            "doctown",
            Some(("d", &args)),
        )
        .unwrap_err();
        assert!(e.contains("not a table"), "{e}");
    }
}
