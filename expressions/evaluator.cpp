#include "expressions/evaluator.h"

#include <algorithm>
#include <map>

#include "expressions/number.h"
#include "model/error.h"

namespace ddb::expr {

namespace {

const AttributeValue* step(const AttributeValue* v, const PathElement& e) {
  if (e.is_index()) {
    if (v->type != AttrType::L || size_t(e.index) >= v->list.size()) return nullptr;
    return &v->list[size_t(e.index)];
  }
  if (v->type != AttrType::M) return nullptr;
  auto it = v->map.find(e.name);
  return it == v->map.end() ? nullptr : &it->second;
}

bool comparable(AttrType t) { return t == AttrType::S || t == AttrType::N || t == AttrType::B; }

// Java's String.length(): UTF-16 code units.
int64_t utf16_length(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

// An operand's value: a path's value in the item, a constant, or size() computed into *scratch.
const AttributeValue* operand(const Node& n, const AttributeMap& item, AttributeValue* scratch) {
  switch (n.op) {
    case Op::PathRef: return resolve(n.path, item);
    case Op::Value: return n.value;
    case Op::Size: {
      AttributeValue inner_scratch;
      const AttributeValue* v = operand(n.args[0], item, &inner_scratch);
      if (!v) return nullptr;
      int64_t size;
      switch (v->type) {
        case AttrType::S: size = utf16_length(v->scalar); break;
        case AttrType::B: size = int64_t(v->scalar.size()); break;
        case AttrType::SS:
        case AttrType::NS:
        case AttrType::BS: size = int64_t(v->set.size()); break;
        case AttrType::L: size = int64_t(v->list.size()); break;
        case AttrType::M: size = int64_t(v->map.size()); break;
        default: return nullptr;
      }
      *scratch = AttributeValue::number(std::to_string(size));
      return scratch;
    }
    default: return nullptr;
  }
}

bool contains(const AttributeValue& haystack, const AttributeValue& needle) {
  switch (haystack.type) {
    case AttrType::S:
    case AttrType::B: return needle.type == haystack.type && haystack.scalar.find(needle.scalar) != std::string::npos;
    case AttrType::SS:
      return needle.type == AttrType::S &&
             std::find(haystack.set.begin(), haystack.set.end(), needle.scalar) != haystack.set.end();
    case AttrType::NS:
      return needle.type == AttrType::N &&
             std::find(haystack.set.begin(), haystack.set.end(), needle.scalar) != haystack.set.end();
    case AttrType::BS:
      return needle.type == AttrType::B &&
             std::find(haystack.set.begin(), haystack.set.end(), needle.scalar) != haystack.set.end();
    case AttrType::L: return std::find(haystack.list.begin(), haystack.list.end(), needle) != haystack.list.end();
    default: return false;
  }
}

[[noreturn]] void invalid_path() {
  throw Error::validation("The document path provided in the update expression is invalid for update");
}
[[noreturn]] void missing_attribute() {
  throw Error::validation("The provided expression refers to an attribute that does not exist in the item");
}
[[noreturn]] void wrong_operand_type() {
  throw Error::validation("An operand in the update expression has an incorrect data type");
}
[[noreturn]] void wrong_operand_type(bool legacy) {
  if (legacy) throw Error::validation("Type mismatch for attribute to update");
  wrong_operand_type();
}

// The value of a SET right-hand side, from the item before the update.
AttributeValue update_value(const Node& n, const AttributeMap& item) {
  switch (n.op) {
    case Op::PathRef: {
      const AttributeValue* v = resolve(n.path, item);
      if (!v) missing_attribute();
      return *v;
    }
    case Op::Value: return *n.value;
    case Op::IfNotExists: {
      const AttributeValue* v = resolve(n.args[0].path, item);
      return v ? *v : update_value(n.args[1], item);
    }
    case Op::ListAppend: {
      AttributeValue a = update_value(n.args[0], item), b = update_value(n.args[1], item);
      if (a.type != AttrType::L || b.type != AttrType::L) wrong_operand_type();
      for (auto& e : b.list) a.list.push_back(std::move(e));
      return a;
    }
    case Op::Plus:
    case Op::Minus: {
      AttributeValue a = update_value(n.args[0], item), b = update_value(n.args[1], item);
      if (a.type != AttrType::N || b.type != AttrType::N) wrong_operand_type();
      Number r;
      std::string error;
      Number x = Number::from_canonical(a.scalar), y = Number::from_canonical(b.scalar);
      bool ok = n.op == Op::Plus ? Number::add(x, y, &r, &error) : Number::subtract(x, y, &r, &error);
      if (!ok) throw Error::validation(error);
      return AttributeValue::number(r.to_string());
    }
    default: wrong_operand_type();
  }
}

// The parent container of path's last element in item (creating nothing), or null when it does not exist.
AttributeValue* parent_of(const Path& path, AttributeMap& item, bool* top_level) {
  *top_level = path.size() == 1;
  if (*top_level) return nullptr;
  auto it = item.find(path[0].name);
  if (it == item.end()) return nullptr;
  const AttributeValue* v = &it->second;
  for (size_t i = 1; i + 1 < path.size() && v; ++i) v = step(v, path[i]);
  return const_cast<AttributeValue*>(v);
}

void set_at(const Path& path, AttributeMap& item, AttributeValue value) {
  bool top;
  AttributeValue* parent = parent_of(path, item, &top);
  if (top) {
    item[path[0].name] = std::move(value);
    return;
  }
  if (!parent) invalid_path();
  const PathElement& last = path.back();
  if (last.is_index()) {
    if (parent->type != AttrType::L) invalid_path();
    if (size_t(last.index) >= parent->list.size()) {
      parent->list.push_back(std::move(value));  // past the end: appended
    } else {
      parent->list[size_t(last.index)] = std::move(value);
    }
  } else {
    if (parent->type != AttrType::M) invalid_path();
    parent->map[last.name] = std::move(value);
  }
}

AttributeValue* find_at(const Path& path, AttributeMap& item) {
  return const_cast<AttributeValue*>(resolve(path, item));
}

// DynamoDB's 32 levels of nesting: a value at level 1 (an attribute) to 32, so a map or list at most at 31.
void check_nesting(const AttributeValue& v, int level) {
  if (v.type != AttrType::M && v.type != AttrType::L) return;
  if (level > 31) throw Error::validation("Nesting Levels have exceeded supported limits");
  for (const auto& e : v.list) check_nesting(e, level + 1);
  for (const auto& [name, e] : v.map) check_nesting(e, level + 1);
}

void add_to_set(AttributeValue& target, const AttributeValue& operand, bool add, bool legacy) {
  if (target.type != operand.type) wrong_operand_type(legacy);
  for (const auto& m : operand.set) {
    auto it = std::find(target.set.begin(), target.set.end(), m);
    if (add && it == target.set.end()) target.set.push_back(m);
    if (!add && it != target.set.end()) target.set.erase(it);
  }
}

}  // namespace

const AttributeValue* resolve(const Path& path, const AttributeMap& item) {
  if (path.empty() || path[0].is_index()) return nullptr;
  auto it = item.find(path[0].name);
  if (it == item.end()) return nullptr;
  const AttributeValue* v = &it->second;
  for (size_t i = 1; i < path.size() && v; ++i) v = step(v, path[i]);
  return v;
}

int compare_scalars(const AttributeValue& a, const AttributeValue& b) {
  if (a.type == AttrType::N) return Number::from_canonical(a.scalar).compare(Number::from_canonical(b.scalar));
  int c = std::string_view(a.scalar).compare(b.scalar);
  return (c > 0) - (c < 0);
}

bool evaluate(const Node& n, const AttributeMap& item) {
  switch (n.op) {
    case Op::And: return evaluate(n.args[0], item) && evaluate(n.args[1], item);
    case Op::Or: return evaluate(n.args[0], item) || evaluate(n.args[1], item);
    case Op::Not: return !evaluate(n.args[0], item);
    case Op::AttributeExists: return resolve(n.args[0].path, item) != nullptr;
    case Op::AttributeNotExists: return resolve(n.args[0].path, item) == nullptr;
    default: break;
  }
  AttributeValue s0, s1, s2;
  const AttributeValue* a = operand(n.args[0], item, &s0);
  switch (n.op) {
    case Op::Eq:
    case Op::Ne: {
      const AttributeValue* b = operand(n.args[1], item, &s1);
      bool equal = a && b && *a == *b;
      return n.op == Op::Eq ? equal : !equal;
    }
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge: {
      const AttributeValue* b = operand(n.args[1], item, &s1);
      if (!a || !b || a->type != b->type || !comparable(a->type)) return false;
      int c = compare_scalars(*a, *b);
      return n.op == Op::Lt ? c < 0 : n.op == Op::Le ? c <= 0 : n.op == Op::Gt ? c > 0 : c >= 0;
    }
    case Op::Between: {
      const AttributeValue* lo = operand(n.args[1], item, &s1);
      const AttributeValue* hi = operand(n.args[2], item, &s2);
      if (!a || !lo || !hi || a->type != lo->type || a->type != hi->type || !comparable(a->type)) return false;
      return compare_scalars(*a, *lo) >= 0 && compare_scalars(*a, *hi) <= 0;
    }
    case Op::In: {
      if (!a) return false;
      for (size_t i = 1; i < n.args.size(); ++i) {
        const AttributeValue* b = operand(n.args[i], item, &s1);
        if (b && *a == *b) return true;
      }
      return false;
    }
    case Op::AttributeType: {
      const AttributeValue* t = operand(n.args[1], item, &s1);
      return a && t && t->type == AttrType::S && t->scalar == type_name(a->type);
    }
    case Op::BeginsWith: {
      const AttributeValue* prefix = operand(n.args[1], item, &s1);
      if (!a || !prefix || a->type != prefix->type || (a->type != AttrType::S && a->type != AttrType::B)) return false;
      return a->scalar.compare(0, prefix->scalar.size(), prefix->scalar) == 0;
    }
    case Op::Contains: {
      const AttributeValue* b = operand(n.args[1], item, &s1);
      return a && b && contains(*a, *b);
    }
    default: return false;
  }
}

std::set<std::string> apply_update(const UpdateExpression& update, AttributeMap& item) {
  std::set<std::string> touched;
  // Every value comes from the item as it was before the update.
  std::vector<AttributeValue> values(update.actions.size());
  for (size_t i = 0; i < update.actions.size(); ++i) {
    const UpdateAction& a = update.actions[i];
    if (a.type == UpdateActionType::Set) values[i] = update_value(a.value, item);
    if (a.type == UpdateActionType::Add || a.type == UpdateActionType::Delete) values[i] = update_value(a.value, item);
  }
  // List elements are addressed by their positions before the update: within one list, removals go from
  // the highest index down and assignments (which may append past the end) from the lowest up.
  std::vector<size_t> order(update.actions.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto same_list = [&](size_t x, size_t y) {
    const UpdateAction &a = update.actions[x], &b = update.actions[y];
    return a.type == b.type && (a.type == UpdateActionType::Remove || a.type == UpdateActionType::Set) &&
           a.path.back().is_index() && b.path.back().is_index() && a.path.size() == b.path.size() &&
           std::equal(a.path.begin(), a.path.end() - 1, b.path.begin());
  };
  for (size_t i = 0; i < order.size(); ++i) {
    for (size_t j = i + 1; j < order.size(); ++j) {
      if (!same_list(order[i], order[j])) continue;
      const UpdateAction &a = update.actions[order[i]], &b = update.actions[order[j]];
      bool removal = a.type == UpdateActionType::Remove;
      if (removal ? a.path.back().index < b.path.back().index : a.path.back().index > b.path.back().index) {
        std::swap(order[i], order[j]);
      }
    }
  }
  for (size_t i : order) {
    const UpdateAction& a = update.actions[i];
    touched.insert(a.path[0].name);
    switch (a.type) {
      case UpdateActionType::Set: set_at(a.path, item, std::move(values[i])); break;
      case UpdateActionType::Remove: {
        bool top;
        AttributeValue* parent = parent_of(a.path, item, &top);
        if (top) {
          item.erase(a.path[0].name);
          break;
        }
        if (!parent) invalid_path();
        const PathElement& last = a.path.back();
        if (last.is_index()) {
          if (parent->type != AttrType::L) invalid_path();
          if (size_t(last.index) < parent->list.size()) parent->list.erase(parent->list.begin() + last.index);
        } else {
          if (parent->type != AttrType::M) invalid_path();
          parent->map.erase(last.name);
        }
        break;
      }
      case UpdateActionType::Add: {
        const AttributeValue& v = values[i];
        AttributeValue* target = find_at(a.path, item);
        if (!target) {
          set_at(a.path, item, v);
        } else if (v.type == AttrType::L) {  // AttributeUpdates' ADD of a list appends to it
          if (target->type != AttrType::L) wrong_operand_type(update.legacy);
          target->list.insert(target->list.end(), v.list.begin(), v.list.end());
        } else if (v.type == AttrType::N) {
          if (target->type != AttrType::N) wrong_operand_type(update.legacy);
          Number r;
          std::string error;
          if (!Number::add(Number::from_canonical(target->scalar), Number::from_canonical(v.scalar), &r, &error)) {
            throw Error::validation(error);
          }
          target->scalar = r.to_string();
        } else {
          add_to_set(*target, v, true, update.legacy);
        }
        break;
      }
      case UpdateActionType::Delete: {
        AttributeValue* target = find_at(a.path, item);
        if (!target) break;
        add_to_set(*target, values[i], false, update.legacy);
        if (target->set.empty()) {
          // An emptied set is removed, as DynamoDB has no empty sets.
          UpdateExpression remove;
          remove.actions.push_back({UpdateActionType::Remove, a.path, {}});
          apply_update(remove, item);
        }
        break;
      }
    }
  }
  // A value set or appended deep inside an attribute can take it past the limit (every value on its own is
  // within it).
  for (const std::string& name : touched) {
    auto it = item.find(name);
    if (it != item.end()) check_nesting(it->second, 1);
  }
  return touched;
}

namespace {

// The projected parts of a value: everything (all), or some map members and some list elements.
struct Mask {
  bool all = false;
  std::map<std::string, Mask> members;
  std::map<int64_t, Mask> elements;  // ordered: projected list elements keep their order
};

// Whether a projected value holds anything: a whole value, or a container with projected parts.
bool has_content(const AttributeValue& v, const Mask& mask) {
  return mask.all || (v.type == AttrType::M && !v.map.empty()) || (v.type == AttrType::L && !v.list.empty());
}

void project_value(const AttributeValue& v, const Mask& mask, AttributeValue* out) {
  if (mask.all) {
    *out = v;
    return;
  }
  if (v.type == AttrType::M && !mask.members.empty()) {
    out->type = AttrType::M;
    for (const auto& [name, m] : mask.members) {
      auto it = v.map.find(name);
      if (it == v.map.end()) continue;
      AttributeValue child;
      project_value(it->second, m, &child);
      if (has_content(child, m)) out->map.emplace(name, std::move(child));
    }
  } else if (v.type == AttrType::L && !mask.elements.empty()) {
    out->type = AttrType::L;
    for (const auto& [index, m] : mask.elements) {
      if (size_t(index) >= v.list.size()) continue;
      AttributeValue child;
      project_value(v.list[size_t(index)], m, &child);
      if (has_content(child, m)) out->list.push_back(std::move(child));
    }
  }
}

}  // namespace

AttributeMap project(const std::vector<Path>& paths, const AttributeMap& item) {
  std::map<std::string, Mask> top;
  for (const Path& path : paths) {
    Mask* m = &top[path[0].name];
    for (size_t i = 1; i < path.size(); ++i) {
      m = path[i].is_index() ? &m->elements[path[i].index] : &m->members[path[i].name];
    }
    m->all = true;
  }
  AttributeMap out;
  for (const auto& [name, mask] : top) {
    auto it = item.find(name);
    if (it == item.end()) continue;
    AttributeValue v;
    project_value(it->second, mask, &v);
    // A path that reaches nothing inside the attribute projects nothing of it.
    if (has_content(v, mask)) out.emplace(name, std::move(v));
  }
  return out;
}

}  // namespace ddb::expr
