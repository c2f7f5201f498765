//! The admin's minijinja templates (`admin-templates/`), auto-escaped because every name ends
//! in `.html`. Release builds use the copies compiled in by `build.rs`; debug builds read the
//! folder on every render so a template edit shows on reload.

use std::path::PathBuf;
use std::sync::LazyLock;

use minijinja::{Environment, Value};

pub static TEMPLATES: LazyLock<Templates> = LazyLock::new(Templates::new);

pub struct Templates {
    embedded: Environment<'static>,
    reload_from: Option<PathBuf>,
}

fn configure(env: &mut Environment<'static>) {
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
}

impl Templates {
    fn new() -> Self {
        let mut embedded = Environment::new();
        configure(&mut embedded);
        minijinja_embed::load_templates!(&mut embedded);
        let reload_from = cfg!(debug_assertions)
            .then(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("admin-templates"))
            .filter(|dir| dir.is_dir());
        Self {
            embedded,
            reload_from,
        }
    }

    pub fn render(&self, name: &str, context: Value) -> Result<String, minijinja::Error> {
        match &self.reload_from {
            Some(dir) => {
                let mut env = Environment::new();
                configure(&mut env);
                let dir = dir.clone();
                env.set_loader(move |name| {
                    if name.split('/').any(|part| part == ".." || part.is_empty()) {
                        return Ok(None);
                    }
                    match std::fs::read_to_string(dir.join(name)) {
                        Ok(text) => Ok(Some(text)),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                        Err(e) => Err(minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            "cannot read template",
                        )
                        .with_source(e)),
                    }
                });
                env.get_template(name)?.render(context)
            }
            None => self.embedded.get_template(name)?.render(context),
        }
    }
}
