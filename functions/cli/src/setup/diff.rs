//! The lines an edit changes, for `setup --dry-run`: the common start and
//! end of the two texts are skipped, a line of context kept on each side.

/// `-`/`+` lines of what differs between `before` and `after`, with one
/// line of context around them; empty when they are equal.
pub fn changed_lines(before: &str, after: &str) -> Vec<String> {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    if head == old.len() && head == new.len() {
        return Vec::new();
    }
    let mut out = vec![format!("@@ line {}", head + 1)];
    out.extend(head.checked_sub(1).map(|i| format!("  {}", old[i])));
    out.extend(old[head..old.len() - tail].iter().map(|l| format!("- {l}")));
    out.extend(new[head..new.len() - tail].iter().map(|l| format!("+ {l}")));
    out.extend(old.get(old.len() - tail).map(|l| format!("  {l}")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_changed_lines_are_shown_with_context() {
        let before = "{\n  \"a\": 1\n}\n";
        let after = "{\n  \"a\": 1,\n  \"b\": 2\n}\n";
        assert_eq!(
            changed_lines(before, after),
            [
                "@@ line 2",
                "  {",
                "-   \"a\": 1",
                "+   \"a\": 1,",
                "+   \"b\": 2",
                "  }"
            ]
        );
        assert!(changed_lines(before, before).is_empty());
        assert_eq!(changed_lines("", "x\n"), ["@@ line 1", "+ x"]);
        assert_eq!(changed_lines("x\ny\n", "x\n"), ["@@ line 2", "  x", "- y"]);
    }
}
