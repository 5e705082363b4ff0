//! Adding, replacing or removing one entry of a JSON settings file
//! (`{"mcpServers": {"doctown": {…}}}`) by editing only that entry's text:
//! the rest of the file keeps its order, spacing and comments (Zed's,
//! Gemini's and VS Code's files are JSON with comments).

use serde_json::Value;
use std::ops::Range;

/// One `"key": value` of an object, as byte ranges of the text.
#[derive(Debug)]
struct Member {
    key: String,
    /// From the key's opening quote to the value's end.
    span: Range<usize>,
    value: Range<usize>,
}

/// An entry's fields in the order they are written.
pub type Fields<'a> = &'a [(&'a str, Value)];

/// The text with `top.name` set to `entry` (`None`: removed), or `Ok(None)`
/// when it already is; `Err` says why the file cannot be edited.
pub fn set_entry(
    text: &str,
    top: &str,
    name: &str,
    entry: Option<Fields>,
) -> Result<Option<String>, String> {
    let root = skip_blank(text, 0)?;
    if text.trim().is_empty() {
        return Ok(entry.map(|e| {
            set_entry("{}", top, name, Some(e))
                .ok()
                .flatten()
                .unwrap_or_default()
                + "\n"
        }));
    }
    if text.as_bytes()[root] != b'{' {
        return Err("its top level is not a JSON object".into());
    }
    let members = object_members(text, root)?;
    let Some(section) = members.iter().find(|m| m.key == top) else {
        let Some(entry) = entry else { return Ok(None) };
        let indent = member_indent(text, root, &members);
        let value = format!(
            "{{\n{indent}  {}: {}\n{indent}}}",
            Value::from(name),
            render(entry, &format!("{indent}  "))
        );
        return Ok(Some(insert(text, root, &members, top, &value)));
    };
    if text.as_bytes()[section.value.start] != b'{' {
        return Err(format!("its \"{top}\" is not an object"));
    }
    let inner = object_members(text, section.value.start)?;
    let current = inner.iter().find(|m| m.key == name);
    match (current, entry) {
        (None, None) => Ok(None),
        (None, Some(entry)) => {
            let indent = member_indent(text, section.value.start, &inner);
            Ok(Some(insert(
                text,
                section.value.start,
                &inner,
                name,
                &render(entry, &indent),
            )))
        }
        // The last entry takes its section with it.
        (Some(_), None) if inner.len() == 1 => Ok(Some(remove(text, root, &members, section))),
        (Some(m), None) => Ok(Some(remove(text, section.value.start, &inner, m))),
        (Some(m), Some(entry)) => {
            let same =
                serde_json::from_str::<Value>(&text[m.value.clone()]).ok() == Some(as_value(entry));
            if same {
                return Ok(None);
            }
            let indent = line_indent(text, m.span.start);
            let value = render(entry, &indent);
            Ok(Some(format!(
                "{}{}{}",
                &text[..m.value.start],
                value,
                &text[m.value.end..]
            )))
        }
    }
}

/// The fields as one JSON value (to compare with what a file holds).
fn as_value(fields: Fields) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

/// The entry as an object over several lines, fields in their order,
/// each value on one line; lines after the first indented by `indent`.
fn render(fields: Fields, indent: &str) -> String {
    let lines: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{indent}  {}: {}", Value::from(*k), one_line(v)))
        .collect();
    format!("{{\n{}\n{indent}}}", lines.join(",\n"))
}

/// A value on one line, a list's items after `, `.
fn one_line(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(one_line).collect();
            format!("[{}]", items.join(", "))
        }
        v => v.to_string(),
    }
}

/// The indentation of an object's members: as its first member's, else two
/// spaces deeper than the brace's line.
fn member_indent(text: &str, open: usize, members: &[Member]) -> String {
    match members.first() {
        Some(m) => line_indent(text, m.span.start),
        None => format!("{}  ", line_indent(text, open)),
    }
}

/// Adds `"key": value` (already rendered) as the object's last member.
fn insert(text: &str, open: usize, members: &[Member], key: &str, value: &str) -> String {
    let indent = member_indent(text, open, members);
    let item = format!("{}: {value}", Value::from(key));
    match members.last() {
        Some(last) => format!(
            "{},\n{indent}{item}{}",
            &text[..last.span.end],
            &text[last.span.end..]
        ),
        None => {
            let close = closing_brace(text, open);
            let outer = line_indent(text, open);
            format!(
                "{}\n{indent}{item}\n{outer}{}",
                &text[..open + 1],
                &text[close..]
            )
        }
    }
}

/// Removes a member with its comma: up to the next member's key, else
/// from the end of the one before, else (the only one) the braces' inside
/// up to its end.
fn remove(text: &str, open: usize, members: &[Member], gone: &Member) -> String {
    let at = members
        .iter()
        .position(|m| m.span == gone.span)
        .unwrap_or(0);
    let range = match (at.checked_sub(1), members.get(at + 1)) {
        (_, Some(next)) => gone.span.start..next.span.start,
        (Some(before), None) => members[before].span.end..gone.span.end,
        (None, None) => {
            let after = skip_blank(text, gone.span.end).unwrap_or(gone.span.end);
            let end = if text.as_bytes().get(after) == Some(&b',') {
                after + 1
            } else {
                gone.span.end
            };
            open + 1..end
        }
    };
    format!("{}{}", &text[..range.start], &text[range.end..])
}

/// The spaces and tabs that begin the line holding byte `at`.
fn line_indent(text: &str, at: usize) -> String {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..at]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

fn closing_brace(text: &str, open: usize) -> usize {
    skip_value(text, open).map_or(text.len(), |end| end - 1)
}

/// The members of the object whose `{` is at `open`.
fn object_members(text: &str, open: usize) -> Result<Vec<Member>, String> {
    let bytes = text.as_bytes();
    let mut members = Vec::new();
    let mut i = skip_blank(text, open + 1)?;
    loop {
        match bytes.get(i) {
            Some(b'}') => return Ok(members),
            Some(b'"') => {}
            _ => return Err(not_json(text, i)),
        }
        let key_start = i;
        let key_end = skip_value(text, i)?;
        let key: String =
            serde_json::from_str(&text[key_start..key_end]).map_err(|_| not_json(text, i))?;
        i = skip_blank(text, key_end)?;
        if bytes.get(i) != Some(&b':') {
            return Err(not_json(text, i));
        }
        let value_start = skip_blank(text, i + 1)?;
        let value_end = skip_value(text, value_start)?;
        members.push(Member {
            key,
            span: key_start..value_end,
            value: value_start..value_end,
        });
        i = skip_blank(text, value_end)?;
        if bytes.get(i) == Some(&b',') {
            i = skip_blank(text, i + 1)?;
        }
    }
}

/// The end of the value starting at `start`: a string, a number or word,
/// or a balanced object or array (strings and comments inside skipped).
fn skip_value(text: &str, start: usize) -> Result<usize, String> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err(not_json(text, i));
        };
        match b {
            b'"' => i = skip_string(text, i)?,
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1).ok_or_else(|| not_json(text, i))?;
                i += 1;
            }
            b'/' => i = skip_blank(text, i)?,
            _ if depth == 0 => {
                let end = text[i..]
                    .find(|c: char| c.is_whitespace() || matches!(c, ',' | '}' | ']' | '/'))
                    .map_or(text.len(), |n| i + n);
                return if end > i {
                    Ok(end)
                } else {
                    Err(not_json(text, i))
                };
            }
            _ => i += 1,
        }
        if depth == 0 {
            return Ok(i);
        }
    }
}

fn skip_string(text: &str, open: usize) -> Result<usize, String> {
    let bytes = text.as_bytes();
    let mut i = open + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(not_json(text, open))
}

/// Past whitespace and `//` or `/* */` comments.
fn skip_blank(text: &str, mut i: usize) -> Result<usize, String> {
    let bytes = text.as_bytes();
    loop {
        match (bytes.get(i), bytes.get(i + 1)) {
            (Some(b), _) if b.is_ascii_whitespace() => i += 1,
            (Some(b'/'), Some(b'/')) => i = text[i..].find('\n').map_or(text.len(), |n| i + n),
            (Some(b'/'), Some(b'*')) => {
                i = text[i + 2..]
                    .find("*/")
                    .map(|n| i + 2 + n + 2)
                    .ok_or_else(|| not_json(text, i))?
            }
            _ => return Ok(i),
        }
    }
}

fn not_json(text: &str, at: usize) -> String {
    let at = at.min(text.len());
    let line = text[..at].matches('\n').count() + 1;
    format!("it is not valid JSON (line {line})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields() -> Vec<(&'static str, Value)> {
        vec![
            ("command", json!("/bin/doctown")),
            ("args", json!(["mcp", "."])),
        ]
    }

    fn entry() -> Value {
        as_value(&fields())
    }

    #[test]
    fn an_entry_is_added_where_the_file_leaves_everything_else() {
        let text = "{\n  // my servers\n  \"theme\": \"dark\",\n  \"mcpServers\": {\n    \"other\": { \"command\": \"x\" }\n  }\n}\n";
        let out = set_entry(text, "mcpServers", "doctown", Some(&fields()))
            .unwrap()
            .unwrap();
        assert!(out.starts_with("{\n  // my servers\n  \"theme\": \"dark\",\n  \"mcpServers\": {\n    \"other\": { \"command\": \"x\" },\n    \"doctown\": {\n      \"command\": \"/bin/doctown\","), "{out}");
        assert_eq!(
            set_entry(&out, "mcpServers", "doctown", Some(&fields())).unwrap(),
            None
        );
        let back = set_entry(&out, "mcpServers", "doctown", None)
            .unwrap()
            .unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn a_missing_section_or_file_is_made() {
        let out = set_entry("{\n  \"a\": 1\n}\n", "servers", "doctown", Some(&fields()))
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["servers"]["doctown"], entry());
        assert_eq!(v["a"], 1);
        let out = set_entry("{}", "servers", "doctown", Some(&fields()))
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["servers"]["doctown"], entry());
        let out = set_entry("", "servers", "doctown", Some(&fields()))
            .unwrap()
            .unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&out).unwrap()["servers"]["doctown"],
            entry()
        );
        assert_eq!(set_entry("", "servers", "doctown", None).unwrap(), None);
    }

    #[test]
    fn a_changed_entry_is_replaced_and_removal_keeps_the_others() {
        let text = r#"{"mcpServers": {"a": 1, "doctown": {"command": "old"}, "b": 2}}"#;
        let out = set_entry(text, "mcpServers", "doctown", Some(&fields()))
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["mcpServers"]["doctown"], entry());
        assert_eq!(
            (v["mcpServers"]["a"].clone(), v["mcpServers"]["b"].clone()),
            (json!(1), json!(2))
        );
        for (text, left) in [
            (r#"{"s": {"doctown": 1, "b": 2}}"#, json!({"b": 2})),
            (r#"{"s": {"a": 1, "doctown": 1}}"#, json!({"a": 1})),
            (
                r#"{"s": {"a": 1, "doctown": 1, "b": 2}}"#,
                json!({"a": 1, "b": 2}),
            ),
        ] {
            let out = set_entry(text, "s", "doctown", None).unwrap().unwrap();
            let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
            assert_eq!(v["s"], left, "{text} -> {out}");
        }
        let out = set_entry(r#"{"a": 1, "s": {"doctown": 1}}"#, "s", "doctown", None)
            .unwrap()
            .unwrap();
        assert_eq!(
            out, r#"{"a": 1}"#,
            "the last entry takes its section with it"
        );
        let out = set_entry(r#"{"s": {"doctown": 1}}"#, "s", "doctown", None)
            .unwrap()
            .unwrap();
        assert_eq!(out, "{}");
    }

    #[test]
    fn files_it_cannot_read_are_refused() {
        for (text, why) in [
            ("[1, 2]", "top level is not a JSON object"),
            ("{\"mcpServers\": [1]}", "\"mcpServers\" is not an object"),
            ("{\"a\": 1,\n \"b\" 2}", "not valid JSON (line 2)"),
            ("{\"a\": \"unclosed}", "not valid JSON"),
            ("{\"a\": 1 /* open", "not valid JSON"),
        ] {
            let e = set_entry(text, "mcpServers", "doctown", Some(&fields())).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
