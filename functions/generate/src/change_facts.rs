//! How a symbol, or its file, changed: the facts the repository's history
//! gives a summary ([`ChangeFacts`]), and the sentence that says them.

use crate::writer_text::code;
use serde::{Deserialize, Serialize};

/// A co-change partner must share at least this share of the commits that
/// changed the symbol (or file) to be said to change with it…
pub const MIN_CONFIDENCE: f64 = 0.5;
/// …and at least this many commits.
pub const MIN_TOGETHER: u32 = 3;

/// What the history counts: the symbol itself or its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeScope {
    Symbol,
    File,
}

/// Something that changes with a symbol (or its file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoChange {
    /// A symbol's name within its file, or a path.
    pub name: String,
    /// Commits that changed both…
    pub together: u32,
    /// …of the commits that changed this one.
    pub of: u32,
}

/// How a symbol, or its file, changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeFacts {
    pub scope: ChangeScope,
    pub commits: u32,
    pub authors: u32,
    /// `YYYY-MM-DD`.
    pub first_change: String,
    pub last_change: String,
    /// What changes with it most (at least [`MIN_CONFIDENCE`] of its
    /// commits and [`MIN_TOGETHER`] commits), strongest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes_with: Vec<CoChange>,
    /// The file's main author (most added lines) and share, when one
    /// wrote most of it and others took part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_share: Option<f64>,
    /// The file's place among the history's file hotspots (1 = the
    /// hottest), among the first ten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotspot_rank: Option<u32>,
    /// File scope: this is the file's most central symbol, the one whose
    /// summary says it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lead: bool,
}

impl ChangeFacts {
    /// The sentence, or `None` when there is nothing worth saying (a
    /// file's history on any symbol but its lead).
    pub fn sentence(&self, path: &str) -> Option<String> {
        let what = match self.scope {
            ChangeScope::Symbol => "It".to_string(),
            ChangeScope::File if self.lead => format!("Its file {}", code(path)),
            ChangeScope::File => return None,
        };
        let hot = match self.hotspot_rank {
            Some(1) => ", the repository's top change hotspot,".to_string(),
            Some(n) => format!(", change hotspot #{n} of the repository,"),
            None => String::new(),
        };
        let when = if self.first_change == self.last_change {
            format!("on {}", self.last_change)
        } else {
            format!("between {} and {}", self.first_change, self.last_change)
        };
        let mut text = if self.commits == 1 {
            format!("{what}{hot} changed in one commit, {when}")
        } else {
            format!(
                "{what}{hot} changed in {} commits by {} {when}",
                self.commits,
                match self.authors {
                    1 => "one author".to_string(),
                    n => format!("{n} authors"),
                }
            )
        };
        if let (Some(author), Some(share)) = (&self.main_author, self.main_share) {
            text.push_str(&format!(
                ", {:.0}% of it by {author}",
                (share * 100.0).round()
            ));
        }
        let partners: Vec<String> = self
            .changes_with
            .iter()
            .map(|p| {
                if p.together == p.of {
                    format!("{} in all {} of its commits", code(&p.name), p.of)
                } else {
                    format!(
                        "{} in {} of its {} commits",
                        code(&p.name),
                        p.together,
                        p.of
                    )
                }
            })
            .collect();
        if !partners.is_empty() {
            text.push_str(&format!("; it changes with {}", partners.join(" and ")));
        }
        text.push('.');
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(scope: ChangeScope) -> ChangeFacts {
        ChangeFacts {
            scope,
            commits: 41,
            authors: 3,
            first_change: "2021-03-02".into(),
            last_change: "2024-05-01".into(),
            changes_with: vec![CoChange {
                name: "Store::put".into(),
                together: 8,
                of: 41,
            }],
            main_author: None,
            main_share: None,
            hotspot_rank: None,
            lead: false,
        }
    }

    #[test]
    fn sentences_say_the_counts_dates_and_partners() {
        let f = facts(ChangeScope::Symbol);
        assert_eq!(
            f.sentence("src/a.rs").unwrap(),
            "It changed in 41 commits by 3 authors between 2021-03-02 and 2024-05-01; \
             it changes with `Store::put` in 8 of its 41 commits."
        );
        let mut file = facts(ChangeScope::File);
        assert_eq!(
            file.sentence("src/a.rs"),
            None,
            "only the file's lead says it"
        );
        file.lead = true;
        file.hotspot_rank = Some(2);
        file.main_author = Some("Ada".into());
        file.main_share = Some(0.8);
        file.changes_with.clear();
        assert_eq!(
            file.sentence("src/a.rs").unwrap(),
            "Its file `src/a.rs`, change hotspot #2 of the repository, changed in 41 commits \
             by 3 authors between 2021-03-02 and 2024-05-01, 80% of it by Ada."
        );
        let mut once = facts(ChangeScope::Symbol);
        once.commits = 1;
        once.authors = 1;
        once.first_change = once.last_change.clone();
        once.changes_with.clear();
        assert_eq!(
            once.sentence("p").unwrap(),
            "It changed in one commit, on 2024-05-01."
        );
    }
}
