//! Languages, the tree-sitter grammars behind them, and the few node kinds the
//! engine itself needs (functions, assignments, identifiers, string literals).

use std::fmt;

use ast_grep_language::SupportLang;
use serde::Deserialize;

/// A language rules are written for and files are scanned as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Csharp,
    Javascript,
    Typescript,
    Python,
    Java,
    Go,
}

impl Language {
    pub const ALL: [Language; 6] = [
        Self::Csharp,
        Self::Javascript,
        Self::Typescript,
        Self::Python,
        Self::Java,
        Self::Go,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csharp => "csharp",
            Self::Javascript => "javascript",
            Self::Typescript => "typescript",
            Self::Python => "python",
            Self::Java => "java",
            Self::Go => "go",
        }
    }

    /// The grammars a rule for this language is compiled for.
    pub(crate) fn grammars(self) -> &'static [Grammar] {
        match self {
            Self::Csharp => &[Grammar::Csharp],
            Self::Javascript => &[Grammar::Javascript],
            Self::Typescript => &[Grammar::Typescript, Grammar::Tsx],
            Self::Python => &[Grammar::Python],
            Self::Java => &[Grammar::Java],
            Self::Go => &[Grammar::Go],
        }
    }

    /// The file extension examples are scanned under by default.
    pub(crate) fn example_path(self) -> &'static str {
        match self {
            Self::Csharp => "example.cs",
            Self::Javascript => "example.js",
            Self::Typescript => "example.ts",
            Self::Python => "example.py",
            Self::Java => "Example.java",
            Self::Go => "example.go",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tree-sitter grammar: like [`Language`], but TypeScript and TSX differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Grammar {
    Csharp,
    Javascript,
    Typescript,
    Tsx,
    Python,
    Java,
    Go,
}

pub(crate) const GRAMMAR_COUNT: usize = 7;

impl Grammar {
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Only the six grammars enabled in the workspace are reachable here:
    /// constructing any other `SupportLang` would panic at parse time.
    pub(crate) fn support_lang(self) -> SupportLang {
        match self {
            Self::Csharp => SupportLang::CSharp,
            Self::Javascript => SupportLang::JavaScript,
            Self::Typescript => SupportLang::TypeScript,
            Self::Tsx => SupportLang::Tsx,
            Self::Python => SupportLang::Python,
            Self::Java => SupportLang::Java,
            Self::Go => SupportLang::Go,
        }
    }

    pub(crate) fn language(self) -> Language {
        match self {
            Self::Csharp => Language::Csharp,
            Self::Javascript => Language::Javascript,
            Self::Typescript | Self::Tsx => Language::Typescript,
            Self::Python => Language::Python,
            Self::Java => Language::Java,
            Self::Go => Language::Go,
        }
    }

    /// By file extension (case-insensitive).
    pub(crate) fn of_path(path: &str) -> Option<Grammar> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let (_, ext) = name.rsplit_once('.')?;
        let ext = ext.to_ascii_lowercase();
        Some(match ext.as_str() {
            "cs" => Self::Csharp,
            "js" | "mjs" | "cjs" | "jsx" => Self::Javascript,
            "ts" | "mts" | "cts" => Self::Typescript,
            "tsx" => Self::Tsx,
            "py" | "pyi" => Self::Python,
            "java" => Self::Java,
            "go" => Self::Go,
            _ => return None,
        })
    }

    /// Nodes that open a taint scope and name the enclosing function.
    pub(crate) fn is_function(self, kind: &str) -> bool {
        match self {
            Self::Python => matches!(kind, "function_definition" | "lambda"),
            Self::Javascript | Self::Typescript | Self::Tsx => matches!(
                kind,
                "function_declaration"
                    | "function_expression"
                    | "function"
                    | "arrow_function"
                    | "method_definition"
                    | "generator_function_declaration"
                    | "generator_function"
            ),
            Self::Java => matches!(
                kind,
                "method_declaration" | "constructor_declaration" | "lambda_expression"
            ),
            Self::Csharp => matches!(
                kind,
                "method_declaration"
                    | "constructor_declaration"
                    | "local_function_statement"
                    | "lambda_expression"
                    | "anonymous_method_expression"
                    | "accessor_declaration"
                    | "operator_declaration"
            ),
            Self::Go => matches!(
                kind,
                "function_declaration" | "method_declaration" | "func_literal"
            ),
        }
    }

    /// String literal nodes: their text never reaches a message.
    pub(crate) fn is_string(self, kind: &str) -> bool {
        match self {
            Self::Python => matches!(kind, "string" | "concatenated_string"),
            Self::Javascript | Self::Typescript | Self::Tsx => {
                matches!(kind, "string" | "template_string" | "jsx_text" | "regex")
            }
            Self::Java => matches!(kind, "string_literal" | "text_block" | "character_literal"),
            Self::Csharp => matches!(
                kind,
                "string_literal"
                    | "verbatim_string_literal"
                    | "raw_string_literal"
                    | "interpolated_string_expression"
                    | "character_literal"
            ),
            Self::Go => matches!(
                kind,
                "interpreted_string_literal" | "raw_string_literal" | "rune_literal"
            ),
        }
    }

    /// Plain identifiers (variable uses).
    pub(crate) fn is_identifier(kind: &str) -> bool {
        matches!(kind, "identifier" | "shorthand_property_identifier")
    }

    /// Member accesses (`a.b`), tracked by their whole text.
    pub(crate) fn is_member(self, kind: &str) -> bool {
        match self {
            Self::Python => kind == "attribute",
            Self::Javascript | Self::Typescript | Self::Tsx => kind == "member_expression",
            Self::Java => kind == "field_access",
            Self::Csharp => kind == "member_access_expression",
            Self::Go => kind == "selector_expression",
        }
    }

    /// How an assignment-like node splits into its target and value:
    /// `(target field, value field, kills)`. `kills` is false for compound
    /// assignments (`x += y` keeps x's taint).
    #[expect(clippy::match_same_arms, reason = "one arm per grammar reads best")]
    pub(crate) fn assignment(self, kind: &str) -> Option<Assign> {
        let a = |target, value, kills| Some(Assign { target, value, kills });
        match (self, kind) {
            (Self::Python, "assignment") => a(Part::Field("left"), Part::Field("right"), true),
            (Self::Python, "augmented_assignment") => a(Part::Field("left"), Part::Field("right"), false),
            (Self::Python, "named_expression") => a(Part::Field("name"), Part::Field("value"), true),
            (Self::Javascript | Self::Typescript | Self::Tsx | Self::Java, "variable_declarator") => {
                a(Part::Field("name"), Part::Field("value"), true)
            }
            (
                Self::Javascript | Self::Typescript | Self::Tsx | Self::Java | Self::Csharp,
                "assignment_expression",
            ) => a(Part::Field("left"), Part::Field("right"), true),
            (Self::Javascript | Self::Typescript | Self::Tsx, "augmented_assignment_expression") => {
                a(Part::Field("left"), Part::Field("right"), false)
            }
            (Self::Csharp, "variable_declarator") => a(Part::Field("name"), Part::LastNamed, true),
            (Self::Go, "short_var_declaration" | "assignment_statement") => {
                a(Part::Field("left"), Part::Field("right"), true)
            }
            (Self::Go, "var_spec" | "const_spec") => a(Part::Field("name"), Part::Field("value"), true),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Part {
    Field(&'static str),
    /// The last named child (C#'s `variable_declarator` has no value field).
    LastNamed,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Assign {
    pub target: Part,
    pub value: Part,
    pub kills: bool,
}
