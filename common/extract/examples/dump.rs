//! Prints the syntax tree of a file: `cargo run -p doctown-extract --example dump -- FILE`.

fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    let source = std::fs::read_to_string(&path).expect("read");
    let ext = path.rsplit('.').next().unwrap_or("");
    let language = doctown_core::Language::from_extension(ext).expect("language");
    let mut extractor = doctown_extract::Extractor::new();
    println!("{}", extractor.debug_tree(language, &source));
}
