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
#include "api/json_read.h"
#include "expressions/evaluator.h"
#include "expressions/parser.h"
#include "model/error.h"
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
  simdjson::dom::element json;
  std::unique_ptr<ExpressionParams> params;
  expr::UpdateExpression update;
  storage::Mutation mutation;
  // Why the transaction was cancelled, for this action
  std::string reason = "None";
  std::string reason_message;
};

const char* kind_member(Action::Kind k) {
  switch (k) {
    case Action::Check: return "ConditionCheck";
    case Action::Put: return "Put";
    case Action::Delete: return "Delete";
    case Action::Update: return "Update";
  }
  return "";
}

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
    if (a.mutation.outcome.existed && a.reason == "ConditionalCheckFailed" &&
        get_string(a.json, "ReturnValuesOnConditionCheckFailure") == "ALL_OLD") {
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

void parse_action(Context& ctx, simdjson::dom::element entry, Action& a) {
  int kinds = 0;
  for (auto k : {Action::Check, Action::Put, Action::Delete, Action::Update}) {
    simdjson::dom::element e;
    if (has(entry, kind_member(k), &e)) {
      ++kinds;
      a.kind = k;
      a.json = e;
    }
  }
  if (kinds != 1) {
    throw Error::validation("TransactItems can only contain one of Check, Put, Update or Delete");
  }
  const simdjson::dom::element& j = a.json;
  if (a.kind == Action::Update) {
    a.params = std::make_unique<ExpressionParams>(
        j, std::initializer_list<const char*>{"UpdateExpression", "ConditionExpression"});
  } else {
    a.params = std::make_unique<ExpressionParams>(j, std::initializer_list<const char*>{"ConditionExpression"});
  }
  simdjson::dom::element e;
  AttributeMap attributes;
  has(j, a.kind == Action::Put ? "Item" : "Key", &e);
  attributes = parse_attribute_map(e);
  if (a.kind == Action::Update && has(j, "UpdateExpression", &e)) {
    a.update = expr::parse_update(e.get_string().value_unsafe(), a.params->placeholders());
  }
  const expr::Node* condition = a.params->condition(j);
  a.params->finish();
  storage::TableRef table = require_item_table(ctx, get_string(j, "TableName"));
  switch (a.kind) {
    case Action::Put: a.mutation = storage::Mutation::put(table, std::move(attributes), condition); break;
    case Action::Update:
      a.mutation = storage::Mutation::update(table, std::move(attributes), &a.update, condition);
      break;
    case Action::Delete: a.mutation = storage::Mutation::remove(table, std::move(attributes), condition); break;
    case Action::Check: a.mutation = storage::Mutation::condition_check(table, std::move(attributes), condition); break;
  }
}

}  // namespace

void transact_write_items(Context& ctx, const simdjson::dom::element& body, JsonWriter& out) {
  std::string_view token = get_string(body, "ClientRequestToken");
  std::string token_key;
  // A retry is the same request when its actions are the same (ReturnConsumedCapacity may differ).
  simdjson::dom::element transact_items;
  has(body, "TransactItems", &transact_items);
  std::string request_text = simdjson::minify(transact_items);
  if (!token.empty()) {
    token_key = std::string(ctx.ns) + "\n" + std::string(token);
    std::lock_guard lock(token_memory().mu);
    auto& entries = token_memory().entries;
    auto it = entries.find(token_key);
    if (it != entries.end() && it->second.expires > steady_now()) {
      if (it->second.request != request_text) {
        throw Error("IdempotentParameterMismatchException", "");
      }
      out.begin_object().end_object();  // the retry succeeds and writes nothing
      return;
    }
  }

  simdjson::dom::array items;
  get_array(body, "TransactItems", &items);
  std::vector<Action> actions(items.size());
  size_t i = 0;
  for (auto entry : items) parse_action(ctx, entry, actions[i++]);
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

  out.begin_object();
  // A transaction costs two write units per unit of each item and index entry written.
  WriteCapacity capacity;
  std::vector<std::pair<const storage::TableDef*, AttributeValue>> partitions;
  for (const auto& a : actions) {
    const storage::Mutation& m = a.mutation;
    capacity.add(m, 2);
    if (a.kind != Action::Check) partitions.push_back({m.table.get(), m.key_attributes.at(m.table->hash_key())});
  }
  write_write_capacity(out, body, capacity, /*as_list=*/true);
  write_item_collection_metrics_map(ctx, out, body, partitions);
  out.end_object();
  if (!token_key.empty()) {
    std::lock_guard lock(token_memory().mu);
    token_memory().remember(token_key, std::move(request_text), steady_now());
  }
}

void transact_get_items(Context& ctx, const simdjson::dom::element& body, JsonWriter& out) {
  simdjson::dom::array items;
  get_array(body, "TransactItems", &items);
  struct Get {
    storage::TableRef table;
    std::unique_ptr<ExpressionParams> params;
    std::optional<std::vector<expr::Path>> projection;
  };
  std::vector<Get> gets;
  std::vector<std::string> keys;
  std::set<std::pair<uint32_t, std::string>> seen;
  for (auto entry : items) {
    simdjson::dom::element g;
    if (!has(entry, "Get", &g)) throw Error::validation("TransactItems can only contain Get");
    Get get;
    get.params = std::make_unique<ExpressionParams>(g, std::initializer_list<const char*>{"ProjectionExpression"},
                                                    /*takes_values=*/false);
    get.projection = get.params->projection(g);
    get.params->finish();
    simdjson::dom::element key;
    has(g, "Key", &key);
    AttributeMap key_map = parse_attribute_map(key);
    get.table = require_item_table(ctx, get_string(g, "TableName"));
    std::string k = key_of(*get.table, key_map);
    if (!seen.insert({get.table->id, k}).second) {
      throw Error::validation("Transaction request cannot include multiple operations on one item");
    }
    keys.push_back(std::move(k));
    gets.push_back(std::move(get));
  }
  std::vector<std::optional<AttributeMap>> found;
  ctx.items.read_all(keys, &found);
  out.begin_object().key("Responses").begin_array();
  std::map<std::string, double> units;
  for (size_t i = 0; i < gets.size(); ++i) {
    out.begin_object();
    if (found[i]) {
      out.key("Item");
      write_attribute_map(out, gets[i].projection ? expr::project(*gets[i].projection, *found[i]) : *found[i]);
    }
    out.end_object();
    units[gets[i].table->name] += 2 * read_units(found[i] ? storage::item_size(*found[i]) : 0, true);
  }
  out.end_array();
  write_capacity_list(out, body, {units.begin(), units.end()});
  out.end_object();
}

}  // namespace ddb::api
