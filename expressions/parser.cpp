// expressions/parser.cpp — tokens -> syntax tree -> resolved tree, with DynamoDB's messages.
//
// Two passes, as the service reports errors: first the whole text is parsed for syntax (any syntax error
// wins), then a walk in reading order resolves placeholders, rejects reserved words and checks operand
// types, arity and limits.
#include "expressions/parser.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "expressions/number.h"
#include "expressions/reserved_words.h"
#include "model/error.h"

namespace ddb::expr {

const char* kind_name(ExpressionKind kind) {
  switch (kind) {
    case ExpressionKind::Condition: return "ConditionExpression";
    case ExpressionKind::Filter: return "FilterExpression";
    case ExpressionKind::KeyCondition: return "KeyConditionExpression";
    case ExpressionKind::Update: return "UpdateExpression";
    case ExpressionKind::Projection: return "ProjectionExpression";
  }
  return "";
}

std::string path_to_string(const Path& path) {
  std::string s = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) s += ", ";
    if (path[i].is_index()) {
      s += "[" + std::to_string(path[i].index) + "]";
    } else {
      s += path[i].name;
    }
  }
  return s + "]";
}

namespace {

// ---------------------------------------------------------------------------------------------- tokens

enum class Tok : uint8_t {
  Identifier,  // a bare name or keyword
  NameRef,     // #name
  ValueRef,    // :value
  Number,      // a list index
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Dot,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Plus,
  Minus,
  Other,  // any other character: always a syntax error
  End,
};

struct Token {
  Tok type;
  uint32_t begin, end;  // byte offsets into the text
};

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) { return is_letter(c) || is_digit(c) || c == '_'; }

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  out.reserve(s.size() / 2 + 2);
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    size_t b = i;
    Tok t;
    if (is_letter(c)) {
      while (i < s.size() && is_word(s[i])) ++i;
      t = Tok::Identifier;
    } else if (is_digit(c)) {
      ++i;
      if (c != '0') {
        while (i < s.size() && is_digit(s[i])) ++i;
      }
      t = Tok::Number;
    } else if (c == '#' || c == ':') {
      ++i;
      while (i < s.size() && is_word(s[i])) ++i;
      t = i - b == 1 ? Tok::Other : (c == '#' ? Tok::NameRef : Tok::ValueRef);
    } else if (c == '<') {
      ++i;
      t = Tok::Lt;
      if (i < s.size() && s[i] == '>')
        t = Tok::Ne, ++i;
      else if (i < s.size() && s[i] == '=')
        t = Tok::Le, ++i;
    } else if (c == '>') {
      ++i;
      t = Tok::Gt;
      if (i < s.size() && s[i] == '=') t = Tok::Ge, ++i;
    } else {
      ++i;
      switch (c) {
        case '(': t = Tok::LParen; break;
        case ')': t = Tok::RParen; break;
        case '[': t = Tok::LBracket; break;
        case ']': t = Tok::RBracket; break;
        case ',': t = Tok::Comma; break;
        case '.': t = Tok::Dot; break;
        case '=': t = Tok::Eq; break;
        case '+': t = Tok::Plus; break;
        case '-': t = Tok::Minus; break;
        default:
          t = Tok::Other;
          // one whole UTF-8 character
          while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
      }
    }
    out.push_back({t, uint32_t(b), uint32_t(i)});
  }
  out.push_back({Tok::End, uint32_t(s.size()), uint32_t(s.size())});
  return out;
}

bool keyword_is(std::string_view word, const char* keyword) {
  size_t n = std::strlen(keyword);
  if (word.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    char c = word[i];
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    if (c != keyword[i]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------- syntax tree

// Unresolved path element: the token that named it.
struct RawElement {
  Token token;
  bool is_index = false;
};

struct RawNode {
  Op op = Op::Value;
  std::vector<RawElement> path;  // PathRef
  Token token{};                 // Value: the :placeholder; functions: the name
  std::string function;          // a function call's name (as written)
  std::vector<RawNode> args;
  bool parenthesised = false;  // written inside its own parentheses
};

enum class FunctionKind { Condition, Size, Update, Unknown };

FunctionKind function_kind(std::string_view name, Op* op) {
  static constexpr struct {
    const char* name;
    Op op;
    FunctionKind kind;
  } kFunctions[] = {
      {"attribute_exists", Op::AttributeExists, FunctionKind::Condition},
      {"attribute_not_exists", Op::AttributeNotExists, FunctionKind::Condition},
      {"attribute_type", Op::AttributeType, FunctionKind::Condition},
      {"begins_with", Op::BeginsWith, FunctionKind::Condition},
      {"contains", Op::Contains, FunctionKind::Condition},
      {"size", Op::Size, FunctionKind::Size},
      {"if_not_exists", Op::IfNotExists, FunctionKind::Update},
      {"list_append", Op::ListAppend, FunctionKind::Update},
  };
  for (const auto& f : kFunctions) {
    if (name == f.name) {
      *op = f.op;
      return f.kind;
    }
  }
  return FunctionKind::Unknown;
}

class SyntaxParser {
 public:
  SyntaxParser(std::string_view text, ExpressionKind kind) : text_(text), kind_(kind), tokens_(tokenize(text)) {}

  std::string_view text(const Token& t) const { return text_.substr(t.begin, t.end - t.begin); }
  const Token& peek(size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  bool at(Tok t) const { return peek().type == t; }
  bool at_keyword(const char* kw) const { return at(Tok::Identifier) && keyword_is(text(peek()), kw); }
  Token next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  void expect(Tok t) {
    if (!at(t)) syntax_error();
    next();
  }

  [[noreturn]] void syntax_error() const {
    const Token& t = peek();
    size_t from = pos_ > 0 ? tokens_[pos_ - 1].begin : (t.type == Tok::End ? 0 : t.begin);
    size_t to = t.type == Tok::End ? text_.size() : peek(1).end;
    if (t.type != Tok::End && peek(1).type == Tok::End) to = t.end;
    std::string token = t.type == Tok::End ? "<EOF>" : std::string(text(t));
    throw Error::validation(std::string("Invalid ") + kind_name(kind_) + ": Syntax error; token: \"" + token +
                            "\", near: \"" + std::string(text_.substr(from, to - from)) + "\"");
  }

  void expect_end() {
    if (!at(Tok::End)) syntax_error();
  }

  [[noreturn]] void redundant_parentheses() const {
    throw Error::validation(std::string("Invalid ") + kind_name(kind_) + ": The expression has redundant parentheses;");
  }

  // One level of nesting (a parenthesis, a NOT, a function call) for as long as it lives. Parsing recurses
  // once per level, so the depth is bounded: far above what a valid expression can use (every level but a
  // doubled parenthesis needs an operator, and 300 are allowed), far below what overflows a thread's stack.
  // No deeper expression is valid; too_deep() answers what DynamoDB answers for one.
  class Nesting {
   public:
    explicit Nesting(SyntaxParser& p) : p_(p) {
      if (++p_.depth_ > kMaxNesting) p_.too_deep();
    }
    ~Nesting() { --p_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    SyntaxParser& p_;
  };
  static constexpr int kMaxNesting = 1000;

  // Unbalanced parentheses are a syntax error (DynamoDB finds it at the end); balanced ones hold a redundant
  // pair, or else more than 300 operators.
  [[noreturn]] void too_deep() {
    // Open parentheses: their token index, and whether a function name precedes (a call, never redundant).
    std::vector<std::pair<size_t, bool>> open;
    bool balanced = true, redundant = false;
    size_t last_closed = 0;  // the opening index of the pair closed by the previous token, if it was ')'
    for (size_t i = 0; i < tokens_.size(); ++i) {
      if (tokens_[i].type == Tok::LParen) {
        open.emplace_back(i, i > 0 && tokens_[i - 1].type == Tok::Identifier);
      } else if (tokens_[i].type == Tok::RParen) {
        if (open.empty()) {
          balanced = false;
          break;
        }
        auto [at, call] = open.back();
        open.pop_back();
        // "( ( ... ) )": the inner pair is exactly what the outer one holds.
        if (!call && tokens_[i - 1].type == Tok::RParen && last_closed == at + 1) redundant = true;
        last_closed = at;
      }
    }
    if (!balanced || !open.empty()) {
      pos_ = tokens_.size() - 1;
      syntax_error();
    }
    if (redundant) redundant_parentheses();
    throw Error::validation(std::string("Invalid ") + kind_name(kind_) +
                            ": The expression contains too many operators; operator count: 301");
  }

  // ---- conditions
  RawNode condition() {
    RawNode left = conjunction();
    while (at_keyword("OR")) {
      next();
      RawNode n;
      n.op = Op::Or;
      n.args.push_back(std::move(left));
      n.args.push_back(conjunction());
      left = std::move(n);
    }
    return left;
  }

  RawNode conjunction() {
    RawNode left = negation();
    while (at_keyword("AND")) {
      next();
      RawNode n;
      n.op = Op::And;
      n.args.push_back(std::move(left));
      n.args.push_back(negation());
      left = std::move(n);
    }
    return left;
  }

  RawNode negation() {
    if (at_keyword("NOT")) {
      Nesting nesting(*this);
      next();
      RawNode n;
      n.op = Op::Not;
      n.args.push_back(negation());
      return n;
    }
    return predicate();
  }

  // Whether the '(' at the cursor encloses an operand (it is followed, after its matching ')', by a
  // comparison) rather than a condition.
  bool parenthesised_operand() const {
    int depth = 0;
    for (size_t i = pos_; i < tokens_.size(); ++i) {
      Tok t = tokens_[i].type;
      if (t == Tok::LParen) ++depth;
      if (t == Tok::RParen && --depth == 0) {
        const Token& after = tokens_[std::min(i + 1, tokens_.size() - 1)];
        if (after.type == Tok::Eq || after.type == Tok::Ne || after.type == Tok::Lt || after.type == Tok::Le ||
            after.type == Tok::Gt || after.type == Tok::Ge) {
          return true;
        }
        if (after.type != Tok::Identifier) return false;
        std::string_view word = text_.substr(after.begin, after.end - after.begin);
        return keyword_is(word, "BETWEEN") || keyword_is(word, "IN");
      }
      if (t == Tok::End) return false;
    }
    return false;
  }

  RawNode predicate() {
    if (at(Tok::LParen) && !parenthesised_operand()) {
      Nesting nesting(*this);
      next();
      RawNode inner = condition();
      expect(Tok::RParen);
      if (inner.parenthesised) redundant_parentheses();
      inner.parenthesised = true;
      return inner;
    }
    RawNode left = operand();
    Op op;
    switch (peek().type) {
      case Tok::Eq: op = Op::Eq; break;
      case Tok::Ne: op = Op::Ne; break;
      case Tok::Lt: op = Op::Lt; break;
      case Tok::Le: op = Op::Le; break;
      case Tok::Gt: op = Op::Gt; break;
      case Tok::Ge: op = Op::Ge; break;
      default:
        if (at_keyword("BETWEEN")) {
          next();
          RawNode n;
          n.op = Op::Between;
          n.args.push_back(std::move(left));
          n.args.push_back(operand());
          if (!at_keyword("AND")) syntax_error();
          next();
          n.args.push_back(operand());
          return n;
        }
        if (at_keyword("IN")) {
          next();
          RawNode n;
          n.op = Op::In;
          n.args.push_back(std::move(left));
          expect(Tok::LParen);
          n.args.push_back(operand());
          while (at(Tok::Comma)) {
            next();
            n.args.push_back(operand());
          }
          expect(Tok::RParen);
          return n;
        }
        // No comparison follows: this must be a condition function by itself.
        if (left.op == Op::PathRef || left.op == Op::Value) syntax_error();
        left.parenthesised = false;
        return left;
    }
    next();
    RawNode n;
    n.op = op;
    n.args.push_back(std::move(left));
    n.args.push_back(operand());
    return n;
  }

  // path | :value | function(args) | ( operand ); an operand in two pairs of parentheses is refused.
  RawNode operand() {
    if (at(Tok::LParen)) {
      Nesting nesting(*this);
      next();
      RawNode inner = operand();
      expect(Tok::RParen);
      if (inner.parenthesised) redundant_parentheses();
      inner.parenthesised = true;
      return inner;
    }
    if (at(Tok::ValueRef)) {
      RawNode n;
      n.op = Op::Value;
      n.token = next();
      return n;
    }
    if (at(Tok::Identifier) && peek(1).type == Tok::LParen) return function_call();
    if (at(Tok::Identifier) || at(Tok::NameRef)) return path_node();
    syntax_error();
  }

  RawNode function_call() {
    Nesting nesting(*this);
    RawNode n;
    n.token = next();
    n.function = std::string(text(n.token));
    Op op;
    if (function_kind(n.function, &op) == FunctionKind::Unknown) {
      throw Error::validation(std::string("Invalid ") + kind_name(kind_) +
                              ": Invalid function name; function: " + n.function);
    }
    n.op = op;
    expect(Tok::LParen);
    n.args.push_back(kind_ == ExpressionKind::Update ? update_operand() : operand());
    while (at(Tok::Comma)) {
      next();
      n.args.push_back(kind_ == ExpressionKind::Update ? update_operand() : operand());
    }
    expect(Tok::RParen);
    return n;
  }

  // Keywords of the grammar cannot be attribute names (reserved words are refused later, with their own message).
  bool at_clause_keyword() const {
    if (at_keyword("AND") || at_keyword("OR") || at_keyword("NOT") || at_keyword("BETWEEN") || at_keyword("IN")) {
      return true;
    }
    return kind_ == ExpressionKind::Update &&
           (at_keyword("SET") || at_keyword("REMOVE") || at_keyword("ADD") || at_keyword("DELETE"));
  }

  RawNode path_node() {
    RawNode n;
    n.op = Op::PathRef;
    if ((!at(Tok::Identifier) && !at(Tok::NameRef)) || at_clause_keyword()) syntax_error();
    n.path.push_back({next(), false});
    for (;;) {
      if (at(Tok::Dot)) {
        next();
        if (!at(Tok::Identifier) && !at(Tok::NameRef)) syntax_error();
        n.path.push_back({next(), false});
      } else if (at(Tok::LBracket)) {
        next();
        if (!at(Tok::Number)) syntax_error();
        n.path.push_back({next(), true});
        expect(Tok::RBracket);
      } else {
        return n;
      }
    }
  }

  // ---- update expressions
  // An operand of + or -, or a function's argument: path | :value | function(args) | ( operand ).
  RawNode update_operand() {
    if (at(Tok::LParen)) {
      Nesting nesting(*this);
      next();
      RawNode inner = update_operand();
      expect(Tok::RParen);
      if (inner.parenthesised) redundant_parentheses();
      inner.parenthesised = true;
      return inner;
    }
    if (at(Tok::Identifier) && peek(1).type == Tok::LParen) return function_call();
    if (at(Tok::ValueRef)) {
      RawNode n;
      n.op = Op::Value;
      n.token = next();
      return n;
    }
    return path_node();
  }

  // SET's value: operand [+|- operand], or a value in parentheses. A parenthesised sum or difference is a
  // whole value: it cannot be an operand of another one ("(a + :v) + :w" is a syntax error at the second +).
  RawNode set_value() {
    RawNode left;
    if (at(Tok::LParen)) {
      Nesting nesting(*this);
      next();
      left = set_value();
      expect(Tok::RParen);
      if (left.parenthesised) redundant_parentheses();
      left.parenthesised = true;
    } else {
      left = update_operand();
    }
    if (at(Tok::Plus) || at(Tok::Minus)) {
      if (left.op == Op::Plus || left.op == Op::Minus) syntax_error();
      RawNode n;
      n.op = next().type == Tok::Plus ? Op::Plus : Op::Minus;
      n.args.push_back(std::move(left));
      n.args.push_back(update_operand());
      return n;
    }
    return left;
  }

  struct RawAction {
    UpdateActionType type;
    RawNode path;
    RawNode value;
  };

  std::vector<RawAction> update() {
    std::vector<RawAction> actions;
    bool seen[4] = {false, false, false, false};
    static constexpr const char* kClauses[] = {"SET", "REMOVE", "ADD", "DELETE"};
    if (at(Tok::End)) syntax_error();
    while (!at(Tok::End)) {
      int clause = -1;
      for (int c = 0; c < 4 && clause < 0; ++c) {
        if (at_keyword(kClauses[c])) clause = c;
      }
      if (clause < 0) syntax_error();
      if (seen[clause]) {
        throw Error::validation(std::string("Invalid UpdateExpression: The \"") + kClauses[clause] +
                                "\" section can only be used once in an update expression;");
      }
      seen[clause] = true;
      next();
      auto type = static_cast<UpdateActionType>(clause);
      for (;;) {
        RawAction a{type, path_node(), {}};
        if (type == UpdateActionType::Set) {
          expect(Tok::Eq);
          a.value = set_value();
        } else if (type != UpdateActionType::Remove) {
          if (!at(Tok::ValueRef)) syntax_error();
          a.value.op = Op::Value;
          a.value.token = next();
        }
        actions.push_back(std::move(a));
        if (!at(Tok::Comma)) break;
        next();
      }
    }
    return actions;
  }

  std::vector<RawNode> projection() {
    std::vector<RawNode> paths;
    paths.push_back(path_node());
    while (at(Tok::Comma)) {
      next();
      paths.push_back(path_node());
    }
    expect_end();
    return paths;
  }

 private:
  std::string_view text_;
  ExpressionKind kind_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;  // nesting levels open (Nesting)
};

// ------------------------------------------------------------------------------------ semantic checks

}  // namespace

const char* op_name(Op op) {
  switch (op) {
    case Op::And: return "AND";
    case Op::Or: return "OR";
    case Op::Not: return "NOT";
    case Op::Eq: return "=";
    case Op::Ne: return "<>";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
    case Op::Between: return "BETWEEN";
    case Op::In: return "IN";
    case Op::Plus: return "+";
    case Op::Minus: return "-";
    case Op::Size: return "size";
    case Op::IfNotExists: return "if_not_exists";
    case Op::ListAppend: return "list_append";
    case Op::AttributeExists: return "attribute_exists";
    case Op::AttributeNotExists: return "attribute_not_exists";
    case Op::AttributeType: return "attribute_type";
    case Op::BeginsWith: return "begins_with";
    case Op::Contains: return "contains";
    default: return "";
  }
}

namespace {

// "AttributeValue: {N:1}" as the service prints a constant operand.
std::string describe_value(const AttributeValue& v) {
  std::string s = std::string("AttributeValue: {") + type_name(v.type) + ":";
  if (v.type == AttrType::S || v.type == AttrType::N || v.type == AttrType::B) s += v.scalar;
  return s + "}";
}

class Resolver {
 public:
  Resolver(std::string_view text, ExpressionKind kind, Placeholders& ph) : text_(text), kind_(kind), ph_(ph) {}

  [[noreturn]] void fail(const std::string& detail) const {
    throw Error::validation(std::string("Invalid ") + kind_name(kind_) + ": " + detail);
  }

  std::string_view text(const Token& t) const { return text_.substr(t.begin, t.end - t.begin); }

  Path path(const std::vector<RawElement>& raw) {
    Path p;
    p.reserve(raw.size());
    for (const RawElement& e : raw) {
      std::string_view word = text(e.token);
      if (e.is_index) {
        uint64_t index = 0;
        auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), index);
        if (ec != std::errc() || index > 2147483647ull) {
          fail("List index is not within the allowable range; index: [" + std::string(word) + "]");
        }
        p.push_back({std::string(), int64_t(index)});
      } else if (e.token.type == Tok::NameRef) {
        std::string key(word);
        auto it = ph_.names ? ph_.names->find(key) : decltype(ph_.names->end()){};
        if (!ph_.names || it == ph_.names->end()) {
          fail("An expression attribute name used in the document path is not defined; attribute name: " + key);
        }
        ph_.used_names.insert(key);
        p.push_back({it->second, -1});
      } else {
        if (is_reserved_word(word) && word != "size") {
          fail("Attribute name is a reserved keyword; reserved keyword: " + std::string(word));
        }
        p.push_back({std::string(word), -1});
      }
    }
    if (p.size() > kMaxPathDepth) {
      fail("The document path has too many nesting levels; nesting levels: " + std::to_string(p.size()));
    }
    return p;
  }

  const AttributeValue* value(const Token& t) {
    std::string key(text(t));
    if (!ph_.values) fail("An expression attribute value used in expression is not defined; attribute value: " + key);
    auto it = ph_.values->find(key);
    if (it == ph_.values->end()) {
      fail("An expression attribute value used in expression is not defined; attribute value: " + key);
    }
    ph_.used_values.insert(key);
    return &it->second;
  }

  void count_operator() {
    if (++operators_ > 300)
      fail("The expression contains too many operators; operator count: " + std::to_string(operators_));
  }

  [[noreturn]] void wrong_type(Op op, AttrType t) const {
    fail(std::string("Incorrect operand type for operator or function; operator or function: ") + op_name(op) +
         ", operand type: " + type_name(t));
  }
  [[noreturn]] void wrong_type(Op op, const AttributeValue& v) const { wrong_type(op, v.type); }

  // The type an operand has before any item is seen: a constant's, or N for size(); false when unknown.
  static bool static_type(const Node& n, AttrType* t) {
    if (n.op == Op::Value) {
      *t = n.value->type;
      return true;
    }
    if (n.op == Op::Size) {
      *t = AttrType::N;
      return true;
    }
    return false;
  }

  static bool comparable(AttrType t) { return t == AttrType::S || t == AttrType::N || t == AttrType::B; }

  void require_distinct(Op op, const Node& n) const {
    if (n.args.empty() || n.args[0].op != Op::PathRef) return;
    for (size_t i = 1; i < n.args.size(); ++i) {
      if (n.args[i].op == Op::PathRef && n.args[i].path == n.args[0].path) {
        fail(
            std::string("The first operand must be distinct from the remaining operands for this operator or function; "
                        "operator: ") +
            op_name(op) + ", first operand: " + path_to_string(n.args[0].path));
      }
    }
  }

  void arity(const Node& n, size_t expected) const {
    if (n.args.size() != expected) {
      fail(std::string("Incorrect number of operands for operator or function; operator or function: ") +
           op_name(n.op) + ", number of operands: " + std::to_string(n.args.size()));
    }
  }

  // Conditions and their operands.
  Node condition(const RawNode& raw) {
    Node n;
    n.op = raw.op;
    switch (raw.op) {
      case Op::IfNotExists:
      case Op::ListAppend: update_function_in_condition(raw);
      case Op::And:
      case Op::Or:
      case Op::Not:
        count_operator();
        for (const auto& a : raw.args) n.args.push_back(condition(a));
        return n;
      case Op::PathRef:
      case Op::Value:
      case Op::Size:
        fail(std::string("The function is not allowed to be used this way in an expression; function: ") +
             raw.function);
      default: break;
    }
    count_operator();
    for (const auto& a : raw.args) n.args.push_back(operand(a));
    switch (n.op) {
      case Op::Eq:
      case Op::Ne: require_distinct(n.op, n); break;
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
        for (const Node& a : n.args) {
          AttrType t;
          if (static_type(a, &t) && !comparable(t)) wrong_type(n.op, t);
        }
        require_distinct(n.op, n);
        break;
      case Op::Between: {
        for (const Node& a : n.args) {
          AttrType t;
          if (static_type(a, &t) && !comparable(t)) wrong_type(n.op, t);
        }
        require_distinct(n.op, n);
        const Node &lo = n.args[1], &hi = n.args[2];
        if (lo.op == Op::Value && hi.op == Op::Value) {
          if (lo.value->type != hi.value->type) {
            fail("The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: " +
                 describe_value(*lo.value) + ", upper bound operand: " + describe_value(*hi.value));
          }
          if (compare_scalars(*lo.value, *hi.value) > 0) {
            fail(
                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound "
                "operand: " +
                describe_value(*lo.value) + ", upper bound operand: " + describe_value(*hi.value));
          }
        }
        break;
      }
      case Op::In:
        if (n.args.size() - 1 > kMaxInOperands) {
          fail("The IN operator is provided with too many operands; number of operands: " +
               std::to_string(n.args.size() - 1));
        }
        require_distinct(n.op, n);
        break;
      case Op::AttributeExists:
      case Op::AttributeNotExists:
        arity(n, 1);
        if (n.args[0].op != Op::PathRef) {
          fail(std::string("Operator or function requires a document path; operator or function: ") + op_name(n.op));
        }
        break;
      case Op::AttributeType: {
        arity(n, 2);
        if (n.args[0].op != Op::PathRef) {
          fail(std::string("Operator or function requires a document path; operator or function: ") + op_name(n.op));
        }
        require_distinct(n.op, n);
        const Node& t = n.args[1];
        if (t.op == Op::Value) {
          if (t.value->type != AttrType::S) wrong_type(n.op, *t.value);
          static constexpr const char* kTypes[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};
          if (std::find_if(std::begin(kTypes), std::end(kTypes), [&](const char* k) { return t.value->scalar == k; }) ==
              std::end(kTypes)) {
            fail("Invalid attribute type name found; type: " + t.value->scalar +
                 ", valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}");
          }
        }
        break;
      }
      case Op::BeginsWith:
        arity(n, 2);
        for (const Node& a : n.args) {
          AttrType t;
          if (static_type(a, &t) && t != AttrType::S && t != AttrType::B) wrong_type(n.op, t);
        }
        require_distinct(n.op, n);
        break;
      case Op::Contains:
        arity(n, 2);
        require_distinct(n.op, n);
        break;
      default: break;
    }
    return n;
  }

  // if_not_exists and list_append belong to updates: anywhere in a condition they are refused by name.
  [[noreturn]] void update_function_in_condition(const RawNode& raw) const {
    fail("The function is not allowed in a condition expression; function: " + raw.function);
  }

  Node operand(const RawNode& raw) {
    Node n;
    n.op = raw.op;
    switch (raw.op) {
      case Op::PathRef: n.path = path(raw.path); return n;
      case Op::Value: n.value = value(raw.token); return n;
      case Op::Size:
        count_operator();
        for (const auto& a : raw.args) n.args.push_back(operand(a));
        arity(n, 1);
        if (AttrType t; static_type(n.args[0], &t) && (t == AttrType::N || t == AttrType::BOOL || t == AttrType::NUL)) {
          wrong_type(Op::Size, t);
        }
        return n;
      case Op::IfNotExists:
      case Op::ListAppend: update_function_in_condition(raw);
      default:
        fail(std::string("The function is not allowed to be used this way in an expression; function: ") +
             raw.function);
    }
  }

  // Update values: operands, + and -, if_not_exists, list_append. list_append is a whole SET value only
  // (top is false inside a function's arguments and as an operand of + or -).
  Node update_value(const RawNode& raw, bool top = true) {
    Node n;
    n.op = raw.op;
    switch (raw.op) {
      case Op::PathRef: n.path = path(raw.path); return n;
      case Op::Value: n.value = value(raw.token); return n;
      case Op::Plus:
      case Op::Minus:
        for (const auto& a : raw.args) n.args.push_back(update_value(a, false));
        for (const Node& a : n.args) {
          if (a.op == Op::Value && a.value->type != AttrType::N) wrong_type(n.op, *a.value);
        }
        return n;
      case Op::IfNotExists:
        for (const auto& a : raw.args) n.args.push_back(update_value(a, false));
        arity(n, 2);
        if (n.args[0].op != Op::PathRef) {
          fail("Operator or function requires a document path; operator or function: if_not_exists");
        }
        return n;
      case Op::ListAppend:
        if (!top) fail("The function is not allowed to be used this way in an expression; function: " + raw.function);
        for (const auto& a : raw.args) n.args.push_back(update_value(a, false));
        arity(n, 2);
        for (const Node& a : n.args) {
          if (a.op == Op::Value && a.value->type != AttrType::L) wrong_type(n.op, *a.value);
        }
        return n;
      default: fail("The function is not allowed in an update expression; function: " + raw.function);
    }
  }

  // Numbers compare numerically, strings and binaries by unsigned bytes.
  static int compare_scalars(const AttributeValue& a, const AttributeValue& b) {
    if (a.type == AttrType::N) return Number::from_canonical(a.scalar).compare(Number::from_canonical(b.scalar));
    int c = std::string_view(a.scalar).compare(b.scalar);
    return (c > 0) - (c < 0);
  }

 private:
  std::string_view text_;
  ExpressionKind kind_;
  Placeholders& ph_;
  int operators_ = 0;
};

void check_text(std::string_view text, ExpressionKind kind) {
  if (text.empty()) {
    throw Error::validation(std::string("Invalid ") + kind_name(kind) + ": The expression can not be empty;");
  }
  if (text.size() > kMaxExpressionBytes) {
    throw Error::validation(
        std::string("Invalid ") + kind_name(kind) +
        ": Expression size has exceeded the maximum allowed size; expression size: " + std::to_string(text.size()));
  }
}

// Overlapping (one a prefix of the other) and conflicting (a name where the other has an index) paths.
void check_paths_disjoint(const std::vector<const Path*>& paths, ExpressionKind kind) {
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = i + 1; j < paths.size(); ++j) {
      const Path &a = *paths[i], &b = *paths[j];
      size_t n = std::min(a.size(), b.size()), k = 0;
      while (k < n && a[k] == b[k]) ++k;
      const char* what = nullptr;
      if (k == n) {
        what = "overlap";
      } else if (a[k].is_index() != b[k].is_index()) {
        what = "conflict";
      }
      if (what) {
        throw Error::validation(std::string("Invalid ") + kind_name(kind) + ": Two document paths " + what +
                                " with each other; must remove or rewrite one of these paths; path one: " +
                                path_to_string(a) + ", path two: " + path_to_string(b));
      }
    }
  }
}

}  // namespace

Node parse_condition(std::string_view text, ExpressionKind kind, Placeholders& placeholders) {
  check_text(text, kind);
  SyntaxParser parser(text, kind);
  RawNode raw = parser.condition();
  parser.expect_end();
  Resolver resolver(text, kind, placeholders);
  return resolver.condition(raw);
}

Node parse_key_condition(std::string_view text, Placeholders& placeholders) {
  return parse_condition(text, ExpressionKind::KeyCondition, placeholders);
}

UpdateExpression parse_update(std::string_view text, Placeholders& placeholders) {
  check_text(text, ExpressionKind::Update);
  SyntaxParser parser(text, ExpressionKind::Update);
  auto raw_actions = parser.update();
  Resolver resolver(text, ExpressionKind::Update, placeholders);
  UpdateExpression update;
  update.actions.reserve(raw_actions.size());
  for (const auto& raw : raw_actions) {
    UpdateAction action{raw.type, resolver.path(raw.path.path), {}};
    if (raw.type == UpdateActionType::Set) {
      action.value = resolver.update_value(raw.value);
    } else if (raw.type != UpdateActionType::Remove) {
      action.value = resolver.update_value(raw.value);
      const char* op = raw.type == UpdateActionType::Add ? "ADD" : "DELETE";
      if (action.value.op == Op::Value) {
        AttrType t = action.value.value->type;
        bool ok = raw.type == UpdateActionType::Add ? (t == AttrType::N || action.value.value->is_set())
                                                    : action.value.value->is_set();
        if (!ok) {
          resolver.fail(std::string("Incorrect operand type for operator or function; operator: ") + op +
                        ", operand type: " + long_type_name(t) + ", typeSet: ALLOWED_FOR_" + op + "_OPERAND");
        }
      }
    }
    update.actions.push_back(std::move(action));
  }
  std::vector<const Path*> paths;
  for (const auto& a : update.actions) paths.push_back(&a.path);
  check_paths_disjoint(paths, ExpressionKind::Update);
  return update;
}

std::vector<Path> parse_projection(std::string_view text, Placeholders& placeholders) {
  check_text(text, ExpressionKind::Projection);
  SyntaxParser parser(text, ExpressionKind::Projection);
  auto raw = parser.projection();
  Resolver resolver(text, ExpressionKind::Projection, placeholders);
  std::vector<Path> paths;
  paths.reserve(raw.size());
  for (const auto& r : raw) paths.push_back(resolver.path(r.path));
  std::vector<const Path*> ptrs;
  for (const auto& p : paths) ptrs.push_back(&p);
  check_paths_disjoint(ptrs, ExpressionKind::Projection);
  return paths;
}

}  // namespace ddb::expr
