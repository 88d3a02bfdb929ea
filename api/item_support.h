// api/item_support.h — what the item operations share: the expression parameters of a request, its legacy
// parameters, ConsumedCapacity and ItemCollectionMetrics (api/ internal). Everything reads typed requests
// (api/requests.h), never JSON.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/context.h"
#include "api/requests.h"
#include "expressions/ast.h"
#include "expressions/legacy.h"
#include "model/attribute_value.h"
#include "storage/catalog.h"
#include "storage/item_store.h"
#include "storage/mutation.h"

namespace ddb::api {

// The table of an item operation, or ResourceNotFoundException.
storage::TableRef require_item_table(Context& ctx, std::string_view name);

// The key rules live with the mutations (storage/mutation.h).
using storage::check_item_size;
using storage::key_of;
using storage::key_of_item;
using storage::kMaxItemBytes;

// An expression member of a request (or a legacy member), by name, and whether the request gives it: for the
// rules that name the members a request uses.
struct Given {
  const char* name;
  bool given;
};

// A request's ExpressionAttributeNames/Values and its expressions, parsed once; owns what the trees point at.
class ExpressionParams {
 public:
  // Reads and validates ExpressionAttributeNames/ExpressionAttributeValues (messages per DynamoDB).
  // expressions: the expression members this operation has, for the "can only be specified when using
  // expressions" rule. values: null for operations without ExpressionAttributeValues (GetItem).
  // value_expressions: the expressions that may use values (for the message when values come without them);
  // empty means the same as expressions.
  ExpressionParams(const std::optional<req::ExpressionAttributeNameMap>& names,
                   const std::optional<req::ExpressionAttributeValueMap>* values,
                   std::initializer_list<Given> expressions, std::initializer_list<Given> value_expressions = {});

  // The condition of ConditionExpression or legacy Expected/ConditionalOperator; null when none.
  const expr::Node* condition(const std::optional<std::string>& expression,
                              const std::optional<req::ExpectedAttributeMap>& expected,
                              const std::optional<req::ConditionalOperator>& conditional_operator);
  // The filter of FilterExpression, or of legacy QueryFilter/ScanFilter with ConditionalOperator; null when none.
  const expr::Node* filter(const std::optional<std::string>& expression,
                           const std::optional<req::FilterConditionMap>& legacy,
                           const std::optional<req::ConditionalOperator>& conditional_operator);
  // ProjectionExpression or legacy AttributesToGet; nullopt when all attributes are wanted.
  std::optional<std::vector<expr::Path>> projection(const std::optional<std::string>& expression,
                                                    const std::optional<req::AttributeNameList>& attributes_to_get);

  expr::Placeholders& placeholders() { return placeholders_; }
  // Rejects names or values no expression used; call after every parse.
  void finish() { placeholders_.check_all_used(); }

 private:
  std::map<std::string, std::string> names_;
  AttributeMap values_;
  expr::Placeholders placeholders_;
  std::vector<expr::LegacyCondition> legacy_conditions_, legacy_filter_;
  std::unique_ptr<expr::Node> condition_, filter_;
};

// "Can not use both expression and non-expression parameters ..." when a legacy parameter comes with an
// expression parameter it conflicts with (each: a legacy member and the expression members it excludes).
struct LegacyConflict {
  Given legacy;
  std::initializer_list<Given> expressions;
};
void check_not_mixed(std::initializer_list<LegacyConflict> conflicts);

// Legacy conditions (Expected; QueryFilter, ScanFilter and KeyConditions).
std::vector<expr::LegacyCondition> legacy_conditions(const req::ExpectedAttributeMap& expected);
std::vector<expr::LegacyCondition> legacy_conditions(const req::FilterConditionMap& conditions);

using ReturnConsumedCapacity = std::optional<req::ReturnConsumedCapacity>;
using ReturnItemCollectionMetrics = std::optional<req::ReturnItemCollectionMetrics>;

// ReturnConsumedCapacity of a read of one table (GetItem, Query, Scan): nullopt unless TOTAL or INDEXES asks for
// it. With index_name, INDEXES breaks the units down to that index (global or local) instead of the table.
std::optional<req::ConsumedCapacity> consumed_capacity(ReturnConsumedCapacity mode, const std::string& table,
                                                       double units, const std::string& index_name = {},
                                                       bool global_index = false);
// The write capacity a request consumed, per table and per index: every write path adds its mutations here
// (factor 2 for a transaction), and it is answered once.
struct WriteCapacity {
  struct Units {
    double table = 0;
    std::map<std::string, double> global, local;
  };
  std::map<std::string, Units> tables;
  void add(const storage::Mutation& m, double factor = 1);
  // ReturnConsumedCapacity TOTAL or INDEXES (else nullopt): the one table's units (single-item writes) or one
  // entry per table (batches, transactions).
  std::optional<req::ConsumedCapacity> consumed(ReturnConsumedCapacity mode) const;
  std::optional<req::ConsumedCapacityMultiple> consumed_per_table(ReturnConsumedCapacity mode) const;
};

// ReturnItemCollectionMetrics SIZE on a table with local secondary indexes (else nullopt): the metrics of the item
// collection (the partition) of the written key, with the service's size estimate range in GB.
std::optional<req::ItemCollectionMetrics> item_collection_metrics(Context& ctx, ReturnItemCollectionMetrics mode,
                                                                  const storage::TableDef& table,
                                                                  const AttributeValue& partition_key);
// The same for operations that write several items (BatchWriteItem, TransactWriteItems): by table, the metrics of
// each item collection written, for the tables with local indexes; nullopt when there are none.
std::optional<req::ItemCollectionMetricsPerTable> item_collection_metrics_per_table(
    Context& ctx, ReturnItemCollectionMetrics mode,
    const std::vector<std::pair<const storage::TableDef*, AttributeValue>>& written_partitions);
double read_units(size_t item_bytes, bool consistent);
// ReturnConsumedCapacity of a multi-table read (BatchGetItem, TransactGetItems): one entry per table.
std::optional<req::ConsumedCapacityMultiple> consumed_capacity_per_table(
    ReturnConsumedCapacity mode, const std::vector<std::pair<std::string, double>>& per_table);

}  // namespace ddb::api
