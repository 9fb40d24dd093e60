//! Computed values: integer arithmetic over field keys (`copies * 300`, `min(a, b)`,
//! `count(members)`). Parsed once when the form is loaded.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(i64),
    Field(String),
    Count(String),
    Min(Box<Expr>, Box<Expr>),
    Max(Box<Expr>, Box<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(i64),
    Ident(String),
    Op(char),
    Open,
    Close,
    Comma,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' => i += 1,
            '0'..='9' => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                out.push(Tok::Num(
                    text.parse()
                        .map_err(|_| format!("number too large: {text}"))?,
                ));
            }
            'a'..='z' | 'A'..='Z' | '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            '+' | '-' | '*' | '/' => {
                out.push(Tok::Op(c));
                i += 1;
            }
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            other => return Err(format!("unexpected character '{other}'")),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, t: Tok) -> Result<(), String> {
        match self.next() {
            Some(ref got) if *got == t => Ok(()),
            got => Err(format!("expected {t:?}, found {got:?}")),
        }
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut left = self.product()?;
        while let Some(Tok::Op(c @ ('+' | '-'))) = self.peek().cloned() {
            self.pos += 1;
            let right = self.product()?;
            let op = if c == '+' { Op::Add } else { Op::Sub };
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut left = self.atom()?;
        while let Some(Tok::Op(c @ ('*' | '/'))) = self.peek().cloned() {
            self.pos += 1;
            let right = self.atom()?;
            let op = if c == '*' { Op::Mul } else { Op::Div };
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Num(n)) => Ok(Expr::Num(n)),
            Some(Tok::Op('-')) => Ok(Expr::Bin(
                Op::Sub,
                Box::new(Expr::Num(0)),
                Box::new(self.atom()?),
            )),
            Some(Tok::Open) => {
                let e = self.sum()?;
                self.expect(Tok::Close)?;
                Ok(e)
            }
            Some(Tok::Ident(name)) if self.peek() == Some(&Tok::Open) => {
                self.pos += 1;
                let e = match name.as_str() {
                    "count" => match self.next() {
                        Some(Tok::Ident(group)) => Expr::Count(group),
                        other => return Err(format!("count() takes a group key, found {other:?}")),
                    },
                    "min" | "max" => {
                        let a = self.sum()?;
                        self.expect(Tok::Comma)?;
                        let b = self.sum()?;
                        if name == "min" {
                            Expr::Min(Box::new(a), Box::new(b))
                        } else {
                            Expr::Max(Box::new(a), Box::new(b))
                        }
                    }
                    other => return Err(format!("unknown function {other}()")),
                };
                self.expect(Tok::Close)?;
                Ok(e)
            }
            Some(Tok::Ident(name)) => Ok(Expr::Field(name)),
            other => Err(format!(
                "expected a number, a field key or '(', found {other:?}"
            )),
        }
    }
}

/// Parsing, evaluating and dropping an expression recurse once per level of nesting, and a
/// long chain (`a+a+…`) nests as deeply as it is long: bounding the tokens bounds the stack.
const MAX_TOKENS: usize = 200;

impl Expr {
    pub fn parse(s: &str) -> Result<Expr, String> {
        let toks = lex(s)?;
        if toks.len() > MAX_TOKENS {
            return Err(format!(
                "the expression is too long ({} tokens, at most {MAX_TOKENS})",
                toks.len()
            ));
        }
        let mut p = Parser { toks, pos: 0 };
        let e = p.sum()?;
        if p.pos < p.toks.len() {
            return Err(format!(
                "unexpected {:?} after the expression",
                p.toks[p.pos]
            ));
        }
        Ok(e)
    }

    /// Field keys read (`Field`) and group keys counted (`Count`).
    pub fn references(&self, fields: &mut Vec<String>, groups: &mut Vec<String>) {
        match self {
            Expr::Num(_) => {}
            Expr::Field(f) => fields.push(f.clone()),
            Expr::Count(g) => groups.push(g.clone()),
            Expr::Min(a, b) | Expr::Max(a, b) | Expr::Bin(_, a, b) => {
                a.references(fields, groups);
                b.references(fields, groups);
            }
        }
    }

    /// Evaluates with saturating arithmetic; missing fields are 0, division by 0 gives 0.
    pub fn eval(&self, answers: &Map<String, Value>) -> i64 {
        match self {
            Expr::Num(n) => *n,
            Expr::Field(f) => answers.get(f).and_then(Value::as_i64).unwrap_or(0),
            Expr::Count(g) => answers
                .get(g)
                .and_then(Value::as_array)
                .map_or(0, |a| a.len() as i64),
            Expr::Min(a, b) => a.eval(answers).min(b.eval(answers)),
            Expr::Max(a, b) => a.eval(answers).max(b.eval(answers)),
            Expr::Bin(op, a, b) => {
                let (x, y) = (a.eval(answers), b.eval(answers));
                match op {
                    Op::Add => x.saturating_add(y),
                    Op::Sub => x.saturating_sub(y),
                    Op::Mul => x.saturating_mul(y),
                    Op::Div => x.checked_div(y).unwrap_or(0),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn evaluates_fee_expressions() {
        let a = json!({"copies": 3, "members": [{}, {}]});
        let a = a.as_object().expect("object");
        assert_eq!(Expr::parse("copies * 300").map(|e| e.eval(a)), Ok(900));
        assert_eq!(
            Expr::parse("(copies + 1) * 300 - 100").map(|e| e.eval(a)),
            Ok(1100)
        );
        assert_eq!(
            Expr::parse("min(copies, 2) * 300").map(|e| e.eval(a)),
            Ok(600)
        );
        assert_eq!(
            Expr::parse("count(members) * 50").map(|e| e.eval(a)),
            Ok(100)
        );
        assert_eq!(Expr::parse("missing * 10").map(|e| e.eval(a)), Ok(0));
        assert_eq!(Expr::parse("10 / 0").map(|e| e.eval(a)), Ok(0));
    }

    #[test]
    fn rejects_bad_syntax() {
        assert!(Expr::parse("copies *").is_err());
        assert!(Expr::parse("copies $ 2").is_err());
        assert!(Expr::parse("foo(1)").is_err());
        assert!(Expr::parse("(1 + 2").is_err());
        assert!(Expr::parse("1 2").is_err());
    }

    #[test]
    fn rejects_expressions_that_nest_too_deeply() {
        // Found by fuzzing (fuzz/corpus/form_definition/regression-expr-*): deep nesting
        // overflowed the stack instead of failing to load.
        let deep = format!("{}copies{}", "(".repeat(20_000), ")".repeat(20_000));
        assert!(Expr::parse(&deep).is_err());
        assert!(Expr::parse(&"copies+".repeat(20_000)).is_err());
        assert!(Expr::parse(&format!("{}1", "-".repeat(20_000))).is_err());
        let long_but_fine = vec!["copies"; 100].join(" + ");
        assert!(Expr::parse(&long_but_fine).is_ok());
    }

    proptest! {
        #[test]
        fn parse_and_eval_never_panic(s in "[a-z0-9+*/() ,-]{0,40}") {
            if let Ok(e) = Expr::parse(&s) {
                let _ = e.eval(&Map::new());
            }
        }
    }
}
