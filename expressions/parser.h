// expressions/parser.h — DynamoDB's expression grammar: text to tree.
//
// Each parse_* function throws ddb::Error (ValidationException, with DynamoDB's message, e.g.
// "Invalid ConditionExpression: Syntax error; token: ...") for anything DynamoDB rejects, and records in
// Placeholders which names and values the expression used. Parsing never allocates per character and
// never throws on valid input.
#pragma once

#include <string_view>

#include "expressions/ast.h"

namespace ddb::expr {

// ConditionExpression and FilterExpression (kind says which, for messages).
Node parse_condition(std::string_view text, ExpressionKind kind, Placeholders& placeholders);
// KeyConditionExpression: parsed as a condition; key rules are checked by check_key_condition.
Node parse_key_condition(std::string_view text, Placeholders& placeholders);
UpdateExpression parse_update(std::string_view text, Placeholders& placeholders);
std::vector<Path> parse_projection(std::string_view text, Placeholders& placeholders);

constexpr size_t kMaxExpressionBytes = 4096;
constexpr size_t kMaxPathDepth = 32;
constexpr size_t kMaxInOperands = 100;

}  // namespace ddb::expr
