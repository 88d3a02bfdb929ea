// expressions/reserved_words.h — DynamoDB's reserved words, which bare attribute names in expressions
// may not be (case-insensitively); an ExpressionAttributeNames placeholder is needed instead.
#pragma once

#include <string_view>

namespace ddb::expr {

bool is_reserved_word(std::string_view word);

}  // namespace ddb::expr
