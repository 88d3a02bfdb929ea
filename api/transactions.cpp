// api/transactions.cpp — TransactWriteItems and TransactGetItems.
//
// A write transaction locks every item it names (ItemStore::write_all), evaluates every condition against the
// items as they are, and either commits every change in one WriteBatch or cancels with a reason per action, in
// action order. A read transaction reads every item under the same locks, so it never sees half a write.
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "api/attribute_json.h"
#include "api/item_support.h"
#include "expressions/evaluator.h"
#include "expressions/parser.h"
#include "model/error.h"
#include "model/json_writer.h"
#include "storage/item_codec.h"
#include "storage/item_store.h"
#include "storage/mutation.h"

namespace ddb::api {

namespace {

constexpr int64_t kTokenMillis = 10 * 60 * 1000;  // a ClientRequestToken is remembered for 10 minutes
constexpr size_t kMaxTransactionBytes = 4 * 1024 * 1024;

// The answers of transactions by client request token: a retry with the same request gets the same answer.
struct TokenMemory {
  struct Entry {
    std::string request;  // the TransactItems, minified
    int64_t expires;
  };
  std::mutex mu;
  std::map<std::string, Entry> entries;
  std::deque<std::pair<int64_t, std::string>> by_expiry;  // to forget expired tokens in the order they expire

  void remember(const std::string& key, std::string request, int64_t now) {
    while (!by_expiry.empty() && by_expiry.front().first <= now) {
      auto it = entries.find(by_expiry.front().second);
      if (it != entries.end() && it->second.expires <= now) entries.erase(it);
      by_expiry.pop_front();
    }
    entries[key] = {std::move(request), now + kTokenMillis};
    by_expiry.emplace_back(now + kTokenMillis, key);
  }
};

TokenMemory& token_memory() {
  static TokenMemory memory;
  return memory;
}

int64_t steady_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

struct Action {
  enum Kind { Check, Put, Delete, Update } kind;
  bool return_old_on_failure = false;  // ReturnValuesOnConditionCheckFailure ALL_OLD
  std::unique_ptr<ExpressionParams> params;
  expr::UpdateExpression update;
  storage::Mutation mutation;
  // Why the transaction was cancelled, for this action
  std::string reason = "None";
  std::string reason_message;
};

std::string reasons_list(const std::vector<Action>& actions) {
  std::string s = "[";
  for (size_t i = 0; i < actions.size(); ++i) s += (i ? ", " : "") + actions[i].reason;
  return s + "]";
}

Error cancelled(const std::vector<Action>& actions) {
  Error e("TransactionCanceledException",
          "Transaction cancelled, please refer cancellation reasons for specific reasons " + reasons_list(actions));
  std::string extra = "\"CancellationReasons\":";
  JsonWriter w(extra);
  w.begin_array();
  for (const auto& a : actions) {
    w.begin_object();
    if (a.mutation.outcome.existed && a.reason == "ConditionalCheckFailed" && a.return_old_on_failure) {
      w.key("Item");
      write_attribute_map(w, a.mutation.outcome.old);
    }
    w.member("Code", a.reason);
    if (!a.reason_message.empty()) w.member("Message", a.reason_message);
    w.end_object();
  }
  w.end_array();
  e.with_extra_members(std::move(extra));
  return e;
}

// What Put, Update, Delete and ConditionCheck have in common, read the same way for each.
template <class Member>
void parse_member(Context& ctx, Member& m, Action& a, std::initializer_list<Given> expressions,
                  const std::optional<std::string>& condition_expression, const expr::UpdateExpression* update,
                  const std::string* update_expression) {
  a.params = std::make_unique<ExpressionParams>(m.ExpressionAttributeNames, &m.ExpressionAttributeValues, expressions);
  AttributeMap attributes;
  if constexpr (requires { m.Item; }) {
    attributes = std::move(m.Item.get());
  } else {
    attributes = std::move(m.Key.get());
  }
  if (update_expression) a.update = expr::parse_update(*update_expression, a.params->placeholders());
  const expr::Node* condition = a.params->condition(condition_expression, std::nullopt, std::nullopt);
  a.params->finish();
  a.return_old_on_failure = m.ReturnValuesOnConditionCheckFailure == req::ReturnValuesOnConditionCheckFailure::ALL_OLD;
  storage::TableRef table = require_item_table(ctx, m.TableName);
  switch (a.kind) {
    case Action::Put: a.mutation = storage::Mutation::put(table, std::move(attributes), condition); break;
    case Action::Update: a.mutation = storage::Mutation::update(table, std::move(attributes), update, condition); break;
    case Action::Delete: a.mutation = storage::Mutation::remove(table, std::move(attributes), condition); break;
    case Action::Check: a.mutation = storage::Mutation::condition_check(table, std::move(attributes), condition); break;
  }
}

void parse_action(Context& ctx, req::TransactWriteItem& entry, Action& a) {
  int kinds = int(entry.ConditionCheck.has_value()) + int(entry.Put.has_value()) + int(entry.Delete.has_value()) +
              int(entry.Update.has_value());
  if (kinds != 1) {
    throw Error::validation("TransactItems can only contain one of Check, Put, Update or Delete");
  }
  if (entry.ConditionCheck) {
    auto& m = *entry.ConditionCheck;
    a.kind = Action::Check;
    std::optional<std::string> condition = m.ConditionExpression;
    parse_member(ctx, m, a, {{"ConditionExpression", true}}, condition, nullptr, nullptr);
  } else if (entry.Put) {
    auto& m = *entry.Put;
    a.kind = Action::Put;
    parse_member(ctx, m, a, {{"ConditionExpression", m.ConditionExpression.has_value()}}, m.ConditionExpression,
                 nullptr, nullptr);
  } else if (entry.Delete) {
    auto& m = *entry.Delete;
    a.kind = Action::Delete;
    parse_member(ctx, m, a, {{"ConditionExpression", m.ConditionExpression.has_value()}}, m.ConditionExpression,
                 nullptr, nullptr);
  } else {
    auto& m = *entry.Update;
    a.kind = Action::Update;
    parse_member(ctx, m, a, {{"UpdateExpression", true}, {"ConditionExpression", m.ConditionExpression.has_value()}},
                 m.ConditionExpression, &a.update, &m.UpdateExpression);
  }
}

}  // namespace

void transact_write_items(Context& ctx, req::TransactWriteItemsInput& in, req::TransactWriteItemsOutput& out) {
  std::string_view token = in.ClientRequestToken ? std::string_view(*in.ClientRequestToken) : std::string_view();
  std::string token_key;
  // A retry is the same request when its actions are the same (ReturnConsumedCapacity may differ).
  std::string request_text;
  if (!token.empty()) {
    JsonWriter w(request_text);
    w.begin_array();
    for (const auto& item : in.TransactItems) req::encode(w, item);
    w.end_array();
    token_key = std::string(ctx.ns) + "\n" + std::string(token);
    std::lock_guard lock(token_memory().mu);
    auto& entries = token_memory().entries;
    auto it = entries.find(token_key);
    if (it != entries.end() && it->second.expires > steady_now()) {
      if (it->second.request != request_text) {
        throw Error("IdempotentParameterMismatchException", "");
      }
      return;  // the retry succeeds, writes nothing and answers {}
    }
  }

  std::vector<Action> actions(in.TransactItems.size());
  for (size_t i = 0; i < actions.size(); ++i) parse_action(ctx, in.TransactItems[i], actions[i]);
  std::set<std::pair<uint32_t, std::string>> seen;
  size_t total_bytes = 0;
  for (const auto& a : actions) {
    const storage::Mutation& m = a.mutation;
    if (!seen.insert({m.table->id, m.key}).second) {
      throw Error::validation("Transaction request cannot include multiple operations on one item");
    }
    total_bytes += storage::item_size(a.kind == Action::Put ? m.item : m.key_attributes);
  }
  if (total_bytes > kMaxTransactionBytes) throw Error::validation("Transaction request cannot be larger than 4 MB");

  std::vector<storage::Mutation> mutations;
  mutations.reserve(actions.size());
  for (auto& a : actions) mutations.push_back(std::move(a.mutation));
  bool committed = ctx.items.commit(mutations);
  for (size_t k = 0; k < actions.size(); ++k) actions[k].mutation = std::move(mutations[k]);
  if (!committed) {
    for (auto& a : actions) {
      const auto& o = a.mutation.outcome;
      if (o.condition_failed) {
        a.reason = "ConditionalCheckFailed";
        // (the service's sentence ends with a full stop for a ConditionCheck action, and without for the others)
        a.reason_message =
            a.kind == Action::Check ? "The conditional request failed." : "The conditional request failed";
      } else if (!o.refused.empty()) {
        a.reason = "ValidationError";
        a.reason_message = o.refused;
      }
    }
    throw cancelled(actions);
  }

  // A transaction costs two write units per unit of each item and index entry written.
  WriteCapacity capacity;
  std::vector<std::pair<const storage::TableDef*, AttributeValue>> partitions;
  for (const auto& a : actions) {
    const storage::Mutation& m = a.mutation;
    capacity.add(m, 2);
    if (a.kind != Action::Check) partitions.push_back({m.table.get(), m.key_attributes.at(m.table->hash_key())});
  }
  out.ConsumedCapacity = capacity.consumed_per_table(in.ReturnConsumedCapacity);
  out.ItemCollectionMetrics = item_collection_metrics_per_table(ctx, in.ReturnItemCollectionMetrics, partitions);
  if (!token_key.empty()) {
    std::lock_guard lock(token_memory().mu);
    token_memory().remember(token_key, std::move(request_text), steady_now());
  }
}

void transact_get_items(Context& ctx, req::TransactGetItemsInput& in, req::TransactGetItemsOutput& out) {
  struct Get {
    storage::TableRef table;
    std::unique_ptr<ExpressionParams> params;
    std::optional<std::vector<expr::Path>> projection;
  };
  std::vector<Get> gets;
  std::vector<std::string> keys;
  std::set<std::pair<uint32_t, std::string>> seen;
  for (auto& entry : in.TransactItems) {
    req::Get& g = entry.Get;
    Get get;
    get.params = std::make_unique<ExpressionParams>(
        g.ExpressionAttributeNames, nullptr,
        std::initializer_list<Given>{{"ProjectionExpression", g.ProjectionExpression.has_value()}});
    get.projection = get.params->projection(g.ProjectionExpression, std::nullopt);
    get.params->finish();
    const AttributeMap& key_map = g.Key.get();
    get.table = require_item_table(ctx, g.TableName);
    std::string k = key_of(*get.table, key_map);
    if (!seen.insert({get.table->id, k}).second) {
      throw Error::validation("Transaction request cannot include multiple operations on one item");
    }
    keys.push_back(std::move(k));
    gets.push_back(std::move(get));
  }
  std::vector<std::optional<AttributeMap>> found;
  ctx.items.read_all(keys, &found);
  auto& responses = out.Responses.emplace();
  responses.reserve(gets.size());
  std::map<std::string, double> units;
  for (size_t i = 0; i < gets.size(); ++i) {
    units[gets[i].table->name] += 2 * read_units(found[i] ? storage::item_size(*found[i]) : 0, true);
    req::ItemResponse& response = responses.emplace_back();
    if (found[i]) {
      response.Item = {gets[i].projection ? expr::project(*gets[i].projection, *found[i]) : std::move(*found[i])};
    }
  }
  out.ConsumedCapacity = consumed_capacity_per_table(in.ReturnConsumedCapacity, {units.begin(), units.end()});
}

}  // namespace ddb::api
