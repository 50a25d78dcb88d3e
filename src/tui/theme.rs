//! Semantic styles. The default palette uses only the 16 ANSI colours, in
//! combinations that read on dark and light backgrounds; `NO_COLOR` turns
//! colour off and leaves bold, reverse and underline to carry meaning.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::str::FromStr;

#[derive(Debug, Clone)]
pub struct Theme {
    pub color: bool,
    accent: Color,
    selected: Color,
    error: Color,
    warning: Color,
    dim: Color,
}

/// `[theme]` in the config file: colour names (`cyan`, `lightblue`,
/// `#ff8800`, `12`) replacing the defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeConfig {
    pub accent: Option<String>,
    pub selected: Option<String>,
    pub error: Option<String>,
    pub warning: Option<String>,
    pub dim: Option<String>,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        Theme {
            color,
            accent: Color::Cyan,
            selected: Color::Blue,
            error: Color::Red,
            warning: Color::Yellow,
            dim: Color::DarkGray,
        }
    }

    /// Colour unless `NO_COLOR` is set (to anything non-empty).
    pub fn from_env() -> Theme {
        Theme::new(std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
    }

    pub fn with_config(mut self, cfg: &ThemeConfig) -> Result<Theme, String> {
        let parse = |name: &str, v: &Option<String>, slot: &mut Color| -> Result<(), String> {
            if let Some(s) = v {
                *slot = Color::from_str(s)
                    .map_err(|_| format!("[theme] {name}: {s:?} is not a colour"))?;
            }
            Ok(())
        };
        parse("accent", &cfg.accent, &mut self.accent)?;
        parse("selected", &cfg.selected, &mut self.selected)?;
        parse("error", &cfg.error, &mut self.error)?;
        parse("warning", &cfg.warning, &mut self.warning)?;
        parse("dim", &cfg.dim, &mut self.dim)?;
        Ok(self)
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn title(&self, focused: bool) -> Style {
        if focused {
            self.fg(self.accent).add_modifier(Modifier::BOLD)
        } else {
            self.fg(self.dim)
        }
    }
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(self.accent)
        } else {
            self.fg(self.dim)
        }
    }
    pub fn selected(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::White)
                .bg(self.selected)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn header(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn label(&self) -> Style {
        self.fg(self.accent)
    }
    pub fn dim(&self) -> Style {
        self.fg(self.dim)
    }
    pub fn key(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }
    pub fn matched(&self) -> Style {
        self.fg(self.warning)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn error(&self) -> Style {
        self.fg(self.error).add_modifier(Modifier::BOLD)
    }
    pub fn warning(&self) -> Style {
        self.fg(self.warning)
    }
    pub fn tab(&self, active: bool) -> Style {
        if active {
            self.selected()
        } else {
            Style::new()
        }
    }
    /// TLP labels in their protocol colours where colour is on.
    pub fn tlp(&self, label: &str) -> Style {
        let c = match label {
            "RED" => Color::Red,
            "AMBER" | "AMBER+STRICT" => Color::Yellow,
            "GREEN" => Color::Green,
            _ => return Style::new(),
        };
        self.fg(c).add_modifier(Modifier::BOLD)
    }
}
