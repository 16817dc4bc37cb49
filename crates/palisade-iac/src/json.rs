//! A small JSON reader that keeps the line of every key and value.
//!
//! `serde_json` does not report positions of values, and ARM templates may
//! carry `//` and `/* */` comments (Azure's deployment engine accepts them),
//! which `serde_json` refuses. Nesting is capped at [`MAX_DEPTH`] so hostile
//! input cannot exhaust the stack.

use crate::FileError;
use crate::text::Lines;
use crate::tree::{Entry, Node, Value};

/// Deeper JSON is refused; real templates stay far below it.
pub(crate) const MAX_DEPTH: usize = 128;

pub(crate) fn parse(framework: &'static str, text: &str) -> Result<Node, FileError> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        lines: Lines::new(text),
        depth: 0,
        framework,
    };
    p.skip_ws()?;
    let node = p.value()?;
    p.skip_ws()?;
    if p.i < p.s.len() {
        return Err(p.error("unexpected text after the JSON value"));
    }
    Ok(node)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    lines: Lines,
    depth: usize,
    framework: &'static str,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> FileError {
        let pos = self.lines.pos(self.i.min(self.s.len()));
        FileError::new(
            self.framework,
            format!("line {}, column {}: {message}", pos.line, pos.col),
        )
    }

    fn skip_ws(&mut self) -> Result<(), FileError> {
        loop {
            match self.s.get(self.i) {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.i += 1,
                Some(b'/') if self.s.get(self.i + 1) == Some(&b'/') => {
                    self.i = memchr::memchr(b'\n', &self.s[self.i..]).map_or(self.s.len(), |n| self.i + n);
                }
                Some(b'/') if self.s.get(self.i + 1) == Some(&b'*') => {
                    match memchr::memmem::find(&self.s[self.i + 2..], b"*/") {
                        Some(n) => self.i += n + 4,
                        None => return Err(self.error("unterminated /* comment")),
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self) -> Result<Node, FileError> {
        let pos = self.lines.pos(self.i);
        let value = match self.s.get(self.i) {
            Some(b'{') => self.nested(Self::object)?,
            Some(b'[') => self.nested(Self::array)?,
            Some(b'"') => Value::Str(self.string()?),
            Some(b't') => self.word("true", Value::Bool(true))?,
            Some(b'f') => self.word("false", Value::Bool(false))?,
            Some(b'n') => self.word("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a JSON value")),
            None => return Err(self.error("unexpected end of file")),
        };
        Ok(Node { pos, value })
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Value, FileError>) -> Result<Value, FileError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(&format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        let value = f(self);
        self.depth -= 1;
        value
    }

    fn object(&mut self) -> Result<Value, FileError> {
        self.i += 1;
        let mut entries = Vec::new();
        self.skip_ws()?;
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::Map(entries));
        }
        loop {
            self.skip_ws()?;
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.error("expected a quoted key"));
            }
            let key_pos = self.lines.pos(self.i);
            let key = self.string()?;
            self.skip_ws()?;
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.error("expected ':' after the key"));
            }
            self.i += 1;
            self.skip_ws()?;
            let value = self.value()?;
            entries.push(Entry { key, key_pos, value });
            self.skip_ws()?;
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Map(entries));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, FileError> {
        self.i += 1;
        let mut items = Vec::new();
        self.skip_ws()?;
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::Seq(items));
        }
        loop {
            self.skip_ws()?;
            items.push(self.value()?);
            self.skip_ws()?;
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Seq(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, FileError> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<Value, FileError> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let from = p.i;
            while p.s.get(p.i).is_some_and(u8::is_ascii_digit) {
                p.i += 1;
            }
            p.i > from
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        if !digits(self) {
            return Err(self.error("malformed number"));
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !digits(self) {
                return Err(self.error("malformed number"));
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return Err(self.error("malformed number"));
            }
        }
        // The slice is ASCII digits and signs, so it is valid UTF-8 and a valid float.
        std::str::from_utf8(&self.s[start..self.i])
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .map(Value::Num)
            .ok_or_else(|| self.error("malformed number"))
    }

    fn string(&mut self) -> Result<String, FileError> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(n) = memchr::memchr2(b'"', b'\\', &self.s[self.i..]) else {
                return Err(self.error("unterminated string"));
            };
            out.extend_from_slice(&self.s[self.i..self.i + n]);
            self.i += n;
            if self.s[self.i] == b'"' {
                self.i += 1;
                // Only whole UTF-8 sequences of the input and whole chars were copied.
                return String::from_utf8(out).map_err(|_| self.error("invalid text in string"));
            }
            self.i += 1;
            let escaped = match self.s.get(self.i) {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'u') => {
                    let c = self.unicode_escape()?;
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    continue;
                }
                _ => return Err(self.error("invalid escape in string")),
            };
            self.i += 1;
            let mut buf = [0; 4];
            out.extend_from_slice(escaped.encode_utf8(&mut buf).as_bytes());
        }
    }

    /// At the `u` of `\uXXXX`; leaves `i` after the escape (or its pair).
    fn unicode_escape(&mut self) -> Result<char, FileError> {
        let first = self.hex4(self.i + 1)?;
        self.i += 5;
        if (0xD800..0xDC00).contains(&first)
            && self.s.get(self.i) == Some(&b'\\')
            && self.s.get(self.i + 1) == Some(&b'u')
        {
            let second = self.hex4(self.i + 2)?;
            if (0xDC00..0xE000).contains(&second) {
                self.i += 6;
                let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
        }
        Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }

    fn hex4(&self, at: usize) -> Result<u32, FileError> {
        self.s
            .get(at..at + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.error("invalid \\u escape in string"))
    }
}
