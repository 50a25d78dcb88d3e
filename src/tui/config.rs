//! The user's config file: key and theme overrides. A bad file never stops
//! the notebook: the defaults are used and the message names the line.

use super::keymap::{KeyConfig, Keymap};
use super::theme::{Theme, ThemeConfig};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    keys: BTreeMap<super::keymap::Layer, BTreeMap<super::keymap::Action, Vec<String>>>,
    #[serde(default)]
    theme: ThemeConfig,
}

/// `INTERDICT_CONFIG`, else `config.toml` in the user's config directory.
/// The config file, and whether the user named it (INTERDICT_CONFIG).
pub fn path() -> Option<(PathBuf, bool)> {
    if let Some(p) = std::env::var_os("INTERDICT_CONFIG") {
        return Some((PathBuf::from(p), true));
    }
    directories::ProjectDirs::from("", "", "interdict")
        .map(|d| (d.config_dir().join("config.toml"), false))
}

/// The keymap and theme in force, and a message when the file was bad.
/// `named`: the path was given by the user (INTERDICT_CONFIG), so a
/// missing file is an error to show rather than the usual absence.
pub fn load(path: Option<&Path>, named: bool, base: Theme) -> (Keymap, Theme, Option<String>) {
    let Some(path) = path else {
        return (Keymap::defaults(), base, None);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        // The default file need not exist; one named by INTERDICT_CONFIG
        // must, or a misspelled path would go unnoticed.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => {
            return (Keymap::defaults(), base, None);
        }
        Err(e) => {
            return (
                Keymap::defaults(),
                base,
                Some(format!("{}: {e}; using the defaults", path.display())),
            );
        }
    };
    match parse(&text) {
        Ok((k, t)) => match base.clone().with_config(&t) {
            Ok(theme) => (k, theme, None),
            Err(e) => (
                k,
                base,
                Some(format!(
                    "{}: {e}; using the default colours",
                    path.display()
                )),
            ),
        },
        Err(e) => (
            Keymap::defaults(),
            base,
            Some(format!("{}: {e}; using the default keys", path.display())),
        ),
    }
}

fn parse(text: &str) -> Result<(Keymap, ThemeConfig), String> {
    let cfg: ConfigFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let msg = e.message().to_string();
        match line {
            Some(l) => format!("line {l}: {msg}"),
            None => msg,
        }
    })?;
    let keys = Keymap::with_overrides(&KeyConfig { keys: cfg.keys })?;
    Ok((keys, cfg.theme))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::{Action, Layer};

    #[test]
    fn good_file_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            "[keys.global]\nquit = [\"ctrl-q\"]\n[theme]\naccent = \"magenta\"\n",
        )
        .unwrap();
        let (k, _, msg) = load(Some(&p), false, Theme::new(true));
        assert!(msg.is_none(), "{msg:?}");
        assert_eq!(k.keys_for(Layer::Global, Action::Quit), vec!["Ctrl-q"]);
    }

    #[test]
    fn bad_file_names_the_line_and_keeps_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            "# mine\n[keys.global]\nquit = [\"ctrl-q\"]\nfly = [\"f\"]\n",
        )
        .unwrap();
        let (k, _, msg) = load(Some(&p), false, Theme::new(true));
        let msg = msg.unwrap();
        assert!(msg.contains("line 4"), "{msg}");
        assert_eq!(k.keys_for(Layer::Global, Action::Quit), vec!["q", "Ctrl-c"]);
        std::fs::write(&p, "[theme]\naccent = \"blurple\"\n").unwrap();
        let (_, _, msg) = load(Some(&p), false, Theme::new(true));
        assert!(msg.unwrap().contains("blurple"));
        let none = dir.path().join("none.toml");
        assert!(load(Some(&none), false, Theme::new(true)).2.is_none());
        // A file the user named must exist: a misspelled path is said.
        let msg = load(Some(&none), true, Theme::new(true)).2.unwrap();
        assert!(
            msg.contains("none.toml") && msg.contains("defaults"),
            "{msg}"
        );
    }
}
