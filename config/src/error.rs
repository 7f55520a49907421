//! Configuration errors, each naming where in which file the problem is.

use std::fmt;
use std::path::PathBuf;

/// Where a configuration problem is: the file (or other origin) and, when known, line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Name of the configuration source, usually its path.
    pub origin: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column in characters, when known.
    pub column: Option<usize>,
}

impl Location {
    /// The location of byte `offset` in `text`, a source named `origin`.
    pub(crate) fn at_offset(origin: &str, text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        // Back off to a char boundary so slicing cannot fail.
        let offset = (0..=offset)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        let before = &text[..offset];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location {
            origin: origin.to_owned(),
            line: Some(line),
            column: Some(column),
        }
    }

    /// A location naming only the source.
    pub(crate) fn origin_only(origin: &str) -> Location {
        Location {
            origin: origin.to_owned(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// A configuration that could not be read, parsed or accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        error: std::io::Error,
    },
    /// The text is not TOML, has an unknown key, or a value of the wrong type.
    #[error("{location}: {}{message}", key_prefix(key.as_deref()))]
    Syntax {
        /// Where the problem is.
        location: Location,
        /// Dotted key the problem is at (`sip.port`), when known.
        key: Option<String>,
        /// What is wrong, as reported by the TOML parser.
        message: String,
    },
    /// The settings parse but are not acceptable together (e.g. a certificate without a key).
    #[error("{location}: {key}: {message}")]
    Invalid {
        /// Where the offending key is.
        location: Location,
        /// Dotted key at fault (`sip.tls_private_key`).
        key: String,
        /// What is wrong.
        message: String,
    },
}

fn key_prefix(key: Option<&str>) -> String {
    key.map(|k| format!("{k}: ")).unwrap_or_default()
}

impl ConfigError {
    /// The dotted key the error is about, when known.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Io { .. } => None,
            ConfigError::Syntax { key, .. } => key.as_deref(),
            ConfigError::Invalid { key, .. } => Some(key),
        }
    }

    /// Where the error is, when it is in the text of a configuration.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ConfigError::Io { .. } => None,
            ConfigError::Syntax { location, .. } | ConfigError::Invalid { location, .. } => {
                Some(location)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_to_line_and_column() {
        let text = "a = 1\n[sip]\nprot = 2\n";
        let loc = Location::at_offset("f.toml", text, 12);
        assert_eq!((loc.line, loc.column), (Some(3), Some(1)));
        assert_eq!(loc.to_string(), "f.toml:3:1");
        let loc = Location::at_offset("f.toml", text, 0);
        assert_eq!((loc.line, loc.column), (Some(1), Some(1)));
        let loc = Location::at_offset("f.toml", text, 999);
        assert_eq!(loc.line, Some(4));
    }

    #[test]
    fn columns_count_characters() {
        let text = "é = 1";
        let loc = Location::at_offset("f", text, 3);
        assert_eq!(loc.column, Some(3));
        // Inside a multi-byte character: clamps to its start.
        let loc = Location::at_offset("f", text, 1);
        assert_eq!(loc.column, Some(1));
    }
}
