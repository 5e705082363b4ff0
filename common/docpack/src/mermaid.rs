//! Mermaid diagrams of a docpack, for Markdown that GitHub renders: the
//! modules and how they depend on each other (confident imports and calls
//! between their source code — tests, fixtures and generated code do not
//! count, as for centrality — counted), cycles marked, and each module's
//! neighbourhood. Pure: a docpack in, diagram text out. The graph itself,
//! and its rule, is [`crate::module_level`]'s.

pub use crate::module_level::ModuleGraph;
use std::collections::BTreeSet;
use std::fmt::Write;

/// At most this many modules in the architecture diagram (the largest);
/// the diagram says how many it left out.
pub const MAX_MODULES: usize = 40;
/// At most this many dependencies and dependents in a module's diagram.
pub const MAX_NEIGHBOURS: usize = 12;

impl ModuleGraph {
    /// The architecture diagram: the `MAX_MODULES` largest modules and the
    /// dependencies among them, edges labelled by their count.
    pub fn architecture(&self) -> String {
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|&a, &b| self.sizes[b].cmp(&self.sizes[a]).then(a.cmp(&b)));
        let shown: BTreeSet<usize> = order.into_iter().take(MAX_MODULES).collect();
        let mut out = String::from("```mermaid\nflowchart TD\n");
        for &m in &shown {
            let _ = writeln!(out, "  m{m}[\"{}\"]", label(&self.names[m]));
        }
        for (&(a, b), count) in &self.edges {
            if shown.contains(&a) && shown.contains(&b) {
                let _ = writeln!(out, "  m{a} -->|{}| m{b}", count.total());
            }
        }
        self.cycle_class(&mut out, &shown);
        out.push_str("```\n");
        let left_out = self.names.len() - shown.len();
        if left_out > 0 {
            let _ = writeln!(
                out,
                "\n_The {} largest modules are drawn; {left_out} smaller ones are not._",
                shown.len()
            );
        }
        out
    }

    /// Module `m`, what it depends on and what depends on it.
    pub fn neighbourhood(&self, m: usize) -> String {
        let mut deps: Vec<(usize, u64)> = Vec::new();
        let mut dependents: Vec<(usize, u64)> = Vec::new();
        for (&(a, b), count) in &self.edges {
            if a == m {
                deps.push((b, count.total()));
            } else if b == m {
                dependents.push((a, count.total()));
            }
        }
        for list in [&mut deps, &mut dependents] {
            list.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            list.truncate(MAX_NEIGHBOURS);
        }
        let mut shown: BTreeSet<usize> = BTreeSet::from([m]);
        shown.extend(deps.iter().chain(&dependents).map(|(i, _)| *i));
        let mut out = String::from("```mermaid\nflowchart LR\n");
        for &i in &shown {
            let _ = writeln!(out, "  m{i}[\"{}\"]", label(&self.names[i]));
        }
        for (i, count) in &dependents {
            let _ = writeln!(out, "  m{i} -->|{count}| m{m}");
        }
        for (i, count) in &deps {
            let _ = writeln!(out, "  m{m} -->|{count}| m{i}");
        }
        let _ = writeln!(out, "  style m{m} stroke-width:3px");
        self.cycle_class(&mut out, &shown);
        out.push_str("```\n");
        out
    }

    /// Marks the shown modules that are on a cycle.
    fn cycle_class(&self, out: &mut String, shown: &BTreeSet<usize>) {
        let cyclic: Vec<String> = self
            .on_cycles()
            .into_iter()
            .filter(|m| shown.contains(m))
            .map(|m| format!("m{m}"))
            .collect();
        if !cyclic.is_empty() {
            out.push_str("  classDef cycle stroke:#d33,stroke-width:2px,stroke-dasharray:4 2\n");
            let _ = writeln!(out, "  class {} cycle", cyclic.join(","));
        }
    }
}

/// At most this many flows in an export's architecture page.
pub const MAX_FLOWS: usize = 5;

/// An execution flow's main line, as [`flow_diagram`] draws it. The query
/// engine finds flows (`doctown_query::flows`: from entry points over
/// confident calls); this crate only draws them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLine {
    /// The flow's name (its steps' names joined by ` → `).
    pub name: String,
    /// Why its entry is one: `main`, `route`, `command`, `handler`, `api`.
    pub kind: String,
    /// Symbols the whole flow reaches, the entry included.
    pub reach: usize,
    /// From the entry down the main line: each step's name and module
    /// (`None`: a symbol in no module).
    pub steps: Vec<(String, Option<String>)>,
}

/// The lifeline of symbols that are in no module.
pub const NO_MODULE: &str = "(no module)";

/// A flow's main line as a sequence diagram: one participant per module,
/// in the order the line enters them, a note naming the entry, and one
/// message per call from the caller's module to the callee's, labelled by
/// the callee (a call inside a module is a message to itself).
pub fn flow_diagram(flow: &FlowLine) -> String {
    let mut lanes: Vec<&str> = Vec::new();
    let mut at: Vec<usize> = Vec::with_capacity(flow.steps.len());
    for (_, module) in &flow.steps {
        let name = module.as_deref().unwrap_or(NO_MODULE);
        match lanes.iter().position(|l| *l == name) {
            Some(i) => at.push(i),
            None => {
                at.push(lanes.len());
                lanes.push(name);
            }
        }
    }
    let mut out = String::from("```mermaid\nsequenceDiagram\n");
    for (i, name) in lanes.iter().enumerate() {
        let _ = writeln!(out, "  participant p{i} as {}", text(name));
    }
    if let (Some((entry, _)), Some(first)) = (flow.steps.first(), at.first()) {
        let _ = writeln!(
            out,
            "  Note over p{first}: {} ({})",
            text(entry),
            text(&flow.kind)
        );
    }
    for (k, (name, _)) in flow.steps.iter().enumerate().skip(1) {
        let _ = writeln!(out, "  p{}->>p{}: {}", at[k - 1], at[k], text(name));
    }
    out.push_str("```\n");
    out
}

/// Text after `as` or `:` in a sequence diagram: what would end the
/// statement or start an entity as Mermaid's entity codes, line breaks as
/// spaces.
fn text(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            ';' => out.push_str("#59;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A node label inside `["…"]`: quotes and angle brackets as Mermaid's
/// entity codes, line breaks as spaces.
fn label(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module_level::DependencyCounts;

    const ONE_CALL: DependencyCounts = DependencyCounts {
        calls: 1,
        imports: 0,
    };

    fn graph(n: usize, edges: &[(usize, usize)]) -> ModuleGraph {
        ModuleGraph {
            names: (0..n).map(|i| format!("mod{i}")).collect(),
            sizes: (0..n).map(|i| n - i).collect(),
            edges: edges.iter().map(|&e| (e, ONE_CALL)).collect(),
        }
    }

    #[test]
    fn cycles_are_the_strongly_connected_modules() {
        // 0 → 1 → 2 → 0 is a cycle; 3 → 0 and 2 → 4 are not on it.
        let g = graph(5, &[(0, 1), (1, 2), (2, 0), (3, 0), (2, 4)]);
        assert_eq!(g.on_cycles(), BTreeSet::from([0, 1, 2]));
        assert!(graph(3, &[(0, 1), (1, 2)]).on_cycles().is_empty());
        let text = g.architecture();
        assert!(text.starts_with("```mermaid\nflowchart TD\n"), "{text}");
        assert!(text.contains("  m3 -->|1| m0\n"), "{text}");
        assert!(text.contains("  class m0,m1,m2 cycle\n"), "{text}");
    }

    #[test]
    fn a_long_chain_needs_no_recursion() {
        let n = 200_000;
        let edges: Vec<(usize, usize)> = (1..n).map(|i| (i - 1, i)).collect();
        let mut g = graph(n, &edges);
        assert!(g.on_cycles().is_empty());
        g.edges.insert((n - 1, 0), ONE_CALL);
        assert_eq!(g.on_cycles().len(), n);
    }

    #[test]
    fn labels_cannot_break_out_of_their_quotes() {
        assert_eq!(label("a\"b<c>#d\ne"), "a#quot;b#lt;c#gt;#35;d e");
    }

    #[test]
    fn only_the_largest_modules_are_drawn() {
        let g = graph(MAX_MODULES + 5, &[(0, MAX_MODULES + 4)]);
        let text = g.architecture();
        assert!(text.contains(&format!("m{}[", MAX_MODULES - 1)));
        assert!(!text.contains(&format!("m{}[", MAX_MODULES)));
        assert!(
            !text.contains("-->"),
            "an edge to a module not drawn: {text}"
        );
        assert!(text.contains("5 smaller ones are not"), "{text}");
    }

    #[test]
    fn a_flow_is_a_sequence_across_its_modules() {
        let step = |n: &str, m: Option<&str>| (n.to_string(), m.map(String::from));
        let flow = FlowLine {
            name: "main → handle → save".into(),
            kind: "main".into(),
            reach: 4,
            steps: vec![
                step("main", Some("app")),
                step("handle", Some("api")),
                step("check", Some("api")),
                step("save", None),
                step("done", Some("app")),
            ],
        };
        let text = flow_diagram(&flow);
        assert_eq!(
            text,
            "```mermaid\nsequenceDiagram\n  participant p0 as app\n  participant p1 as api\n  \
             participant p2 as (no module)\n  Note over p0: main (main)\n  p0->>p1: handle\n  \
             p1->>p1: check\n  p1->>p2: save\n  p2->>p0: done\n```\n"
        );
    }

    #[test]
    fn flow_text_cannot_end_its_statement() {
        let flow = FlowLine {
            name: "x".into(),
            kind: "api".into(),
            reach: 2,
            steps: vec![("a;b".into(), Some("m#1<x>".into())), ("c\nd".into(), None)],
        };
        let text = flow_diagram(&flow);
        assert!(
            text.contains("participant p0 as m#35;1#lt;x#gt;\n"),
            "{text}"
        );
        assert!(text.contains("Note over p0: a#59;b (api)\n"), "{text}");
        assert!(text.contains("p0->>p1: c d\n"), "{text}");
    }

    #[test]
    fn a_neighbourhood_shows_both_directions() {
        let g = graph(4, &[(0, 1), (2, 1), (1, 3)]);
        let text = g.neighbourhood(1);
        for line in ["m0 -->|1| m1", "m2 -->|1| m1", "m1 -->|1| m3", "style m1"] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }
}
