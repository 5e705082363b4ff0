//! Insights with strict schemas (issue #17): what the history joined to
//! the structure says, in three families —
//!
//! - `risk_hotspots`: the files that change most, each with a risk level
//!   and why (churn, authors, the main author's share, the central and
//!   complex symbols in it, what changes with it);
//! - `reading_order`: where a new reader should start (entry points, the
//!   modules others depend on, the most central symbols), in order;
//! - `module_health`: each large module's health (truck factor, the main
//!   author's share, churn).
//!
//! Each family has a JSON Schema built for the run ([`Family::schema`]):
//! its targets are an `enum` of the candidates the facts name, so an
//! answer cannot invent a file or a symbol, and its texts have a maximum
//! length. Without a model, the answer is written from the facts
//! ([`facts_answer`]) and satisfies the same schema. With one, the
//! request is cut to a token budget ([`PROMPT_TOKENS`], the least
//! important candidates left out first), sent, and the answer validated
//! (`jsonschema`); an invalid answer is sent back once with the
//! validator's errors to be repaired, then the request is retried afresh,
//! and after that the failure is recorded and the facts' answer kept. The
//! request (system and user messages, model, parameters) and every
//! attempt's outcome, tokens and cost are stored with the insight
//! (`replay`), so it can be sent again as it was.

use crate::config::GenerateConfig;
use crate::facts::{GenerateInput, SymbolFacts};
use crate::model::{ChatRequest, LanguageModel, TokenUsage};
use crate::price::{cost_usd, round_usd, PriceTable};
use crate::tokens::TokenCounter;
use crate::writer::{FactsWriter, Role};
use doctown_core::artifacts::generate::{DocSource, Insight};
use doctown_docpack::history::History;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// A family's prompt may use at most this many tokens (system and user
/// messages).
pub const PROMPT_TOKENS: usize = 3_000;
/// A family's answer may use at most this many tokens.
pub const ANSWER_TOKENS: u32 = 1_200;
/// Requests per family: the first, a repair, a fresh retry.
pub const ATTEMPTS: u32 = 3;
/// Candidates per family before the token budget.
const CANDIDATES: usize = 12;
/// The longest explanation an answer may give.
const MAX_WHY: u32 = 400;

/// An insight family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    RiskHotspots,
    ReadingOrder,
    ModuleHealth,
}

impl Family {
    pub const ALL: [Family; 3] = [
        Family::RiskHotspots,
        Family::ReadingOrder,
        Family::ModuleHealth,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::RiskHotspots => "risk_hotspots",
            Family::ReadingOrder => "reading_order",
            Family::ModuleHealth => "module_health",
        }
    }

    /// The answer's list and the name of its target field.
    fn fields(self) -> (&'static str, &'static str) {
        match self {
            Family::RiskHotspots => ("hotspots", "path"),
            Family::ReadingOrder => ("steps", "target"),
            Family::ModuleHealth => ("modules", "path"),
        }
    }

    /// The grade field and its values, if the family grades.
    fn grade(self) -> Option<(&'static str, [&'static str; 3])> {
        match self {
            Family::RiskHotspots => Some(("risk", ["high", "medium", "low"])),
            Family::ReadingOrder => None,
            Family::ModuleHealth => Some(("health", ["good", "fair", "poor"])),
        }
    }

    fn task(self) -> &'static str {
        match self {
            Family::RiskHotspots => "For each file in the data (files that change most, with their \
churn, authors, main author's share, most central and most complex symbols and the files that change \
with them), judge how risky a change to it is (high, medium or low) and say why in one or two sentences \
that cite the facts. List every file given, riskiest first.",
            Family::ReadingOrder => "From the candidates in the data (entry points, modules others \
depend on, central symbols), choose the order in which a new reader should read the code, first step \
first, and say for each step in one sentence why it comes there. Use between 3 and 10 steps.",
            Family::ModuleHealth => "For each module in the data (with its files, authors, truck \
factor, main author's share and commits), judge its health (good, fair or poor) and say why in one or \
two sentences that cite the facts. List every module given.",
        }
    }

    fn system_prompt(self) -> String {
        format!(
            "You analyse a code repository's history joined to its structure. {} Use only the \
facts given; never invent files, symbols or behaviour. Answer with one JSON object only, satisfying \
this JSON Schema exactly; targets must be copied from the data.",
            self.task()
        )
    }

    /// The schema an answer must satisfy, for these candidates' targets.
    pub fn schema(self, targets: &[String]) -> Value {
        let (list, target) = self.fields();
        let mut item = serde_json::Map::new();
        item.insert(target.into(), json!({"type": "string", "enum": targets}));
        let mut required = vec![target.to_string()];
        if let Some((grade, values)) = self.grade() {
            item.insert(grade.into(), json!({"type": "string", "enum": values}));
            required.push(grade.to_string());
        }
        item.insert(
            "why".into(),
            json!({"type": "string", "minLength": 1, "maxLength": MAX_WHY}),
        );
        required.push("why".into());
        let (min, max) = match self {
            Family::ReadingOrder => (targets.len().min(3), targets.len().min(10)),
            _ => (targets.len(), targets.len()),
        };
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": self.name(),
            "type": "object",
            "additionalProperties": false,
            "required": [list],
            "properties": {
                list: {
                    "type": "array",
                    "minItems": min,
                    "maxItems": max,
                    "uniqueItems": true,
                    "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": required,
                        "properties": item,
                    }
                }
            }
        })
    }
}

/// One candidate of a family: its target (a path or a symbol's name) and
/// the facts about it, as sent to the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Candidate {
    target: String,
    #[serde(flatten)]
    facts: BTreeMap<&'static str, Value>,
    /// The facts' own grade and explanation (not sent).
    #[serde(skip)]
    grade: Option<&'static str>,
    #[serde(skip)]
    why: String,
}

/// The candidates of each family, most important first.
fn candidates(family: Family, input: &GenerateInput, history: &History) -> Vec<Candidate> {
    match family {
        Family::RiskHotspots => risk_candidates(input, history),
        Family::ReadingOrder => reading_candidates(input, history),
        Family::ModuleHealth => health_candidates(history),
    }
}

fn risk_candidates(input: &GenerateInput, history: &History) -> Vec<Candidate> {
    let owners: HashMap<&str, (&str, f64)> = history
        .ownership
        .files
        .iter()
        .map(|o| (o.path.as_str(), (o.main_author.as_str(), o.main_share)))
        .collect();
    let names = crate::history::author_names(history);
    let files: HashMap<&str, &doctown_docpack::history::FileHistory> =
        history.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut partners = coupled_partners(history);
    let spots: Vec<_> = history
        .hotspots
        .files
        .iter()
        .filter(|h| files.get(h.name.as_str()).is_some_and(|f| f.alive))
        .take(CANDIDATES)
        .collect();
    let n = spots.len();
    spots
        .into_iter()
        .enumerate()
        .map(|(rank, spot)| {
            let file = files[spot.name.as_str()];
            let symbols: Vec<_> = input
                .symbols
                .iter()
                .filter(|s| s.path == file.path)
                .collect();
            let owner = owners
                .get(file.path.as_str())
                .map(|(key, share)| (names.get(key).copied().unwrap_or(key).to_string(), *share));
            let mut with = partners.remove(file.path.as_str()).unwrap_or_default();
            with.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
            with.truncate(2);
            let spot = Hotspot {
                file,
                central: symbols
                    .iter()
                    .copied()
                    .max_by(|a, b| a.centrality.total_cmp(&b.centrality).then(b.id.cmp(&a.id))),
                complex: symbols
                    .iter()
                    .copied()
                    .filter(|s| s.complexity.is_some())
                    .max_by_key(|s| (s.complexity, std::cmp::Reverse(s.id.clone()))),
                owner,
                with,
            };
            Candidate {
                target: file.path.clone(),
                facts: spot.facts(),
                grade: Some(spot.grade(rank, n)),
                why: cut(spot.why()),
            }
        })
        .collect()
}

/// Each file's partners in change: `(path, commits together, share of the
/// file's commits)`.
fn coupled_partners(history: &History) -> HashMap<&str, Vec<(String, u32, f64)>> {
    let mut partners: HashMap<&str, Vec<(String, u32, f64)>> = HashMap::new();
    for p in &history.coupling.files {
        partners
            .entry(p.a.as_str())
            .or_default()
            .push((p.b.clone(), p.support, p.confidence_a));
        partners
            .entry(p.b.as_str())
            .or_default()
            .push((p.a.clone(), p.support, p.confidence_b));
    }
    partners
}

/// What a hotspot file's candidate says of it.
struct Hotspot<'a> {
    file: &'a doctown_docpack::history::FileHistory,
    central: Option<&'a SymbolFacts>,
    complex: Option<&'a SymbolFacts>,
    /// Its main author's name and share.
    owner: Option<(String, f64)>,
    /// Its two closest partners in change.
    with: Vec<(String, u32, f64)>,
}

impl Hotspot<'_> {
    fn facts(&self) -> BTreeMap<&'static str, Value> {
        let file = self.file;
        let mut facts = BTreeMap::new();
        facts.insert("commits", json!(file.commits));
        facts.insert("authors", json!(file.authors));
        facts.insert("lines", json!(file.lines));
        facts.insert("last_change", json!(day(&file.last_change)));
        if let Some((name, share)) = &self.owner {
            facts.insert("main_author", json!(name));
            facts.insert("main_author_share", json!(round2(*share)));
        }
        if let Some(s) = self.central {
            facts.insert("most_central_symbol", json!(s.display()));
            facts.insert("centrality", json!(round2(s.centrality)));
        }
        if let Some(s) = self.complex {
            facts.insert("most_complex_symbol", json!(s.display()));
            facts.insert("complexity", json!(s.complexity));
        }
        if !self.with.is_empty() {
            let list: Vec<Value> = self
                .with
                .iter()
                .map(|(path, together, confidence)| {
                    json!({"path": path, "commits_together": together,
                           "share_of_its_commits": round2(*confidence)})
                })
                .collect();
            facts.insert("changes_with", Value::Array(list));
        }
        facts
    }

    /// Riskiest: the top third of the list (ranked `rank` of `n`), or a
    /// file one person wrote (nearly) alone; the bottom third is low.
    fn grade(&self, rank: usize, n: usize) -> &'static str {
        let lone =
            self.owner.as_ref().is_some_and(|(_, share)| *share >= 0.8) && self.file.authors > 1;
        if rank < n.div_ceil(3) || (lone && rank < 2 * n / 3) {
            "high"
        } else if rank < 2 * n / 3 {
            "medium"
        } else {
            "low"
        }
    }

    fn why(&self) -> String {
        let file = self.file;
        let mut why = format!(
            "Changed in {} commits by {} {}",
            file.commits,
            file.authors,
            plural(file.authors, "author", "authors")
        );
        if let Some((name, share)) = &self.owner {
            why.push_str(&format!(", {:.0}% of it by {name}", share * 100.0));
        }
        if let Some(s) = self.central.filter(|s| s.centrality > 0.0) {
            why.push_str(&format!(
                "; its most central symbol is `{}` (centrality {:.2})",
                s.display(),
                s.centrality
            ));
        }
        if let Some(s) = self.complex.filter(|s| s.complexity.unwrap_or(0) >= 10) {
            why.push_str(&format!(
                "; `{}` has cyclomatic complexity {}",
                s.display(),
                s.complexity.unwrap_or(0)
            ));
        }
        if let Some((path, together, _)) = self.with.first() {
            why.push_str(&format!("; it changes with `{path}` ({together} commits)"));
        }
        why.push('.');
        why
    }
}

fn reading_candidates(input: &GenerateInput, history: &History) -> Vec<Candidate> {
    let writer = FactsWriter::new(input);
    let mut by_centrality: Vec<_> = input.symbols.iter().collect();
    by_centrality.sort_by(|a, b| b.centrality.total_cmp(&a.centrality).then(a.id.cmp(&b.id)));
    let mut picks = Picks::default();
    for s in by_centrality
        .iter()
        .filter(|s| writer.role(s) == Role::EntryPoint)
        .take(2)
    {
        picks.push(
            s.display(),
            "entry point",
            vec![("path", json!(s.path))],
            format!(
                "Execution starts at `{}` in `{}`: read it first to see what the program does.",
                s.display(),
                s.path
            ),
        );
    }
    pick_modules(&mut picks, input, history);
    for s in by_centrality
        .iter()
        .filter(|s| writer.role(s) != Role::Test)
        .take(6)
    {
        picks.push(
            s.display(),
            "symbol",
            vec![
                ("path", json!(s.path)),
                ("centrality", json!(round2(s.centrality))),
                ("callers", json!(s.called_by_total)),
            ],
            format!(
                "`{}` is among the most central symbols ({} {}).",
                s.display(),
                s.called_by_total,
                plural(s.called_by_total, "caller", "callers")
            ),
        );
    }
    let mut out = picks.0;
    out.truncate(CANDIDATES);
    out
}

/// The reading order's candidates, each target once.
#[derive(Default)]
struct Picks(Vec<Candidate>);

impl Picks {
    fn push(&mut self, target: String, kind: &str, facts: Vec<(&'static str, Value)>, why: String) {
        if self.0.iter().any(|c| c.target == target) {
            return;
        }
        let mut map: BTreeMap<&'static str, Value> = facts.into_iter().collect();
        map.insert("kind", json!(kind));
        self.0.push(Candidate {
            target,
            facts: map,
            grade: None,
            why: cut(why),
        });
    }
}

/// The four modules most others build on.
fn pick_modules(picks: &mut Picks, input: &GenerateInput, history: &History) {
    let commits: HashMap<&str, u32> = history
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.commits))
        .collect();
    let mut modules: Vec<_> = input.modules.iter().collect();
    modules.sort_by(|a, b| {
        b.dependents
            .len()
            .cmp(&a.dependents.len())
            .then(b.symbols.cmp(&a.symbols))
            .then(a.path.cmp(&b.path))
    });
    for m in modules.iter().filter(|m| !m.dependents.is_empty()).take(4) {
        let changes: u32 = m.files.iter().filter_map(|f| commits.get(f.as_str())).sum();
        picks.push(
            m.path.clone(),
            "module",
            vec![
                ("dependents", json!(m.dependents.len())),
                ("symbols", json!(m.symbols)),
                ("file_changes", json!(changes)),
            ],
            format!(
                "`{}` is what {} other {} build on ({} symbols).",
                m.path,
                m.dependents.len(),
                plural(m.dependents.len() as u32, "module", "modules"),
                m.symbols
            ),
        );
    }
}

fn health_candidates(history: &History) -> Vec<Candidate> {
    let commits: HashMap<&str, u32> = history
        .modules
        .iter()
        .map(|m| (m.path.as_str(), m.commits))
        .collect();
    let names = crate::history::author_names(history);
    let mut modules: Vec<_> = history
        .ownership
        .modules
        .iter()
        .filter(|m| !m.path.is_empty() && m.files > 0)
        .collect();
    modules.sort_by(|a, b| b.files.cmp(&a.files).then(a.path.cmp(&b.path)));
    modules
        .into_iter()
        .take(CANDIDATES)
        .map(|m| {
            let main = names
                .get(m.main_author.as_str())
                .copied()
                .unwrap_or(&m.main_author);
            let changed = commits.get(m.path.as_str()).copied().unwrap_or(0);
            let mut facts = BTreeMap::new();
            facts.insert("files", json!(m.files));
            facts.insert("authors", json!(m.authors));
            facts.insert("truck_factor", json!(m.truck_factor));
            facts.insert("main_author", json!(main));
            facts.insert("main_author_share", json!(round2(m.main_share)));
            facts.insert("commits", json!(changed));
            // Poor: one person's loss orphans most files of a module of
            // some size that one person mostly wrote; fair: a truck
            // factor of one; good: more.
            let grade = if m.truck_factor <= 1 && m.files >= 5 && m.main_share >= 0.7 {
                "poor"
            } else if m.truck_factor <= 1 {
                "fair"
            } else {
                "good"
            };
            let why = format!(
                "{} {}, {} {}, truck factor {}; {:.0}% by {main}; touched by {changed} {}.",
                m.files,
                plural(m.files, "file", "files"),
                m.authors,
                plural(m.authors, "author", "authors"),
                m.truck_factor,
                m.main_share * 100.0,
                plural(changed, "commit", "commits")
            );
            Candidate {
                target: m.path.clone(),
                facts,
                grade: Some(grade),
                why: cut(why),
            }
        })
        .collect()
}

fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn round2(x: f64) -> f64 {
    if x.is_finite() {
        (x * 100.0).round() / 100.0
    } else {
        0.0
    }
}

fn day(time: &str) -> &str {
    time.get(..10).unwrap_or(time)
}

/// An explanation cut to the schema's length.
fn cut(text: String) -> String {
    if text.chars().count() <= MAX_WHY as usize {
        return text;
    }
    let mut out: String = text.chars().take(MAX_WHY as usize - 1).collect();
    out.push('…');
    out
}

/// The answer written from the facts.
fn facts_answer_of(family: Family, candidates: &[Candidate]) -> Value {
    let (list, target) = family.fields();
    let items: Vec<Value> = candidates
        .iter()
        .take(match family {
            Family::ReadingOrder => 10,
            _ => usize::MAX,
        })
        .map(|c| {
            let mut item = serde_json::Map::new();
            item.insert(target.into(), json!(c.target));
            if let (Some((grade, _)), Some(value)) = (family.grade(), c.grade) {
                item.insert(grade.into(), json!(value));
            }
            item.insert("why".into(), json!(c.why));
            Value::Object(item)
        })
        .collect();
    json!({ list: items })
}

/// Keywords strict structured output (`response_format: json_schema`,
/// `strict: true`) refuses: the schema sent as the response format leaves
/// them out, the prompt states them, and the answer is validated against
/// the whole schema here.
const NOT_STRICT: [&str; 6] = [
    "$schema",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
];

/// `schema` without the keywords strict structured output refuses.
pub fn strict_subset(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !NOT_STRICT.contains(&k.as_str()))
                .map(|(k, v)| {
                    // A property named like a keyword is a name, not one.
                    let v = if k == "properties" {
                        match v {
                            Value::Object(props) => Value::Object(
                                props
                                    .iter()
                                    .map(|(name, p)| (name.clone(), strict_subset(p)))
                                    .collect(),
                            ),
                            other => other.clone(),
                        }
                    } else {
                        strict_subset(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strict_subset).collect()),
        other => other.clone(),
    }
}

/// The errors of `answer` against `schema`, one line each (none: valid).
pub fn schema_errors(schema: &Value, answer: &Value) -> Vec<String> {
    match jsonschema::validator_for(schema) {
        Ok(validator) => validator
            .iter_errors(answer)
            .take(10)
            .map(|e| {
                let at = e.instance_path.to_string();
                let at = if at.is_empty() { "/".to_string() } else { at };
                format!("at {at}: {e}")
            })
            .collect(),
        Err(e) => vec![format!("the schema itself is invalid: {e}")],
    }
}

/// A family's facts, candidates and schema for one run.
struct Prepared {
    candidates: Vec<Candidate>,
    schema: Value,
    system: String,
    user: String,
}

fn user_message(candidates: &[Candidate], schema: &Value) -> String {
    let data = json!({"items": candidates});
    format!(
        "JSON Schema of the answer:\n{}\n\n<facts>\n{}\n</facts>",
        schema, data
    )
}

/// The family's request, cut to [`PROMPT_TOKENS`] by leaving out the
/// least important candidates.
fn prepare(
    family: Family,
    input: &GenerateInput,
    history: &History,
    counter: Option<&TokenCounter>,
) -> Option<Prepared> {
    let mut candidates = candidates(family, input, history);
    if candidates.is_empty() {
        return None;
    }
    let system = family.system_prompt();
    loop {
        let targets: Vec<String> = candidates.iter().map(|c| c.target.clone()).collect();
        let schema = family.schema(&targets);
        let user = user_message(&candidates, &schema);
        let fits = counter.is_none_or(|c| c.chat(&[&system, &user]) <= PROMPT_TOKENS);
        if fits || candidates.len() == 1 {
            return Some(Prepared {
                candidates,
                schema,
                system,
                user,
            });
        }
        candidates.pop();
    }
}

/// The insights of a run: every family with candidates, from the facts
/// (no model) or from `model` (validated, repaired or retried, and the
/// facts' answer kept on failure).
pub async fn insights(
    input: &GenerateInput,
    history: &History,
    model: Option<&dyn LanguageModel>,
    config: &GenerateConfig,
) -> Vec<Insight> {
    let counter = model.map(|_| TokenCounter::for_model(&config.model));
    let mut out = Vec::new();
    for family in Family::ALL {
        let Some(prepared) = prepare(family, input, history, counter.as_ref()) else {
            continue;
        };
        let facts = facts_answer_of(family, &prepared.candidates);
        let mut insight = Insight {
            family: family.name().to_string(),
            source: DocSource::Facts,
            model: None,
            schema: prepared.schema.clone(),
            answer: facts,
            replay: None,
            error: None,
        };
        if let Some(model) = model {
            ask(model, config, &prepared, &mut insight).await;
        }
        out.push(insight);
    }
    out
}

/// A reply's answer when it is JSON that satisfies `schema`, else what is
/// wrong with it.
fn checked_answer(schema: &Value, content: &str) -> Result<Value, Vec<String>> {
    match serde_json::from_str::<Value>(content.trim()) {
        Ok(value) => match schema_errors(schema, &value) {
            errors if errors.is_empty() => Ok(value),
            errors => Err(errors),
        },
        Err(e) => Err(vec![format!("not JSON: {e}")]),
    }
}

/// Everything needed to replay an insight's requests: the prompts, the
/// parameters, each attempt, the tokens and the cost.
fn replay(
    config: &GenerateConfig,
    prepared: &Prepared,
    attempts: Vec<Value>,
    usage: TokenUsage,
) -> Value {
    let price = PriceTable::with_overrides(&config.prices).lookup(&config.model);
    let cost = round_usd(cost_usd(
        price,
        usage.prompt_tokens,
        usage.completion_tokens,
    ));
    json!({
        "model": config.model,
        "system": prepared.system,
        "user": prepared.user,
        "parameters": {
            "max_tokens": ANSWER_TOKENS,
            "temperature": config.temperature,
            "response_format": format!("{:?}", config.response_format).to_lowercase(),
            "prompt_token_budget": PROMPT_TOKENS,
            "attempts": ATTEMPTS,
        },
        "attempts": attempts,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cost_usd": cost,
    })
}

/// Asks the model; on success the insight carries its answer.
async fn ask(
    model: &dyn LanguageModel,
    config: &GenerateConfig,
    prepared: &Prepared,
    insight: &mut Insight,
) {
    let mut usage = TokenUsage::default();
    let mut attempts: Vec<Value> = Vec::new();
    let mut user = prepared.user.clone();
    let mut repaired = false;
    let mut answered: Option<(Value, String)> = None;
    let mut last_error = String::new();
    for attempt in 1..=ATTEMPTS {
        let request = ChatRequest {
            system: prepared.system.clone(),
            user: user.clone(),
            max_tokens: ANSWER_TOKENS,
            schema: strict_subset(&prepared.schema),
        };
        let kind = if user == prepared.user {
            "request"
        } else {
            "repair"
        };
        let reply = match model.complete(request).await {
            Ok(reply) => reply,
            Err(e) => {
                last_error = e.reason();
                attempts.push(json!({"attempt": attempt, "kind": kind, "error": last_error}));
                if e.is_fatal() {
                    break;
                }
                user = prepared.user.clone();
                continue;
            }
        };
        let used = reply.usage.unwrap_or_default();
        usage.prompt_tokens += used.prompt_tokens;
        usage.completion_tokens += used.completion_tokens;
        let mut record = json!({"attempt": attempt, "kind": kind,
            "prompt_tokens": used.prompt_tokens, "completion_tokens": used.completion_tokens});
        let errors = match checked_answer(&prepared.schema, &reply.content) {
            Ok(value) => {
                answered = Some((value, reply.model.clone()));
                record["outcome"] = json!("valid");
                attempts.push(record);
                break;
            }
            Err(errors) => errors,
        };
        last_error = format!(
            "the answer does not satisfy the schema: {}",
            errors.join("; ")
        );
        record["outcome"] = json!("invalid");
        record["errors"] = json!(errors);
        attempts.push(record);
        // First an invalid answer is sent back to be repaired; after
        // that, the request is made afresh.
        user = if repaired {
            prepared.user.clone()
        } else {
            repaired = true;
            repair_message(&prepared.user, &reply.content, &errors)
        };
    }
    insight.replay = Some(replay(config, prepared, attempts, usage));
    match answered {
        Some((answer, model_id)) => {
            insight.source = DocSource::Model;
            let answered_by = Some(model_id).filter(|m| !m.is_empty());
            insight.model = answered_by.or_else(|| Some(model.id().to_string()));
            insight.answer = answer;
        }
        None => insight.error = Some(last_error),
    }
}

fn repair_message(user: &str, answer: &str, errors: &[String]) -> String {
    let answer: String = answer.chars().take(4_000).collect();
    format!(
        "{user}\n\nYour previous answer was:\n{answer}\n\nIt does not satisfy the schema:\n- {}\n\n\
Answer again with one corrected JSON object only.",
        errors.join("\n- ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_holds_answers_to_the_candidates() {
        let targets = vec!["src/a.rs".to_string(), "src/b.rs".to_string()];
        let schema = Family::RiskHotspots.schema(&targets);
        let good = json!({"hotspots": [
            {"path": "src/a.rs", "risk": "high", "why": "Often changed."},
            {"path": "src/b.rs", "risk": "low", "why": "Rarely."}]});
        assert!(schema_errors(&schema, &good).is_empty());
        let invented = json!({"hotspots": [
            {"path": "src/a.rs", "risk": "high", "why": "x"},
            {"path": "src/zzz.rs", "risk": "low", "why": "y"}]});
        let errors = schema_errors(&schema, &invented);
        assert!(
            errors.iter().any(|e| e.contains("/hotspots/1/path")),
            "{errors:?}"
        );
        let short = json!({"hotspots": [{"path": "src/a.rs", "risk": "high", "why": "x"}]});
        assert!(
            !schema_errors(&schema, &short).is_empty(),
            "every file is listed"
        );
        let extra = json!({"hotspots": [
            {"path": "src/a.rs", "risk": "severe", "why": "x"},
            {"path": "src/b.rs", "risk": "low", "why": "y", "score": 3}]});
        assert_eq!(schema_errors(&schema, &extra).len(), 2);
        let strict = strict_subset(&schema);
        let text = strict.to_string();
        assert!(
            !text.contains("maxLength") && !text.contains("minItems"),
            "{text}"
        );
        assert!(text.contains("\"additionalProperties\":false") && text.contains("\"enum\""));
        assert!(schema_errors(&strict, &good).is_empty());
        let reading = Family::ReadingOrder.schema(&targets);
        let steps = json!({"steps": [{"target": "src/b.rs", "why": "start"}]});
        assert!(
            !schema_errors(&reading, &steps).is_empty(),
            "at least two steps of two"
        );
    }
}
