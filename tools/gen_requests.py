#!/usr/bin/env python3
"""Generates the typed requests and responses of a service, their decoder and encoder, from the service model
botocore ships.

For every structure reachable from an operation's input or output the header gets one C++ struct, named as the
model names the shape, with the model's member names: required members plain, optional ones std::optional,
lists std::vector, maps std::vector of (key, value) pairs in request (or answer) order, enums enum classes,
integers int64_t, booleans bool, doubles and timestamps double (seconds), blobs std::string (decoded). A shape
both sides reach is one struct. DynamoDB's AttributeValue becomes api::Attribute, and its maps keyed by
attribute name (items, keys) api::Attributes (api/requests_common.h), in a structure a request reaches; in one
only answers reach, AttributeValue and api::ResponseAttributes (which may hold an item's stored bytes).

Every structure gets an encoder, encode(JsonWriter&, const X&): the model's member order, absent optionals
omitted, integers as integers, doubles as the service writes capacity units (1.0, 0.5; others as the shortest
text that reads back), timestamps as epoch seconds with millisecond precision.

The source gets the model's tables (what api/shapes.cpp needs to print a value in a validation message) and
one decode function per shape, which walks the simdjson DOM once, fills the struct, and reports exactly what
the service's framework reports: SerializationException at the first value of a wrong JSON type, then the
"N validation error(s) detected: ..." list, then the rule for a JSON null inside a list or map (NULL_RULES).
The checks themselves live in api/shapes.cpp, shared by every service's generated code.

Run: tools/gen_requests.py [service ...]   (default: every service below; writes the files in place)
     tools/gen_requests.py dynamodb --model other/service-2.json --header /tmp/r.h --source /tmp/r.cpp
     tools/gen_requests.py lambda --model .../lambda/2015-03-31/service-2.json --namespace ddb::api::lambda_req \
         --header api/lambda_requests.h --source api/lambda_requests.cpp   (a service not configured below: its
         model as it is; REST-JSON members bound to the URI, query string or headers are left to the router)
"""
import argparse
import json
import os
import re
import sys

BOTOCORE = "/usr/lib/python3/dist-packages/botocore/data"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What a JSON null inside a list (as an element) or a map (as a value) means, by the list's or map's shape
# name. DynamoDB's framework lets such nulls through; the operation then answers (as DynamoDB Local, the
# oracle, shows) with its own message, or fails with a 500 where we answer the closest 400 instead.
#   ("skip",)                 the null is ignored (the operation ignores it)
#   ("error", message)        ValidationException with this message, after the list of violations;
#                             {key} is the innermost map key around the null (a table or attribute name)
#   ("violation",)            "Value null at '<path>' failed to satisfy constraint: Member must not be null"
#                             in the list of violations (where the service fails with a 500)
#   ("attribute",)            an AttributeValue: decoded as any other, and the decoded api::Attribute carries the
#                             item codec's error for a null, so the operation reports it where it reads the value
#   ("empty",)                a string: decoded as "", which the operation refuses with its own message
# A shape not listed gets ("violation",).
DYNAMODB_NULL_RULES = {
    "BatchWriteItemRequestMap": ("error", "The batch write request list for a table cannot be null or empty: {key}"),
    "WriteRequests": ("error", "The batch write request list for a table cannot be null or empty"),
    "BatchGetRequestMap": ("error", "The list of keys in RequestItems for BatchGetItem is required: {key} has empty list"),
    "KeyList": ("error", "The list of keys in RequestItems for BatchGetItem may not contain null or empty values: "
                         "{key} has one or more empty keys"),
    "TransactGetItemList": ("error", "Value null at 'transactItems' failed to satisfy constraint: Member must not be null"),
    # The service fails with a 500; TransactGetItems' answer is the closest.
    "TransactWriteItemList": ("error", "Value null at 'transactItems' failed to satisfy constraint: Member must not be null"),
    "KeySchema": ("error", "Key schema element is invalid."),
    "NonKeyAttributeNameList": ("error", "Attribute name must be specified."),
    "AttributeNameList": ("error", "Empty attribute name"),
    "ExpectedAttributeMap": ("error", "One or more parameter values were invalid: ExpectedAttributeValue must not be null "
                                      "for Attribute: {key}"),
    "KeyConditions": ("error", "The filter condition for an attribute cannot be null: {key}"),
    "FilterConditionMap": ("error", "The filter condition for an attribute cannot be null: {key}"),
    "AttributeValueList": ("attribute",),
    "ExpressionAttributeValueMap": ("attribute",),
    # The service answers "ExpressionAttributeNames contains invalid value: Cannot invoke String.getBytes ... for key
    # #n" (a NullPointerException's text); an empty name is the closest: "... Empty attribute name for key #n".
    "ExpressionAttributeNameMap": ("empty",),
    "PreparedStatementParameters": ("attribute",),
    "PartiQLBatchRequest": ("error", "The statement was empty."),
    "ParameterizedStatements": ("error", "ExecutePartiQLTransaction can not have empty statement."),
    "TagList": ("skip",),
    "ReplicationGroupUpdateList": ("skip",),
    # The service fails with a 500 for these: the constraint it would report, were it checked.
    "AttributeDefinitions": ("violation",),
    "LocalSecondaryIndexList": ("violation",),
    "GlobalSecondaryIndexList": ("violation",),
    "GlobalSecondaryIndexUpdateList": ("violation",),
    "AttributeUpdates": ("violation",),
    # DynamoDB Local has no tagging to ask; TagList's nulls are ignored, a key to remove is not guessed.
    "TagKeyList": ("violation",),
}

SERVICES = {
    "dynamodb": {
        "model": f"{BOTOCORE}/dynamodb/2012-08-10/service-2.json",
        "namespace": "ddb::api::req",
        "header": "api/requests.h",
        "source": "api/requests.cpp",
        "java_package": "com.amazonaws.dynamodb.v20120810",
        # TableName is checked on its own, before the list of violations, where an input requires it.
        "table_name_first": True,
        # Where the service prints an enum set in another order than the model lists it (seen in its messages).
        "enum_order": {"ScalarAttributeType": ["B", "N", "S"]},
        # Members newer than the model Debian ships (botocore 1.29): added so that their values are checked too.
        "extra_shapes": {
            "ReturnValuesOnConditionCheckFailure": {"type": "string", "enum": ["ALL_OLD", "NONE"]},
            "DeletionProtectionEnabled": {"type": "boolean"},
        },
        "extra_members": {
            "PutItemInput": ["ReturnValuesOnConditionCheckFailure"],
            "UpdateItemInput": ["ReturnValuesOnConditionCheckFailure"],
            "DeleteItemInput": ["ReturnValuesOnConditionCheckFailure"],
            "ConditionCheck": ["ReturnValuesOnConditionCheckFailure"],
            "Put": ["ReturnValuesOnConditionCheckFailure"],
            "Update": ["ReturnValuesOnConditionCheckFailure"],
            "Delete": ["ReturnValuesOnConditionCheckFailure"],
            "CreateTableInput": ["DeletionProtectionEnabled"],
            "UpdateTableInput": ["DeletionProtectionEnabled"],
            "TableDescription": ["DeletionProtectionEnabled"],
        },
        # BatchGetItem's limit of 100 keys is checked across tables, with the service's own message.
        "drop_max": ["KeyList"],
        "null_rules": DYNAMODB_NULL_RULES,
    },
    "dynamodbstreams": {
        "model": f"{BOTOCORE}/dynamodbstreams/2012-08-10/service-2.json",
        "namespace": "ddb::api::streams_req",
        "header": "api/streams_requests.h",
        "source": "api/streams_requests.cpp",
        "java_package": "com.amazonaws.dynamodb.v20120810",
        "table_name_first": True,
        # DescribeStream's ShardFilter is newer than the model Debian ships (botocore 1.29).
        "extra_shapes": {
            "ShardFilterType": {"type": "string", "enum": ["CHILD_SHARDS"]},
            "ShardFilter": {"type": "structure", "members": {"Type": {"shape": "ShardFilterType"},
                                                             "ShardId": {"shape": "ShardId"}}},
        },
        "extra_members": {"DescribeStreamInput": ["ShardFilter"]},
        "null_rules": {},
    },
}

# DynamoDB's attribute values are decoded by api/attribute_json.h into model types, not into generated structs.
ATTRIBUTE_VALUE = "AttributeValue"
ATTRIBUTE_NAME = "AttributeName"  # a map keyed by it is an item or a key; its keys are checked by the item codec

KINDS = {"structure": "Structure", "list": "List", "map": "Map", "string": "String", "integer": "Integer",
         "long": "Long", "boolean": "Boolean", "blob": "Blob", "double": "Double", "float": "Double",
         "timestamp": "Timestamp"}
# The patterns the service model uses on input shapes that ddblocal checks; others are not enforced.
PATTERNS = {"[a-zA-Z0-9_.-]+": "kPatternName"}
# Enum values that are macros of the C and C++ libraries get a trailing underscore (ComparisonOperator::NULL_).
RESERVED_ENUMERATORS = {"NULL", "EOF", "TRUE", "FALSE", "DOMAIN", "OVERFLOW", "errno", "assert"}


class Generator:
    def __init__(self, service, config, model):
        self.service = service
        self.cfg = config
        self.model = model
        self.shapes = model["shapes"]
        self.ns = config["namespace"]
        for name, shape in config.get("extra_shapes", {}).items():
            self.shapes.setdefault(name, shape)
        for owner, members in config.get("extra_members", {}).items():
            for m in members:
                self.shapes[owner]["members"].setdefault(m, {"shape": m})
        for name in config.get("drop_max", []):
            self.shapes[name].pop("max", None)
        self.ops = sorted((n, op) for n, op in model["operations"].items())
        # Every shape reachable from an input, numbered in the order of the walk (as the old table was), then
        # the shapes only outputs reach.
        self.order, self.index = [], {}
        for _, op in self.ops:
            if "input" in op:
                self.visit(op["input"]["shape"])
        self.input_shapes = set(self.order)
        for _, op in self.ops:
            if "output" in op:
                self.visit(op["output"]["shape"])
        self.inputs = {op["input"]["shape"] for _, op in self.ops if "input" in op}
        self.outputs = {op["output"]["shape"] for _, op in self.ops if "output" in op}

    def visit(self, name):
        if name in self.index:
            return
        self.index[name] = len(self.order)
        self.order.append(name)
        s = self.shapes[name]
        for m in s.get("members", {}).values():
            self.visit(m["shape"])
        for k in ("member", "key", "value"):
            if k in s:
                self.visit(s[k]["shape"])

    # ---- what each shape becomes ----
    def kind(self, name):
        s = self.shapes[name]
        if name == ATTRIBUTE_VALUE:
            return "attribute"
        if s["type"] == "map" and s["key"]["shape"] == ATTRIBUTE_NAME and s["value"]["shape"] == ATTRIBUTE_VALUE:
            return "attributes"
        if s["type"] == "string" and "enum" in s:
            return "enum"
        return s["type"]

    def enum_values(self, name):
        return self.cfg.get("enum_order", {}).get(name, self.shapes[name].get("enum", []))

    @staticmethod
    def enumerator(value):
        e = re.sub(r"[^A-Za-z0-9_]", "_", value)
        if e[0].isdigit():
            e = "_" + e
        if e in RESERVED_ENUMERATORS:
            e += "_"
        return e

    def body_members(self, name):
        """The members read from the JSON body (REST-JSON services put some in the URI, query or headers)."""
        s = self.shapes[name]
        return [(m, d) for m, d in s.get("members", {}).items()
                if "location" not in d and s.get("payload") != m]

    def side(self, name):
        """Whether a request reaches the shape ("in": decoded, attribute values carry their errors) or only
        answers do ("out")."""
        return "in" if name in self.input_shapes else "out"

    def cpp_type(self, name, side="in"):
        """The C++ type of shape `name` as a member or element of a container on `side`."""
        k = self.kind(name)
        if k == "attribute":
            return "api::Attribute" if side == "in" else "::ddb::AttributeValue"
        if k == "attributes":
            return "api::Attributes" if side == "in" else "api::ResponseAttributes"
        if k in ("structure", "enum", "list", "map"):
            return "req::" + name
        return {"string": "std::string", "blob": "std::string", "integer": "int64_t", "long": "int64_t",
                "boolean": "bool", "double": "double", "float": "double", "timestamp": "double"}[k]

    def null_rule(self, container):
        return self.cfg["null_rules"].get(container, ("violation",))

    # ---- the header ----
    def declaration_order(self):
        """Enums, structures and list/map aliases reachable from an input, then those only an output reaches, each
        after what it names (post-order)."""
        done, out = set(), []

        def walk(name, stack):
            if name in done:
                return
            if name in stack:
                sys.exit(f"gen_requests: recursive shape {name} is not supported")
            k = self.kind(name)
            if k in ("attribute", "attributes"):
                done.add(name)
                return
            s = self.shapes[name]
            deps = [d["shape"] for _, d in s.get("members", {}).items()]
            deps += [s[k2]["shape"] for k2 in ("member", "value") if k2 in s]
            for d in deps:
                walk(d, stack | {name})
            done.add(name)
            if k in ("structure", "enum", "list", "map"):
                out.append(name)

        for direction in ("input", "output"):
            for _, op in self.ops:
                if direction in op:
                    walk(op[direction]["shape"], frozenset())
        return out

    def header(self):
        ns = self.ns
        guard_types = []
        L = []
        L.append(f"// {self.cfg['header']} — the requests and responses of "
                 f"{self.model['metadata'].get('serviceFullName', self.service)} as C++ types.")
        L.append(f"// Generated by tools/gen_requests.py from botocore's service model "
                 f"({self.service} {self.model['metadata'].get('apiVersion', '')}). Do not edit.")
        L.append("//")
        L.append("// One struct per structure an operation's input or output reaches, named as the model names it, with the")
        L.append("// model's member names. Required members are plain (decode() refuses a request without them), optional")
        L.append("// ones std::optional; lists are std::vector, maps std::vector of (key, value) in request (or answer)")
        L.append("// order, enums enum classes (name() gives the wire text, enum_value() reads it), integers int64_t,")
        L.append("// timestamps seconds as double, blobs their decoded bytes. In what a request reaches, attribute values")
        L.append("// are api::Attribute and items and keys api::Attributes (api/requests_common.h): their content errors")
        L.append("// are thrown by get(), where the operation reads them. In what only answers reach, they are")
        L.append("// AttributeValue and api::ResponseAttributes. encode() writes any structure as the service does.")
        L.append("#pragma once")
        L.append("")
        L.append("#include <cstdint>")
        L.append("#include <optional>")
        L.append("#include <string>")
        L.append("#include <string_view>")
        L.append("#include <utility>")
        L.append("#include <vector>")
        L.append("")
        L.append('#include "api/requests_common.h"')
        L.append("")
        L.append("namespace simdjson::dom {")
        L.append("class element;")
        L.append("}")
        L.append("namespace ddb {")
        L.append("class JsonWriter;")
        L.append("}")
        L.append("")
        L.append(f"namespace {ns} {{")
        L.append("")
        L.append(f"namespace req = ::{ns};")
        L.append("")
        for name in self.declaration_order():
            s = self.shapes[name]
            k = self.kind(name)
            if k == "enum":
                names = [self.enumerator(v) for v in self.enum_values(name)]
                if len(set(names)) != len(names):
                    sys.exit(f"gen_requests: the values of {name} collide as C++ names: {names}")
                values = ", ".join(names)
                L.append(f"enum class {name} : uint8_t {{ {values} }};")
                guard_types.append(name)
            elif k == "list":
                L.append(f"using {name} = std::vector<{self.cpp_type(s['member']['shape'], self.side(name))}>;")
            elif k == "map":
                L.append(f"using {name} = std::vector<std::pair<std::string, "
                         f"{self.cpp_type(s['value']['shape'], self.side(name))}>>;")
            elif k == "structure":
                L.append("")
                L.append(f"struct {name} {{")
                required = set(s.get("required", []))
                for m, d in s.get("members", {}).items():
                    t = self.cpp_type(d["shape"], self.side(name))
                    note = ""
                    message = "request" if self.side(name) == "in" else "answer"
                    if "location" in d:
                        note = f"  // the {message}'s {d['location']} ({d.get('locationName', m)}), not the body"
                    elif s.get("payload") == m:
                        note = f"  // the {message}'s payload, not JSON"
                    if m in required:
                        init = "{}" if self.kind(d["shape"]) in ("integer", "long", "boolean", "double", "float",
                                                                "timestamp", "enum") else ""
                        L.append(f"  {t} {m}{init};{note}")
                    else:
                        L.append(f"  std::optional<{t}> {m};{note}")
                L.append("};")
                L.append("")
        L.append("")
        L.append("// The wire text of an enum value.")
        for name in guard_types:
            L.append(f"std::string_view name({name} value);")
        L.append("")
        L.append("// The enum value of a wire text (enum_value<KeyType>(\"HASH\")); nullopt for a text the model does not list.")
        L.append("template <class Enum>")
        L.append("std::optional<Enum> enum_value(std::string_view text);")
        L.append("")
        L.append("// Decodes the body of a request (a parsed JSON object) into its input, checking it against the service")
        L.append("// model as the service's framework does: SerializationException when a value has the wrong JSON type,")
        L.append("// ValidationException \"N validation error(s) detected: ...\" listing every constraint violation, then the")
        L.append("// service's answer to a null inside a list or map. Attribute values are parsed too; their errors wait in")
        L.append("// the decoded value (api::Attribute::get). The result owns its data: nothing points into the DOM.")
        for name in sorted(self.inputs):
            L.append(f"void decode(const simdjson::dom::element& body, {name}& out);")
        L.append("")
        L.append("// Writes a structure as the service writes it (and takes it): the model's member order, absent members")
        L.append("// omitted. An output is the body of an answer.")
        for name in self.declaration_order():
            if self.kind(name) == "structure":
                L.append(f"void encode(JsonWriter& w, const {name}& value);")
        L.append("")
        L.append("// Every operation of the model, in name order: its name and a check that decodes its body and discards")
        L.append("// the result (the shapes check of api/shapes.h, until every operation takes its typed input).")
        L.append("struct Operation {")
        L.append("  std::string_view name;")
        L.append("  void (*check)(const simdjson::dom::element& body);")
        L.append("};")
        L.append(f"extern const Operation kOperations[{len(self.ops)}];")
        L.append("")
        L.append(f"}}  // namespace {ns}")
        return "\n".join(L) + "\n"

    # ---- the source ----
    def tables(self):
        L = []
        members, enums, lines = [], [], []
        for name in self.order:
            s = self.shapes[name]
            m_begin = len(members)
            for mname, m in s.get("members", {}).items():
                members.append((mname, self.index[m["shape"]], mname in s.get("required", [])))
            e_begin = len(enums)
            enums.extend(self.enum_values(name))
            has_min, has_max = "min" in s, "max" in s
            pattern = PATTERNS.get(s.get("pattern"), "kPatternNone")
            sub = lambda k: self.index[s[k]["shape"]] if k in s else -1
            lines.append(
                f'    {{"{name}", ShapeKind::{KINDS[s["type"]]}, {int(has_min)}, {int(has_max)}, {int(s.get("min", 0))}, '
                f'{int(s.get("max", 0))}, {pattern}, {m_begin}, {len(members) - m_begin}, {e_begin}, '
                f'{len(enums) - e_begin}, {sub("member")}, {sub("key")}, {sub("value")}}},')
        L.append("const MemberDef kMembers[] = {")
        for n, sh, req in members:
            L.append(f'    {{"{n}", {sh}, {"true" if req else "false"}}},')
        L.append("};")
        L.append("const char* const kEnums[] = {")
        for e in enums:
            L.append(f'    "{e}",')
        if not enums:
            L.append('    "",')
        L.append("};")
        L.append("const ShapeDef kShapes[] = {")
        L.extend(lines)
        L.append("};")
        L.append(f'const ServiceModel kModel{{kShapes, kMembers, kEnums, "{self.cfg["java_package"]}"}};')
        L.append("")
        L.append("// The index of each shape in kShapes.")
        L.append("namespace shape {")
        L.append("enum : int {")
        for name in self.order:
            L.append(f"  {name} = {self.index[name]},")
        L.append("};")
        L.append("}  // namespace shape")
        self.enum_begin = {}
        pos = 0
        for name in self.order:
            self.enum_begin[name] = pos
            pos += len(self.enum_values(name))
        return L

    def fn(self, name):
        return f"decode_{name}"

    def shape_const(self, name):
        return f"shape::{name}"

    def null_code(self, container, where, out_expr, element_shape, indent):
        """The statements for a null element (list) or value (map) of `container`."""
        rule = self.null_rule(container)
        pad = " " * indent
        kind = rule[0]
        if kind == "skip":
            return [f"{pad}continue;"]
        if kind == "violation":
            return [f"{pad}d.null_violation({where});", f"{pad}continue;"]
        if kind == "error":
            return [f"{pad}d.null_error({json.dumps(rule[1])}, {where});", f"{pad}continue;"]
        if kind == "attribute":
            if self.kind(element_shape) != "attribute":
                sys.exit(f"gen_requests: null rule 'attribute' on {container}, whose values are not attribute values")
            return None
        if kind == "empty":
            if self.kind(element_shape) != "string":
                sys.exit(f"gen_requests: null rule 'empty' on {container}, whose values are not strings")
            return [f"{pad}{out_expr};", f"{pad}continue;"]
        sys.exit(f"gen_requests: unknown null rule {rule} for {container}")

    def value_code(self, shape, elem, where, target, list_member, indent):
        """Statements decoding element `elem` of `shape` into lvalue `target` (already constructed)."""
        pad = " " * indent
        k = self.kind(shape)
        i = self.shape_const(shape)
        if k == "structure":
            return [f"{pad}{self.fn(shape)}(d, {elem}, {where}, {'true' if list_member else 'false'}, {target});"]
        if k in ("list", "map"):
            return [f"{pad}{self.fn(shape)}(d, {elem}, {where}, {target});"]
        if k == "attribute":
            return [f"{pad}d.attribute({i}, {elem}, {'true' if list_member else 'false'}, {target});"]
        if k == "attributes":
            return [f"{pad}d.attributes({i}, {elem}, {where}, {target});"]
        if k == "enum":
            return [f"{pad}{target} = static_cast<req::{shape}>(d.enumeration({i}, {elem}, {where}));"]
        if k == "string":
            return [f"{pad}d.string({i}, {elem}, {where}, {target});"]
        if k in ("integer", "long"):
            return [f"{pad}{target} = d.integer({i}, {elem}, {where});"]
        if k == "boolean":
            return [f"{pad}{target} = d.boolean({elem});"]
        if k in ("double", "float", "timestamp"):
            return [f"{pad}{target} = d.number({elem});"]
        if k == "blob":
            return [f"{pad}d.blob({elem}, {target});"]
        sys.exit(f"gen_requests: no decoder for shape {shape} ({k})")

    def decoder(self, name):
        s = self.shapes[name]
        k = self.kind(name)
        i = self.shape_const(name)
        L = []
        if k == "structure":
            L.append(f"void {self.fn(name)}(Decoder& d, const element& v, const Where& path, bool list_member, "
                     f"req::{name}& out) {{")
            L.append(f"  d.structure({i}, v, list_member);")
            members = self.body_members(name)
            if len(members) > 64:
                sys.exit(f"gen_requests: {name} has more than 64 members")
            if not members:
                L.append("  (void)path;")
                L.append("  (void)out;")
                L.append("}")
                return L
            n = len(members)
            L.append(f"  element m[{n}];")
            L.append("  uint64_t found = 0;")
            L.append("  simdjson::dom::object o = v.get_object().value_unsafe();")
            L.append("  for (simdjson::dom::key_value_pair f : o) {")
            L.append("    std::string_view k = f.key;")
            L.append("    int i = -1;")
            L.append("    switch (k.size()) {")
            by_len = {}
            for idx, (m, _) in enumerate(members):
                by_len.setdefault(len(m), []).append((m, idx))
            for length in sorted(by_len):
                conds = " else ".join(f'if (k == "{m}") i = {idx};' for m, idx in by_len[length])
                L.append(f"      case {length}: {conds} break;")
            L.append("    }")
            L.append("    if (i >= 0 && !(found >> i & 1)) {")
            L.append("      found |= uint64_t(1) << i;")
            L.append("      m[i] = f.value;")
            L.append("    }")
            L.append("  }")
            required = set(s.get("required", []))
            for idx, (m, d) in enumerate(members):
                shape = d["shape"]
                present = f"(found >> {idx} & 1) && !m[{idx}].is_null()"
                uses_path = m in required or self.kind(shape) not in ("boolean", "double", "float", "timestamp", "blob",
                                                                      "attribute")
                L.append("  {")
                if uses_path:
                    L.append(f'    Where w{{&path, "{m}", {{}}, 0}};')
                L.append(f"    if ({present}) {{")
                target = f"out.{m}" if m in required else f"out.{m}.emplace()"
                if m not in required and self.kind(shape) in ("enum", "integer", "long", "boolean", "double",
                                                              "float", "timestamp"):
                    target = f"out.{m}"
                L.extend(self.value_code(shape, f"m[{idx}]", "w", target, False, 6))
                if m in required:
                    L.append("    } else {")
                    L.append("      d.required(w);")
                L.append("    }")
                L.append("  }")
            L.append("}")
        elif k == "list":
            member = s["member"]["shape"]
            L.append(f"void {self.fn(name)}(Decoder& d, const element& v, const Where& path, req::{name}& out) {{")
            L.append("  d.list(v);")
            L.append("  simdjson::dom::array a = v.get_array().value_unsafe();")
            if "min" in s or "max" in s:
                L.append(f"  d.length({i}, v, path, a.size());")
            L.append("  out.reserve(a.size());")
            L.append("  size_t index = 0;")
            L.append("  for (element e : a) {")
            L.append("    [[maybe_unused]] Where w{&path, {}, {}, ++index};")
            on_null = self.null_code(name, "w", "out.emplace_back()", member, 6)
            if on_null is not None:
                L.append("    if (e.is_null()) {")
                L.extend(on_null)
                L.append("    }")
            L.extend(self.value_code(member, "e", "w", "out.emplace_back()", True, 4))
            L.append("  }")
            L.append("}")
        elif k == "map":
            key, value = s["key"]["shape"], s["value"]["shape"]
            ks, vs = self.shapes[key], self.shapes[value]
            L.append(f"void {self.fn(name)}(Decoder& d, const element& v, const Where& path, req::{name}& out) {{")
            L.append(f"  d.map({i}, v);")
            L.append("  simdjson::dom::object o = v.get_object().value_unsafe();")
            if "min" in s or "max" in s:
                L.append(f"  d.length({i}, v, path, o.size());")
            L.append("  out.reserve(o.size());")
            L.append("  for (simdjson::dom::key_value_pair f : o) {")
            if key != ATTRIBUTE_NAME and ("min" in ks or "max" in ks):
                L.append(f"    d.map_key({self.shape_const(key)}, f.key);")
            L.append("    [[maybe_unused]] Where w{&path, {}, f.key, 0};")
            on_null = self.null_code(name, "w", f"out.emplace_back(std::string(f.key), {self.cpp_type(value)}{{}})",
                                     value, 6)
            if on_null is not None:
                L.append("    if (f.value.is_null()) {")
                L.extend(on_null)
                L.append("    }")
            if vs["type"] == "list" and ("min" in vs or "max" in vs):
                L.append(f"    if (!d.map_value_length({i}, v, path, f.value)) continue;")
            L.append(f"    auto& entry = out.emplace_back(std::string(f.key), {self.cpp_type(value)}{{}});")
            L.extend(self.value_code(value, "f.value", "w", "entry.second", False, 4))
            L.append("  }")
            L.append("}")
        return L

    def encoder_value(self, shape, expr, indent, side):
        """Statements writing `expr` of `shape`, a member or element of a container on `side`."""
        pad = " " * indent
        k = self.kind(shape)
        s = self.shapes[shape]
        if k == "structure":
            return [f"{pad}encode(w, {expr});"]
        if k == "attribute":
            return [f"{pad}write_attribute_value(w, {expr}{'.value' if side == 'in' else ''});"]
        if k == "attributes":
            return [f"{pad}write_attribute_map(w, {expr}{'.value' if side == 'in' else ''});"]
        if k == "enum":
            return [f"{pad}w.string(name({expr}));"]
        if k == "string":
            return [f"{pad}w.string({expr});"]
        if k == "blob":
            return [f"{pad}w.string(base64_encode({expr}));"]
        if k in ("integer", "long"):
            return [f"{pad}w.number({expr});"]
        if k == "boolean":
            return [f"{pad}w.boolean({expr});"]
        if k in ("double", "float"):
            return [f"{pad}write_double(w, {expr});"]
        if k == "timestamp":
            return [f"{pad}write_timestamp(w, {expr});"]
        if k == "list":
            v = f"e{indent}"
            return ([f"{pad}w.begin_array();", f"{pad}for (const auto& {v} : {expr}) {{"] +
                    self.encoder_value(s["member"]["shape"], v, indent + 2, self.side(shape)) +
                    [f"{pad}}}", f"{pad}w.end_array();"])
        if k == "map":
            v = f"e{indent}"
            return ([f"{pad}w.begin_object();", f"{pad}for (const auto& {v} : {expr}) {{", f"{pad}  w.key({v}.first);"] +
                    self.encoder_value(s["value"]["shape"], f"{v}.second", indent + 2, self.side(shape)) +
                    [f"{pad}}}", f"{pad}w.end_object();"])
        sys.exit(f"gen_requests: no encoder for {shape}")

    def encoder(self, name):
        s = self.shapes[name]
        required = set(s.get("required", []))
        members = self.body_members(name)
        side = self.side(name)
        L = [f"void encode(JsonWriter& w, const req::{name}& value) {{", "  w.begin_object();"]
        for m, d in members:
            if m in required:
                L.append(f'  w.key("{m}");')
                L.extend(self.encoder_value(d["shape"], f"value.{m}", 2, side))
            else:
                L.append(f"  if (value.{m}) {{")
                L.append(f'    w.key("{m}");')
                L.extend(self.encoder_value(d["shape"], f"(*value.{m})", 4, side))
                L.append("  }")
        if not members:
            L.append("  (void)value;")
        L.append("  w.end_object();")
        L.append("}")
        return L

    def source_text(self):
        ns = self.ns
        L = []
        L.append(f"// {self.cfg['source']} — the decoder of {self.cfg['header']}. Generated by tools/gen_requests.py "
                 f"from botocore's")
        L.append(f"// service model ({self.service} {self.model['metadata'].get('apiVersion', '')}). Do not edit.")
        L.append("//")
        L.append("// One decode function per shape walks the DOM once, in the model's member order (the order in which")
        L.append("// the service reports violations), and calls api/shapes.h's Decoder for every check and message.")
        L.append(f'#include "{self.cfg["header"]}"')
        L.append("")
        L.append("#include <simdjson.h>")
        L.append("")
        L.append("#include <charconv>")
        L.append("#include <cmath>")
        L.append("")
        L.append('#include "api/attribute_json.h"')
        L.append('#include "api/shapes.h"')
        L.append('#include "model/base64.h"')
        L.append('#include "model/json_writer.h"')
        L.append("")
        L.append(f"namespace {ns} {{")
        L.append("namespace {")
        L.append("")
        L.append("using simdjson::dom::element;")
        L.append("using api::Decoder;")
        L.append("using api::MemberDef;")
        L.append("using api::ServiceModel;")
        L.append("using api::ShapeDef;")
        L.append("using api::ShapeKind;")
        L.append("using api::Where;")
        L.append("using api::kPatternName;")
        L.append("using api::kPatternNone;")
        L.append("")
        L.extend(self.tables())
        L.append("")
        in_body = self.body_shapes()
        decl_order = [n for n in self.declaration_order()
                      if self.kind(n) in ("structure", "list", "map") and n in in_body]
        # Shapes refer to one another: declarations first, then definitions.
        for name in decl_order:
            if self.kind(name) == "structure":
                L.append(f"void {self.fn(name)}(Decoder& d, const element& v, const Where& path, bool list_member, "
                         f"req::{name}& out);")
            else:
                L.append(f"void {self.fn(name)}(Decoder& d, const element& v, const Where& path, req::{name}& out);")
        L.append("")
        for name in decl_order:
            L.extend(self.decoder(name))
            L.append("")
        L.append("// Checks and decodes one input: the body must be an object; TableName comes first where it is required.")
        L.append("template <class Input>")
        L.append("void run(const element& body, Input& out, bool parse_attributes);")
        L.append("")
        for name in sorted(self.inputs):
            s = self.shapes[name]
            first = self.cfg.get("table_name_first") and "TableName" in s.get("required", [])
            L.append("template <>")
            L.append(f"void run(const element& body, req::{name}& out, bool parse_attributes) {{")
            L.append("  Decoder d(kModel, parse_attributes);")
            L.append("  d.object(body);")
            if first:
                L.append("  d.table_name(body);")
            L.append(f"  {self.fn(name)}(d, body, Where{{}}, false, out);")
            L.append("  d.finish();")
            L.append("}")
            L.append("")
        L.append("template <class Input>")
        L.append("void check(const element& body) {")
        L.append("  Input input;")
        L.append("  run(body, input, /*parse_attributes=*/false);")
        L.append("}")
        L.append("")
        L.append("// A double as the service writes its doubles: whole and half values with one decimal (1.0, 0.5, 2.5: capacity")
        L.append("// units, size estimates), any other as the shortest text that reads back the same double (0.25, 1e+20).")
        L.append("[[maybe_unused]] void write_double(JsonWriter& w, double v) {")
        L.append("  char buf[48];")
        L.append("  char* end = buf;")
        L.append("  double halves = v * 2;")
        L.append("  if (halves > -1e15 && halves < 1e15 && halves == std::trunc(halves)) {")
        L.append("    int64_t h = int64_t(halves);")
        L.append("    if (h < 0) {")
        L.append("      *end++ = '-';")
        L.append("      h = -h;")
        L.append("    }")
        L.append("    end = std::to_chars(end, buf + sizeof buf, h / 2).ptr;")
        L.append("    *end++ = '.';")
        L.append("    *end++ = h % 2 ? '5' : '0';")
        L.append("  } else {")
        L.append("    end = std::to_chars(buf, buf + sizeof buf, v).ptr;")
        L.append("    if (std::string_view(buf, end - buf).find_first_of(\".en\") == std::string_view::npos) {")
        L.append("      *end++ = '.';")
        L.append("      *end++ = '0';")
        L.append("    }")
        L.append("  }")
        L.append("  w.raw_number(std::string_view(buf, end - buf));")
        L.append("}")
        L.append("")
        L.append("// Seconds since the epoch: a whole number of milliseconds as the service writes it (1700000000.123), any other")
        L.append("// value as write_double writes it.")
        L.append("[[maybe_unused]] void write_timestamp(JsonWriter& w, double seconds) {")
        L.append("  double millis = seconds * 1000;")
        L.append("  if (millis >= 0 && millis < 9.0e15 && std::nearbyint(millis) == millis) {")
        L.append("    w.epoch_seconds(int64_t(millis));")
        L.append("  } else {")
        L.append("    write_double(w, seconds);")
        L.append("  }")
        L.append("}")
        L.append("")
        L.append("template <class Enum>")
        L.append("std::optional<Enum> find_enum(int begin, int count, std::string_view text) {")
        L.append("  for (int i = 0; i < count; ++i) {")
        L.append("    if (kEnums[begin + i] == text) return Enum(i);")
        L.append("  }")
        L.append("  return std::nullopt;")
        L.append("}")
        L.append("")
        L.append("}  // namespace")
        L.append("")
        for name in self.declaration_order():
            if self.kind(name) == "enum":
                L.append(f"std::string_view name({name} value) {{ return kEnums[{self.enum_begin[name]} + int(value)]; }}")
        L.append("")
        for name in self.declaration_order():
            if self.kind(name) == "enum":
                L.append("template <>")
                L.append(f"std::optional<{name}> enum_value(std::string_view text) {{")
                L.append(f"  return find_enum<{name}>({self.enum_begin[name]}, {len(self.enum_values(name))}, text);")
                L.append("}")
        L.append("")
        for name in sorted(self.inputs):
            L.append(f"void decode(const element& body, {name}& out) {{ run(body, out, /*parse_attributes=*/true); }}")
        L.append("")
        for name in self.declaration_order():
            if self.kind(name) == "structure":
                L.extend(self.encoder(name))
                L.append("")
        L.append(f"const Operation kOperations[{len(self.ops)}] = {{")
        for opname, op in self.ops:
            if "input" in op:
                L.append(f'    {{"{opname}", &check<req::{op["input"]["shape"]}>}},')
            else:
                L.append(f'    {{"{opname}", [](const element& body) {{ Decoder(kModel, false).object(body); }}}},')
        L.append("};")
        L.append("")
        L.append(f"}}  // namespace {ns}")
        return "\n".join(L) + "\n"

    def body_shapes(self):
        """The shapes a request's JSON body holds (REST-JSON services put some members elsewhere)."""
        seen = set()

        def walk(name):
            if name in seen or self.kind(name) in ("attribute", "attributes"):
                return
            seen.add(name)
            s = self.shapes[name]
            for _, d in self.body_members(name):
                walk(d["shape"])
            for k in ("member", "value"):
                if k in s:
                    walk(s[k]["shape"])

        for name in self.inputs:
            walk(name)
        return seen

    def defaulted_null_rules(self):
        """Lists and maps whose null rule is the default (to be checked against the service when one is served)."""
        out = []
        for name in self.declaration_order():
            if self.kind(name) in ("list", "map") and name not in self.cfg["null_rules"] and name in self.input_shapes:
                out.append(name)
        return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("services", nargs="*", default=list(SERVICES))
    p.add_argument("--model", help="service-2.json to read instead of the service's default")
    p.add_argument("--header", help="where to write the header (default: the service's, under the source root)")
    p.add_argument("--source", help="where to write the source")
    p.add_argument("--namespace", help="C++ namespace of the types (a service not listed above needs it)")
    p.add_argument("--no-format", action="store_true", help="do not run clang-format on the output")
    args = p.parse_args()
    for service in args.services:
        if service in SERVICES:
            cfg = dict(SERVICES[service])
        elif args.model and args.namespace and args.header and args.source:
            # A service not listed: its model as it is, no adjustments, the default null rule.
            cfg = {"java_package": f"com.amazonaws.{service}", "null_rules": {}}
        else:
            sys.exit(f"gen_requests: unknown service {service}; known: {', '.join(SERVICES)} "
                     f"(or give --model, --namespace, --header and --source)")
        if args.namespace:
            cfg["namespace"] = args.namespace
        if args.header:
            cfg["header"] = args.header
        if args.source:
            cfg["source"] = args.source
        model = json.load(open(args.model or cfg["model"]))
        g = Generator(service, cfg, model)
        header = os.path.join(ROOT, cfg["header"])
        source = os.path.join(ROOT, cfg["source"])
        with open(header, "w") as f:
            f.write(g.header())
        with open(source, "w") as f:
            f.write(g.source_text())
        if not args.no_format and os.path.exists("/usr/bin/clang-format"):
            style = os.path.join(ROOT, ".clang-format")
            os.system(f"clang-format -i --style=file:{style} {header} {source}")
        defaulted = g.defaulted_null_rules()
        if defaulted:
            print(f"{service}: no null rule checked against the service for {', '.join(defaulted)}: their nulls are "
                  f"reported as violations", file=sys.stderr)


if __name__ == "__main__":
    main()
