//! Compiles the admin templates into the binary (release builds serve these; debug builds
//! re-read `admin-templates/` from disk on every render, so editing a template needs no rebuild).

fn main() {
    minijinja_embed::embed_templates!("admin-templates", &[".html"]);
}
