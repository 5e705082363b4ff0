//! Compact text for the history answers ([`crate::history`]), in the
//! style of [`crate::render`]: one line per item; lists end with the offset
//! that pages on.

use crate::answer::Page;
use crate::history::{CoupledView, HistoryView, HotspotsView, OwnersView, Target};
use std::fmt::Write;

fn more(out: &mut String, page: &Page, what: &str) {
    if let Some(next) = page.next_offset {
        let _ = writeln!(out, "… {} more {what} (offset={next})", page.total - next);
    }
}

pub fn history(v: &HistoryView) -> String {
    let s = &v.summary;
    let mut out = doctown_docpack::export_history::extent(s);
    out.push('\n');
    if s.shallow {
        out.push_str("shallow clone: the history stops at its boundary\n");
    }
    if s.truncated {
        let _ = writeln!(out, "cut at {} commits", s.max_commits.unwrap_or(s.commits));
    }
    if let Some(f) = &v.file {
        let _ = writeln!(
            out,
            "file {}: {} commit{} by {} author{}, +{} -{} lines, {} to {}{}",
            f.path,
            f.commits,
            if f.commits == 1 { "" } else { "s" },
            f.authors,
            if f.authors == 1 { "" } else { "s" },
            f.added,
            f.removed,
            &f.first_change[..f.first_change.len().min(10)],
            &f.last_change[..f.last_change.len().min(10)],
            if f.alive { "" } else { " (deleted)" }
        );
        if !f.former_paths.is_empty() {
            let _ = writeln!(out, "  formerly {}", f.former_paths.join(", "));
        }
    }
    if let Some(sym) = &v.symbol {
        let _ = writeln!(
            out,
            "symbol {}#{}: {} commit{} by {} author{}, +{} -{} lines, {} to {}, {} days old",
            sym.path,
            sym.name,
            sym.commits,
            if sym.commits == 1 { "" } else { "s" },
            sym.authors,
            if sym.authors == 1 { "" } else { "s" },
            sym.added,
            sym.removed,
            &sym.first_change[..sym.first_change.len().min(10)],
            &sym.last_change[..sym.last_change.len().min(10)],
            sym.age_days
        );
    }
    overview(&mut out, v);
    out
}

fn overview(out: &mut String, v: &HistoryView) {
    out.push_str("authors:\n");
    for a in &v.authors {
        let _ = writeln!(
            out,
            "  {} <{}>: {} commits, +{} -{}",
            a.name, a.key, a.commits, a.added, a.removed
        );
    }
    let _ = writeln!(out, "hotspots ({}):", v.hotspot_basis);
    for h in &v.hotspots {
        let _ = writeln!(
            out,
            "  {} score {} ({} commits)",
            h.name, h.score, h.commits
        );
    }
    if v.hidden_coupling > 0 {
        let _ = writeln!(
            out,
            "{} co-change pairs have no static link (hidden coupling; see coupled_with)",
            v.hidden_coupling
        );
    }
    out.push_str("recent months (commits, authors, +/-):\n");
    for m in &v.recent {
        let _ = writeln!(
            out,
            "  {} {} {} +{} -{}",
            m.month, m.commits, m.authors, m.added, m.removed
        );
    }
}

pub fn hotspots(v: &HotspotsView) -> String {
    let mut out = format!(
        "hotspots by commits × complexity × centrality ({}):\n",
        v.basis
    );
    if v.hotspots.is_empty() {
        out.push_str("none\n");
    }
    for (n, h) in v.hotspots.iter().enumerate() {
        let s = &h.hotspot;
        let _ = write!(
            out,
            "{}. {} score {} ({} commits, complexity {}, centrality {})",
            v.page.offset + n + 1,
            s.name,
            s.score,
            s.commits,
            s.complexity,
            s.centrality
        );
        match &h.symbol {
            Some(r) => {
                let _ = writeln!(out, " {}  id={}", r.cite(), r.id);
            }
            None => out.push('\n'),
        }
    }
    more(&mut out, &v.page, "hotspots");
    out
}

pub fn owners(v: &OwnersView) -> String {
    let mut out = String::new();
    for o in &v.owners {
        let path = if o.path.is_empty() {
            "(repository)"
        } else {
            &o.path
        };
        let _ = write!(
            out,
            "{path}: {} file{}, {} author{}, main author {} ({:.0}%)",
            o.files,
            if o.files == 1 { "" } else { "s" },
            o.authors,
            if o.authors == 1 { "" } else { "s" },
            o.main_author,
            o.main_share * 100.0
        );
        match o.truck_factor {
            Some(t) => {
                let _ = writeln!(out, ", truck factor {t}: {}", o.key_authors.join(", "));
            }
            None => {
                let _ = writeln!(out, ", knows it: {}", o.key_authors.join(", "));
            }
        }
    }
    out
}

pub fn coupled(v: &CoupledView) -> String {
    let what = match v.target {
        Target::File(_) => "file",
        Target::Symbol(_) => "symbol",
    };
    let mut out = format!("changes together with {what} {}:\n", v.target.key());
    if v.partners.is_empty() {
        let _ = writeln!(
            out,
            "nothing above the thresholds (support ≥ {}, degree ≥ {})",
            v.min_support, v.min_degree
        );
    }
    for p in &v.partners {
        let link = match p.linked {
            Some(true) => "linked by the code",
            Some(false) => "hidden coupling: no static link",
            None => "links unknown",
        };
        let _ = writeln!(
            out,
            "  {}: {} commits together, {:.0}% of its commits, degree {:.0}%; {link}",
            p.name,
            p.support,
            p.confidence * 100.0,
            p.degree * 100.0
        );
    }
    more(&mut out, &v.page, "partners");
    out
}
